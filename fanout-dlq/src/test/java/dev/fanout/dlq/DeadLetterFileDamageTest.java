package dev.fanout.dlq;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.fanout.dlq.SamplePackets.letter;
import static org.assertj.core.api.Assertions.assertThat;

/** Crashes and disk damage: a bad record is skipped, never the ones around it. */
class DeadLetterFileDamageTest {

    @TempDir
    Path tmp;

    private Path dir;
    private Path file;
    /** Start of records a, b, c, then the end of the file. */
    private long[] bounds;

    @BeforeEach
    void parkThree() throws IOException {
        dir = tmp.resolve("dlq");
        file = dir.resolve("trades.dlq");
        bounds = new long[4];
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            String[] ids = {"a", "b", "c"};
            for (int i = 0; i < ids.length; i++) {
                bounds[i] = Files.exists(file) ? Files.size(file) : 0;
                store.park(letter(ids[i], SamplePackets.versioned("trades", "p" + i, 2 + i), "timeout " + i));
            }
            bounds[3] = Files.size(file);
        }
    }

    @Test
    void aLastRecordTornAtAnyByteHidesNothingBeforeItAndTheNextWriterCutsItOff() throws IOException {
        byte[] full = Files.readAllBytes(file);
        for (long cut = bounds[2]; cut < bounds[3]; cut++) {
            Files.write(file, Arrays.copyOf(full, (int) cut));
            try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
                assertThat(reader.records("trades")).as("cut at %d", cut).extracting(DeadLetter::id).containsExactly("a", "b");
                TableStats stats = reader.stats("trades");
                assertThat(stats.tornTailBytes()).as("cut at %d", cut).isEqualTo(cut - bounds[2]);
                assertThat(stats.corruptBytes()).isZero();
            }
            try (DeadLetterStore store = DeadLetterStore.open(dir)) {
                store.park(letter("d", SamplePackets.versioned("trades", "pd", 1), "after the crash"));
                assertThat(store.records("trades")).as("cut at %d", cut).extracting(DeadLetter::id).containsExactly("a", "b", "d");
            }
            try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
                TableStats stats = reader.stats("trades");
                assertThat(stats.tornTailBytes()).isZero();
                assertThat(stats.corruptBytes()).isZero();
                assertThat(reader.records("trades")).extracting(DeadLetter::id).containsExactly("a", "b", "d");
            }
        }
    }

    @Test
    void aTruncationInsideAnEarlierRecordLosesOnlyWhatFollowsTheCut() throws IOException {
        byte[] full = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(full, (int) bounds[1] + 5));
        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
            assertThat(reader.records("trades")).extracting(DeadLetter::id).containsExactly("a");
        }
    }

    /** Offsets within the middle record: magic, version, length, checksum, payload start, middle, end. */
    @ParameterizedTest
    @ValueSource(ints = {0, 3, 4, 5, 8, 9, 12, 13, 60, -1})
    void aDamagedMiddleRecordIsSkippedAndTheOthersAreRead(int at) throws IOException {
        long position = at >= 0 ? bounds[1] + at : bounds[2] - 1;
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) position] ^= (byte) 0xFF;
        Files.write(file, bytes);

        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
            assertThat(reader.records("trades")).extracting(DeadLetter::id).containsExactly("a", "c");
            TableStats stats = reader.stats("trades");
            assertThat(stats.count()).isEqualTo(2);
            assertThat(stats.tornTailBytes()).isZero();
            boolean versionByte = at == 4;
            assertThat(stats.corruptBytes()).isEqualTo(versionByte ? 0 : bounds[2] - bounds[1]);
        }
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            store.park(letter("d", SamplePackets.versioned("trades", "pd", 1), "m"));
            assertThat(store.records("trades")).extracting(DeadLetter::id).containsExactly("a", "c", "d");
        }
        assertThat(Files.size(file)).isGreaterThan(bounds[3]);
    }

    @Test
    void garbageBetweenRecordsIsSkipped() throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteArrayOutputStream damaged = new ByteArrayOutputStream();
        damaged.write(bytes, 0, (int) bounds[2]);
        damaged.write(new byte[4096]);
        damaged.write("FDLQ\u0001garbage that starts like a record".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        damaged.write(bytes, (int) bounds[2], (int) (bounds[3] - bounds[2]));
        Files.write(file, damaged.toByteArray());

        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
            assertThat(reader.records("trades")).extracting(DeadLetter::id).containsExactly("a", "b", "c");
            assertThat(reader.stats("trades").corruptBytes()).isEqualTo(damaged.size() - bounds[3]);
        }
    }

    @Test
    void aRecordWithAValidChecksumButAnUndecodablePayloadIsSkippedAndKeptByCompaction() throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteArrayOutputStream damaged = new ByteArrayOutputStream();
        damaged.write(bytes, 0, (int) bounds[1]);
        for (ByteBuffer b : Frames.frame(PayloadCodec.FORMAT_1, new byte[] {PayloadCodec.KIND_LETTER, 0, 0, 0, 9, 'x'})) {
            damaged.write(b.array(), b.position(), b.remaining());
        }
        damaged.write(bytes, (int) bounds[1], (int) (bounds[3] - bounds[1]));
        Files.write(file, damaged.toByteArray());

        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            assertThat(store.records("trades")).extracting(DeadLetter::id).containsExactly("a", "b", "c");
            assertThat(store.stats("trades").corruptBytes()).isZero();
            store.resolve("trades", "a");
            store.resolve("trades", "b");
            store.resolve("trades", "c");
            store.compact("trades");
            assertThat(file).exists();
            assertThat(Files.size(file)).isEqualTo(Frames.HEADER_BYTES + 6);
            assertThat(store.records("trades")).isEmpty();
        }
    }
}
