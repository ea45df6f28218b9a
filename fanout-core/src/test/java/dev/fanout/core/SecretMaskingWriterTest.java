package dev.fanout.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriteOutcome;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.testplugin.LeakyProvider;
import dev.fanout.core.testplugin.MemProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A writer's failures leave {@link SecretMaskingWriter} with the destination's secrets masked in every
 * message of the chain — the failure's, its causes', the suppressed ones' — so the stack trace that
 * {@code fanout --verbose} prints holds none, and still shows where each failure came from.
 */
class SecretMaskingWriterTest {

    private static final List<String> SECRETS = List.of("pw-in-uri", "tok-in-uri", "s3cr3t-pw", "k3y-zz9");

    @TempDir
    Path dir;

    private Destination bad(String failAt) throws IOException {
        Path file = Files.writeString(dir.resolve("topology.yaml"), """
                version: 1
                destinations:
                  good: { uri: "mem:good" }
                  bad:
                    uri: "leaky://admin:pw-in-uri@host/db?api_token=tok-in-uri"
                    options: { user: admin, password: "s3cr3t-pw", auth_key: "k3y-zz9", fail: %s }
                default: good
                """.formatted(failAt));
        WriterRegistry registry = WriterRegistry.of(List.of(new MemProvider(), new LeakyProvider()));
        return Fanout.check(file, registry).destination("bad", registry);
    }

    private SecretMaskingWriter writer(String failAt) throws IOException, WriteException {
        Destination bad = bad(failAt);
        return new SecretMaskingWriter(new LeakyProvider().create(bad), bad);
    }

    private static String stackTrace(Throwable t) {
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    private static void assertMasked(Throwable failure) {
        String trace = stackTrace(failure);
        for (String secret : SECRETS) {
            assertThat(trace).doesNotContain(secret);
        }
        assertThat(trace).contains("\tat dev.fanout.core.testplugin.LeakyProvider")
                .contains("Caused by: java.io.IOException: POST leaky://****@host/db?api_token=**** failed")
                .contains("Caused by: java.net.ConnectException: cannot ")
                .contains("Suppressed: java.lang.IllegalArgumentException: password=****");
    }

    @ParameterizedTest
    @ValueSource(strings = {"open-cause", "write"})
    void aWriteExceptionKeepsItsKindAndTraceWithEveryMessageMasked(String failAt) throws Exception {
        SecretMaskingWriter writer = writer(failAt);

        Throwable failure = catchThrowable(() -> {
            writer.open();
            writer.write(null);
        });

        assertThat(failure).isInstanceOf(WriteException.class);
        assertThat(((WriteException) failure).retryable()).isTrue();
        assertMasked(failure);
    }

    @Test
    void aRuntimeExceptionFromWriteIsMaskedAndStillNamesItsClass() throws Exception {
        SecretMaskingWriter writer = writer("write-runtime");
        writer.open();

        Throwable failure = catchThrowable(() -> writer.write(null));

        assertThat(failure).isInstanceOf(RuntimeException.class).hasToString("java.lang.IllegalStateException: cannot write "
                + "leaky://****@host/db?api_token=**** as user admin with password **** and key ****");
        assertMasked(failure);
    }

    @Test
    void aFailureWithoutSecretsIsThrownAsItIs() throws Exception {
        WriteException original = WriteException.retryable("server at host:8123 is not answering", new IOException("refused"));
        BaseWriter failing = new BaseWriter() {
            @Override
            public void open() throws WriteException {
                throw original;
            }

            @Override
            public void write(dev.fanout.api.WriteBatch batch) {
            }

            @Override
            public void close() {
            }
        };
        SecretMaskingWriter masking = new SecretMaskingWriter(failing, bad("never"));

        assertThat(catchThrowable(masking::open)).isSameAs(original);
    }

    @Test
    void writeCountedIsForwardedWithItsOutcomeAndItsFailuresMasked() throws Exception {
        WriteOutcome reported = WriteOutcome.counted(3, 2);
        BaseWriter counting = new BaseWriter() {
            @Override
            public void open() {
            }

            @Override
            public void write(dev.fanout.api.WriteBatch batch) {
                throw new AssertionError("write called instead of writeCounted");
            }

            @Override
            public WriteOutcome writeCounted(dev.fanout.api.WriteBatch batch) {
                return reported;
            }

            @Override
            public void close() {
            }
        };
        assertThat(new SecretMaskingWriter(counting, bad("never")).writeCounted(null)).isSameAs(reported);

        SecretMaskingWriter leaky = writer("write");
        leaky.open();
        Throwable failure = catchThrowable(() -> leaky.writeCounted(null));
        assertThat(failure).isInstanceOf(WriteException.class);
        assertMasked(failure);
    }
}
