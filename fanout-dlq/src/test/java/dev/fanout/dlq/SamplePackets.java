package dev.fanout.dlq;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Packets holding every logical type at its edges, and an exact (bit-for-bit) comparison. */
final class SamplePackets {

    static final Schema EVERY_TYPE = Schema.of(List.of(
            Column.required("id", LogicalType.INT64),
            Column.of("b", LogicalType.BOOLEAN),
            Column.of("i", LogicalType.INT32),
            Column.of("l", LogicalType.INT64),
            Column.of("f", LogicalType.FLOAT64),
            Column.of("d", LogicalType.decimal(38, 10)),
            Column.of("s", LogicalType.STRING),
            Column.of("dt", LogicalType.DATE),
            Column.of("ts", LogicalType.TIMESTAMP),
            Column.of("by", LogicalType.BYTES),
            Column.of("js", LogicalType.JSON)), List.of("id"));

    static final Schema VERSIONED = Schema.of(List.of(
            Column.required("k1", LogicalType.STRING),
            Column.required("k2", LogicalType.DATE),
            Column.of("updated_at", LogicalType.TIMESTAMP),
            Column.of("px", LogicalType.decimal(18, 4))), List.of("k1", "k2"), "updated_at");

    private SamplePackets() {
    }

    static String longText() {
        StringBuilder sb = new StringBuilder(100_010);
        while (sb.length() < 100_000) {
            sb.append("abc\u00e9\u4e2d").appendCodePoint(0x1F600).append('\n');
        }
        return sb.toString();
    }

    static byte[] allBytes() {
        byte[] b = new byte[256];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    /** Every logical type: typical values, nulls, extremes, unicode beyond the BMP, a 100k-character string. */
    static FramePacket everyType() {
        return FramePacket.builder("trades", EVERY_TYPE).domain("markets").packetId("pkt-every-type").version(1_700_000_000_123_456L)
                .addRow(1L, true, 42, 9_007_199_254_740_993L, 3.141592653589793, new BigDecimal("12345.6789000000"),
                        "plain", LocalDate.of(2026, 1, 31), Instant.parse("2026-01-31T09:30:00.123456Z"),
                        new byte[] {1, 2, 3}, "{\"a\":[1,2,{\"b\":null}]}")
                .addRow(2L, null, null, null, null, null, null, null, null, null, null)
                .addRow(3L, false, Integer.MIN_VALUE, Long.MIN_VALUE, -0.0,
                        new BigDecimal("-1234567890123456789012345678.1234567890"),
                        "\uD834\uDD1E\uD83D\uDE00 \u4e2d\u6587 \u0000 \"quotes\" 'single' \\ / \n\t\r \u2028",
                        LocalDate.of(-44, 3, 15), Instant.parse("1969-12-31T23:59:59.999999Z"), new byte[0], "[]")
                .addRow(4L, true, Integer.MAX_VALUE, Long.MAX_VALUE, Double.NaN, new BigDecimal("0.0000000001"),
                        longText(), LocalDate.of(9999, 12, 31), Instant.parse("9999-12-31T23:59:59.999999Z"), allBytes(),
                        "\"just a string\"")
                .addRow(5L, false, 0, 0L, Double.POSITIVE_INFINITY, new BigDecimal("1.5000000000"), "",
                        LocalDate.of(1970, 1, 1), Instant.EPOCH, new byte[] {0}, "null")
                .addRow(6L, true, -1, -1L, Double.NEGATIVE_INFINITY, BigDecimal.ZERO, " ", LocalDate.of(1, 1, 1),
                        Instant.parse("0001-01-01T00:00:00Z"), new byte[] {-1}, "{}")
                .addRow(7L, true, 7, 7L, Double.MIN_VALUE, new BigDecimal("1E+5"), "x",
                        LocalDate.of(2000, 2, 29), Instant.ofEpochSecond(-62_135_596_800L + 1, 1_000), new byte[] {127},
                        "1.5e300")
                .addRow(8L, true, 8, 8L, Double.MAX_VALUE, new BigDecimal("9".repeat(60) + "." + "1".repeat(40)),
                        "\u0627\u0644\u0639\u0631\u0628\u064a\u0629 \uD83C\uDDEB\uD83C\uDDF7", LocalDate.of(2024, 2, 29),
                        Instant.ofEpochSecond(1_700_000_000L, 123_456_789), new byte[] {0, 0}, "true")
                .build();
    }

    /** A packet with a version column and a composite key. */
    static FramePacket versioned(String table, String packetId, int rows) {
        FramePacket.Builder b = FramePacket.builder(table, VERSIONED).packetId(packetId).version(rows);
        for (int r = 0; r < rows; r++) {
            b.addRow("k" + r, LocalDate.of(2026, 1, 1 + r % 28), Instant.ofEpochSecond(1_760_000_000L + r, r * 1000L),
                    BigDecimal.valueOf(r * 10_001L, 4));
        }
        return b.build();
    }

    /**
     * Every value of {@link #everyType()}, each row with an explicit version as a migration re-emits
     * them from storage: extremes, negative, zero, repeated.
     */
    static FramePacket reEmitted() {
        FramePacket every = everyType();
        long[] versions = {Long.MAX_VALUE, Long.MIN_VALUE, -1, 0, 1_700_000_000_123_456L, 42, 42, 9_007_199_254_740_993L};
        FramePacket.Builder b = FramePacket.builder("trades", EVERY_TYPE).packetId("pkt-re-emitted").version(Long.MAX_VALUE);
        for (int r = 0; r < every.rowCount(); r++) {
            b.addVersionedRow(versions[r], every.row(r).toArray());
        }
        return b.build();
    }

    static DeadLetter letter(String id, FramePacket packet, String message) {
        return new DeadLetter(id, packet, "trades_db", "WriteException", message, true, 3,
                Instant.parse("2026-01-31T09:30:00Z"), Instant.parse("2026-01-31T09:31:00.5Z"));
    }

    /** Fails unless {@code actual} equals {@code expected} in every field and every value, bit for bit. */
    static void assertSame(FramePacket actual, FramePacket expected) {
        assertThat(actual.table()).isEqualTo(expected.table());
        assertThat(actual.domain()).isEqualTo(expected.domain());
        assertThat(actual.packetId()).isEqualTo(expected.packetId());
        assertThat(actual.version()).isEqualTo(expected.version());
        assertThat(actual.schema()).isEqualTo(expected.schema());
        assertThat(actual.rowCount()).isEqualTo(expected.rowCount());
        assertThat(actual.hasRowVersions()).as("rows carry their own versions").isEqualTo(expected.hasRowVersions());
        for (int r = 0; r < expected.rowCount(); r++) {
            if (expected.hasRowVersions()) {
                assertThat(actual.rowVersion(r)).as("version of row " + r).isEqualTo(expected.rowVersion(r));
            }
            for (int c = 0; c < expected.schema().width(); c++) {
                Object a = actual.value(r, c);
                Object e = expected.value(r, c);
                if (!same(a, e)) {
                    fail("row " + r + ", column " + expected.schema().column(c) + ": expected " + describe(e)
                            + " but got " + describe(a));
                }
            }
        }
    }

    static void assertSame(DeadLetter actual, DeadLetter expected) {
        assertThat(actual.id()).isEqualTo(expected.id());
        assertThat(actual.destination()).isEqualTo(expected.destination());
        assertThat(actual.errorClass()).isEqualTo(expected.errorClass());
        assertThat(actual.message()).isEqualTo(expected.message());
        assertThat(actual.retryable()).isEqualTo(expected.retryable());
        assertThat(actual.attempts()).isEqualTo(expected.attempts());
        assertThat(actual.firstFailureAt()).isEqualTo(expected.firstFailureAt());
        assertThat(actual.lastFailureAt()).isEqualTo(expected.lastFailureAt());
        assertSame(actual.packet(), expected.packet());
    }

    private static boolean same(Object a, Object e) {
        if (a == null || e == null) {
            return a == e;
        }
        if (a.getClass() != e.getClass()) {
            return false;
        }
        if (e instanceof byte[] eb) {
            return Arrays.equals((byte[]) a, eb);
        }
        if (e instanceof Double ed) {
            return Double.doubleToRawLongBits((Double) a) == Double.doubleToRawLongBits(ed);
        }
        return a.equals(e);
    }

    private static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        String text = v instanceof byte[] b ? Arrays.toString(b) : String.valueOf(v);
        return v.getClass().getSimpleName() + " " + (text.length() > 80 ? text.substring(0, 80) + "…" : text);
    }
}
