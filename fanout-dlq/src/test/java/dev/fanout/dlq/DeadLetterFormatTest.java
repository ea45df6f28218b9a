package dev.fanout.dlq;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;

import static dev.fanout.dlq.SamplePackets.assertSame;
import static dev.fanout.dlq.SamplePackets.letter;
import static org.assertj.core.api.Assertions.assertThat;

/** Record formats: per-row versions in format 2, everything else byte for byte as format 1 always was. */
class DeadLetterFormatTest {

    /**
     * The payload of {@link #oldLetter()} as the release before format 2 wrote it (that release's
     * {@code PayloadCodec.letter}, run once): the store must keep reading it.
     */
    private static final String FORMAT_1_PAYLOAD = "01000000056f6c642d3100000007626172735f64620000000e5772697465457863657074696f6e0000"
            + "000774696d656f7574010000000200000000697dcb980000000000000000697dcbd4000000000000000462617273ffffffff00000005702d6f6c"
            + "6400000000000000070000000200000003000000016b00000006737472696e6700000000036461790000000464617465010000000270780000"
            + "000d646563696d616c2831382c34290100000001000000016bffffffff060000000161070000000000004fe705000000040000000230d40600"
            + "000001620000";

    @TempDir
    Path tmp;

    private static DeadLetter oldLetter() {
        Schema s = Schema.of(List.of(Column.required("k", LogicalType.STRING), Column.of("day", LogicalType.DATE),
                Column.of("px", LogicalType.decimal(18, 4))), List.of("k"));
        FramePacket p = FramePacket.builder("bars", s).packetId("p-old").version(7)
                .addRow("a", LocalDate.of(2026, 1, 2), new BigDecimal("1.2500")).addRow("b", null, null).build();
        return new DeadLetter("old-1", p, "bars_db", "WriteException", "timeout", true, 2, Instant.parse("2026-01-31T09:30:00Z"),
                Instant.parse("2026-01-31T09:31:00Z"));
    }

    @Test
    void aRecordWrittenBeforeFormat2IsStillReadAndPlainPacketsAreStillWrittenExactlySo() throws IOException {
        byte[] old = HexFormat.of().parseHex(FORMAT_1_PAYLOAD);
        assertThat(PayloadCodec.format(oldLetter())).isEqualTo(PayloadCodec.FORMAT_1);
        assertThat(HexFormat.of().formatHex(PayloadCodec.letter(oldLetter()))).isEqualTo(FORMAT_1_PAYLOAD);

        Path dir = tmp.resolve("dlq");
        Files.createDirectories(dir);
        Files.write(dir.resolve(TableFileName.of("bars")), frame(PayloadCodec.FORMAT_1, old));
        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
            List<DeadLetter> read = reader.records("bars");
            assertThat(read).hasSize(1);
            assertSame(read.get(0), oldLetter());
            assertThat(read.get(0).packet().hasRowVersions()).isFalse();
        }
    }

    @Test
    void aReEmittedPacketKeepsEveryRowVersionThroughTheStoreAndCompactionInFormat2() throws IOException {
        Path dir = tmp.resolve("dlq");
        DeadLetter plain = letter("a", SamplePackets.everyType(), "plain");
        DeadLetter reEmitted = letter("b", SamplePackets.reEmitted(), "re-emitted");
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            store.park(plain);
            store.park(reEmitted);
            assertSame(store.records("trades").get(1), reEmitted);
        }
        byte[] file = Files.readAllBytes(dir.resolve(TableFileName.of("trades")));
        int second = Frames.HEADER_BYTES + ByteBuffer.wrap(file, 5, 4).getInt();
        assertThat(file[4]).as("format of the plain letter").isEqualTo((byte) PayloadCodec.FORMAT_1);
        assertThat(file[second + 4]).as("format of the re-emitted letter").isEqualTo((byte) PayloadCodec.FORMAT_2);

        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
            List<DeadLetter> read = reader.records("trades");
            assertSame(read.get(0), plain);
            assertSame(read.get(1), reEmitted);
            assertThat(read.get(1).packet().hasRowVersions()).isTrue();
        }
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            store.resolve("trades", "a");
            store.compact("trades");
            assertThat(store.records("trades")).singleElement().satisfies(d -> assertSame(d, reEmitted));
        }
    }

    @Test
    void aRecordOfANewerFormatIsSkippedAndTheOthersAreRead() throws IOException {
        Path dir = tmp.resolve("dlq");
        DeadLetter newer = letter("n", SamplePackets.versioned("trades", "pn", 1), "from the future");
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            store.park(letter("a", SamplePackets.versioned("trades", "pa", 2), "a"));
        }
        Path file = dir.resolve(TableFileName.of("trades"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(Files.readAllBytes(file));
        bytes.write(frame(PayloadCodec.LATEST_FORMAT + 1, PayloadCodec.letter(newer)));
        Files.write(file, bytes.toByteArray());

        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
            assertThat(reader.records("trades")).extracting(DeadLetter::id).containsExactly("a");
            assertThat(reader.stats("trades").corruptBytes()).isZero();
        }
    }

    private static byte[] frame(int format, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer b : Frames.frame(format, payload)) {
            out.write(b.array(), b.position(), b.remaining());
        }
        return out.toByteArray();
    }
}
