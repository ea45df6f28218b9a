package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowLoad;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The writer's load of a fanout row stream ({@link dev.fanout.api.RowExport} specifies the bytes),
 * against the real server: a stream of narrower types lands widened in the stored columns, each row
 * with its version, and an older version does not win at {@code FINAL}; a null in a key column and a
 * stream cut inside a row fail permanently, naming what was wrong.
 */
@ExtendWith(ClickHouseServerExtension.class)
class ClickHouseRowLoadTest {

    private static final Schema STORED = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("qty", LogicalType.INT64),
            Column.of("price", LogicalType.FLOAT64), Column.of("amount", LogicalType.decimal(18, 4)), Column.of("name", LogicalType.STRING)),
            List.of("id"));
    /** The same columns, narrower: what an older source stored. */
    private static final Schema NARROW = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("qty", LogicalType.INT32),
            Column.of("price", LogicalType.INT32), Column.of("amount", LogicalType.decimal(9, 2)), Column.of("name", LogicalType.STRING)),
            List.of("id"));

    private final ClickHouseServer server;

    ClickHouseRowLoadTest(ClickHouseServer server) {
        this.server = server;
    }

    @Test
    void narrowerValuesLandWidenedWithTheirVersionsAndBadStreamsFailPermanently() throws Exception {
        Destination destination = Destination.of("hot", server.uri("row_load"), Path.of("."));
        try (BaseWriter writer = new ClickHouseWriterProvider().create(destination)) {
            writer.open();
            writer.write(WriteBatch.of(FramePacket.builder("items", STORED).version(8)
                    .addRow(1L, 10L, 1.5, new BigDecimal("1.2345"), "stored, newer").build()));
            RowLoad load = writer.rowLoad().orElseThrow();

            Stream rows = new Stream()
                    .row(5, 1L, -7, 3, "-12.34", "older, loses to the stored row")
                    .row(9, 2L, Integer.MIN_VALUE, -1, "9999999.99", "tab\there \\N")
                    .row(9, 3L, null, null, null, null);
            assertThat(load.load("items", NARROW, Map.of(), new ByteArrayInputStream(rows.bytes()))).isEqualTo(3);

            assertThat(server.rows("SELECT id, qty, price, amount, name, _fanout_version FROM row_load.items FINAL ORDER BY id"))
                    .extracting(r -> String.join("|", Arrays.stream(r).map(String::valueOf).toList()))
                    .containsExactly("1|10|1.5|1.2345|stored, newer|8", "2|-2147483648|-1|9999999.99|tab\there \\N|9",
                            "3|null|null|null|null|9");

            WriteException nullKey = catchThrowableOfType(WriteException.class, () -> load.load("items", NARROW, Map.of(),
                    new ByteArrayInputStream(new Stream().nullKeyRow(9).bytes())));
            assertThat(nullKey.retryable()).isFalse();
            assertThat(nullKey.getMessage()).contains("table items, column id").contains("row 1").contains("takes no nulls");

            byte[] whole = new Stream().row(9, 4L, 1, 2, "3.00", "cut").bytes();
            WriteException cut = catchThrowableOfType(WriteException.class, () -> load.load("items", NARROW, Map.of(),
                    new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 3))));
            assertThat(cut.retryable()).isFalse();
            assertThat(cut.getMessage()).contains("table items").contains("ended inside row 1");
            assertThat(server.scalar("SELECT count() FROM row_load.items FINAL WHERE id = 4")).as("nothing of the cut stream").isEqualTo("0");
        }
    }

    /**
     * More rows than a native block holds, of every type, with nulls: loaded from a row stream they
     * read back exactly as the same rows written as a batch (RowBinary) do.
     */
    @Test
    void rowsOfEveryTypeAcrossSeveralNativeBlocksLoadAsABatchWritesThem() throws Exception {
        Schema every = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("flag", LogicalType.BOOLEAN),
                Column.of("small", LogicalType.INT32), Column.of("big", LogicalType.INT64), Column.of("x", LogicalType.FLOAT64),
                Column.of("wide", LogicalType.decimal(38, 3)), Column.of("narrow", LogicalType.decimal(9, 2)),
                Column.of("name", LogicalType.STRING), Column.of("day", LogicalType.DATE), Column.of("at", LogicalType.TIMESTAMP),
                Column.of("raw", LogicalType.BYTES), Column.of("doc", LogicalType.JSON), Column.required("tag", LogicalType.STRING)),
                List.of("id"));
        int n = RowStreamTranscoder.BLOCK_ROWS * 2 + 123;
        FramePacket.Builder batch = FramePacket.builder("written", every).version(4);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            Object[] row = {(long) i * 3 - 5000, i % 2 == 0, i - 70_000, (long) i * i * 1_000_003L, i % 13 == 0 ? -0.0 : i / 7.0,
                    new BigDecimal(i).pow(5).negate().movePointLeft(3), new BigDecimal(i % 100_000).movePointLeft(2),
                    i % 3 == 0 ? "" : "é" + i, LocalDate.of(1970, 1, 1).plusDays(i % 60_000), Instant.ofEpochSecond(i * 86_399L, i % 1000 * 1000),
                    new byte[] {(byte) i, (byte) (i >> 8), 0}, "{\"i\":" + i + "}", "t" + (i % 200 == 0 ? "x".repeat(300) : "")};
            for (int c = 1; c < row.length - 1; c++) {
                if ((i + c) % 11 == 0) {
                    row[c] = null;
                }
            }
            batch.addRow(row);
            for (int c = 0; c < row.length; c++) {
                encode(stream, every.column(c).type(), row[c]);
            }
            stream.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(4).array());
        }
        Destination destination = Destination.of("hot", server.uri("row_load_types"), Path.of("."));
        try (BaseWriter writer = new ClickHouseWriterProvider().create(destination)) {
            writer.open();
            writer.write(WriteBatch.of(batch.build()));
            assertThat(writer.rowLoad().orElseThrow().load("loaded", every, Map.of(), new ByteArrayInputStream(stream.toByteArray())))
                    .isEqualTo(n);
        }
        assertThat(server.scalar("SELECT count() FROM row_load_types.loaded FINAL")).isEqualTo(String.valueOf(n));
        String select = "SELECT * FROM row_load_types.";
        for (int from = 0; from < n; from += 10_000) {
            String page = " WHERE id >= " + (from * 3 - 5000) + " AND id < " + ((from + 10_000) * 3 - 5000) + " ORDER BY id FORMAT TabSeparated";
            String written = new String(server.query(select + "written" + page), StandardCharsets.UTF_8);
            assertThat(new String(server.query(select + "loaded" + page), StandardCharsets.UTF_8)).as("rows from %d on", from)
                    .isEqualTo(written).contains("\t\\N\t");
        }
    }

    /** One value of {@code type} in the row stream format, with its null marker. */
    private static void encode(ByteArrayOutputStream out, LogicalType type, Object v) {
        out.write(v == null ? 1 : 0);
        if (v == null) {
            return;
        }
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        switch (type.kind()) {
            case BOOLEAN -> b.put((byte) ((Boolean) v ? 1 : 0));
            case INT32 -> b.putInt((Integer) v);
            case INT64 -> b.putLong((Long) v);
            case FLOAT64 -> b.putLong(Double.doubleToRawLongBits((Double) v));
            case DECIMAL -> {
                java.math.BigInteger unscaled = ((BigDecimal) v).setScale(type.scale()).unscaledValue();
                b.putLong(unscaled.longValue()).putLong(unscaled.shiftRight(64).longValue());
            }
            case DATE -> b.putInt((int) ((LocalDate) v).toEpochDay());
            case TIMESTAMP -> b.putLong(((Instant) v).getEpochSecond() * 1_000_000 + ((Instant) v).getNano() / 1000);
            case STRING, JSON, BYTES -> {
                byte[] bytes = v instanceof byte[] raw ? raw : ((String) v).getBytes(StandardCharsets.UTF_8);
                int x = bytes.length;
                while ((x & ~0x7F) != 0) {
                    out.write((x & 0x7F) | 0x80);
                    x >>>= 7;
                }
                out.write(x);
                out.writeBytes(bytes);
            }
        }
        out.write(b.array(), 0, b.position());
    }

    /** Rows of {@link #NARROW} in the row stream format, written as its specification says. */
    private static final class Stream {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Stream row(long version, Long id, Integer qty, Integer price, String amount, String name) {
            present();
            putLong(id);
            if (qty == null) {
                out.write(1);
            } else {
                present();
                putInt(qty);
            }
            if (price == null) {
                out.write(1);
            } else {
                present();
                putInt(price);
            }
            if (amount == null) {
                out.write(1);
            } else {
                present();
                long unscaled = new BigDecimal(amount).setScale(2).unscaledValue().longValueExact();
                putLong(unscaled);
                putLong(unscaled < 0 ? -1 : 0);
            }
            if (name == null) {
                out.write(1);
            } else {
                present();
                byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
                out.write(utf8.length);
                out.writeBytes(utf8);
            }
            putLong(version);
            return this;
        }

        Stream nullKeyRow(long version) {
            out.write(1);
            for (int c = 1; c < NARROW.width(); c++) {
                out.write(1);
            }
            putLong(version);
            return this;
        }

        private void present() {
            out.write(0);
        }

        private void putInt(int v) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        private void putLong(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
