package dev.fanout.core.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pipe between a row export and a row load: every byte in order, and each side stopping the other with the cause kept. */
class RowPipeTest {

    @Test
    void bytesWrittenInPiecesOfAnySizeArriveInOrderAndEndWhenTheWriterCloses() throws Exception {
        byte[] data = new byte[RowPipe.BLOCK * RowPipe.BLOCKS * 3 + 12_345];
        new Random(7).nextBytes(data);
        RowPipe pipe = new RowPipe();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                int at = 0;
                Random sizes = new Random(11);
                while (at < data.length) {
                    int n = Math.min(data.length - at, sizes.nextInt(100_000));
                    if (n == 1) {
                        pipe.sink().write(data[at]);
                    } else {
                        pipe.sink().write(data, at, n);
                    }
                    at += n;
                }
                pipe.sink().close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        byte[] read = pipe.source().readAllBytes();
        writer.get(30, TimeUnit.SECONDS);
        assertThat(read).isEqualTo(data);
        assertThat(pipe.source().read()).isEqualTo(-1);
        assertThat(pipe.failedBySink()).isFalse();
    }

    @Test
    void aFailedWriterEndsTheReadWithItsCauseAndAClosedReaderStopsTheWriter() throws Exception {
        RowPipe failing = new RowPipe();
        failing.sink().write(new byte[] {1, 2, 3});
        IllegalStateException cause = new IllegalStateException("the source's engine failed");
        failing.sink().fail(cause);
        IOException read = catchThrowableOfType(IOException.class, () -> failing.source().readAllBytes());
        assertThat(read).hasCause(cause).hasMessageContaining("the source's engine failed");
        assertThat(failing.failedBySink()).isTrue();

        RowPipe abandoned = new RowPipe();
        InputStream source = abandoned.source();
        source.close();
        IOException write = catchThrowableOfType(IOException.class, () -> {
            for (int i = 0; i < RowPipe.BLOCKS + 2; i++) {
                abandoned.sink().write(new byte[RowPipe.BLOCK]);
            }
            abandoned.sink().close();
        });
        assertThat(write).hasMessageContaining("stopped reading");
        assertThat(abandoned.failedBySink()).isFalse();
    }
}
