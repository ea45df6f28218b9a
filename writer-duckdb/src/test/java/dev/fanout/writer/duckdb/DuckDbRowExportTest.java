package dev.fanout.writer.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowExport;
import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DuckDB row export: consecutive ranges after a composite key cover a date-range part exactly once,
 * each at most the asked rows and ending at the key it reports, and the bytes decode, by the format
 * the {@link RowExport} javadoc fixes, to the rows and versions the reader's scan gives.
 */
class DuckDbRowExportTest {

    private static final Schema ROWS = Schema.of(List.of(Column.required("grp", LogicalType.STRING), Column.required("id", LogicalType.INT32),
            Column.of("day", LogicalType.DATE), Column.of("amount", LogicalType.decimal(38, 3)), Column.of("flag", LogicalType.BOOLEAN),
            Column.of("x", LogicalType.FLOAT64)), List.of("grp", "id"));

    @TempDir
    Path dir;

    @Test
    void rangesAfterACompositeKeyCoverThePartOnceAndDecodeToTheScannedRows() throws Exception {
        FramePacket.Builder b = FramePacket.builder("rows", ROWS).version(7);
        for (int i = 0; i < 500; i++) {
            b.addRow(i % 3 == 0 ? "a" : i % 3 == 1 ? "b\\N" : "ü\t", i, i % 10 == 0 ? null : LocalDate.of(1969, 1, 1).plusDays(i * 3L),
                    i % 7 == 0 ? null : new BigDecimal(BigInteger.valueOf(i).pow(9).negate(), 3), i % 2 == 0, i % 11 == 0 ? Double.NaN : -i / 4.0);
        }
        RowFilter part = new RowFilter(List.of(new RowFilter.Bound("day", null, Instant.parse("1972-01-01T00:00:00Z"), true, true)));
        try (BaseWriter writer = new DuckDbWriterProvider().create(Destination.of("db", "duckdb:rows.duckdb", dir))) {
            writer.open();
            writer.write(WriteBatch.of(b.build()));
            TableReader reader = writer.reader().orElseThrow();
            RowExport export = reader.rowExport().orElseThrow();

            List<List<Object>> scanned = scanned(reader, "rows", part);
            assertThat(scanned.size()).as("rows in the part").isBetween(100, 499);

            List<List<Object>> exported = new ArrayList<>();
            Optional<List<Object>> after = Optional.empty();
            int ranges = 0;
            while (true) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                Optional<RowExport.ExportedRange> range = export.export("rows", part, after, 37, out);
                if (range.isEmpty()) {
                    assertThat(out.size()).as("nothing written after the last range").isZero();
                    break;
                }
                List<List<Object>> rows = decode(out.toByteArray(), ROWS);
                assertThat(rows).hasSize((int) range.get().rows()).hasSizeLessThanOrEqualTo(37);
                rows.sort(DuckDbRowExportTest::byKey);
                assertThat(rows.get(rows.size() - 1).subList(0, 2)).as("the range ends at the key it reports").isEqualTo(range.get().lastKey());
                exported.addAll(rows);
                after = Optional.of(range.get().lastKey());
                ranges++;
            }
            assertThat(ranges).isEqualTo((scanned.size() + 36) / 37);
            assertThat(exported.stream().map(DuckDbRowExportTest::comparable).toList())
                    .isEqualTo(scanned.stream().map(DuckDbRowExportTest::comparable).toList());
        }
    }

    /**
     * Several string, JSON and bytes columns, selected as one concatenation a row beside their lengths:
     * each value comes back whole and in its own column — nulls, empty values, multi-byte characters and
     * lengths that take a varint of two bytes — as the scan reads them.
     */
    @Test
    void severalStringJsonAndBytesColumnsEachKeepTheirValues() throws Exception {
        Schema texts = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("s", LogicalType.STRING),
                Column.of("b", LogicalType.BYTES), Column.of("n", LogicalType.INT32), Column.of("j", LogicalType.JSON),
                Column.required("t", LogicalType.STRING)), List.of("id"));
        FramePacket.Builder b = FramePacket.builder("texts", texts).version(3);
        for (int i = 0; i < 300; i++) {
            String s = i % 4 == 0 ? null : i % 4 == 1 ? "" : "é€".repeat(i % 5 * 30) + i;
            byte[] bytes = i % 6 == 0 ? null : new byte[i % 3 == 0 ? 0 : 130 + i];
            if (bytes != null) {
                Arrays.fill(bytes, (byte) (i - 128));
            }
            String json = i % 5 == 0 ? null : "{\"k\":" + i + "}";
            b.addRow((long) i * 7 - 1000, s, bytes, i % 9 == 0 ? null : i, json, i % 2 == 0 ? "" : "t" + i);
        }
        try (BaseWriter writer = new DuckDbWriterProvider().create(Destination.of("db", "duckdb:texts.duckdb", dir))) {
            writer.open();
            writer.write(WriteBatch.of(b.build()));
            TableReader reader = writer.reader().orElseThrow();
            List<List<Object>> scanned = scanned(reader, "texts", RowFilter.all());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Optional<RowExport.ExportedRange> range = reader.rowExport().orElseThrow().export("texts", RowFilter.all(), Optional.empty(), 1_000, out);
            assertThat(range).hasValueSatisfying(r -> assertThat(r.rows()).isEqualTo(300));
            List<List<Object>> exported = decode(out.toByteArray(), texts);
            exported.sort((x, y) -> Long.compare((Long) x.get(0), (Long) y.get(0)));
            assertThat(scanned).hasSize(300);
            assertThat(exported.stream().map(DuckDbRowExportTest::comparable).toList())
                    .isEqualTo(scanned.stream().map(DuckDbRowExportTest::comparable).toList());
            try (Statement s = ((DuckDbWriter) writer).connectionForReading().createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_setting('jdbc_stream_results')")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getObject(1)).as("result streaming, on for the export only").isEqualTo(false);
            }
        }
    }

    private static int byKey(List<Object> x, List<Object> y) {
        int c = ((String) x.get(0)).compareTo((String) y.get(0));
        return c != 0 ? c : Integer.compare((Integer) x.get(1), (Integer) y.get(1));
    }

    private static List<Object> comparable(List<Object> row) {
        return row.stream().map(v -> v instanceof BigDecimal d ? d.stripTrailingZeros().toPlainString()
                : v instanceof Double d ? Long.toHexString(Double.doubleToRawLongBits(d))
                : v instanceof byte[] bytes ? "bytes " + Arrays.toString(bytes) : v).toList();
    }

    /** The rows of a row stream for {@code schema}, read as the {@link RowExport} javadoc specifies, each with its version last. */
    /** The rows {@code reader} scans from {@code table} inside {@code rows}: each row's values, then its version. */
    private static List<List<Object>> scanned(TableReader reader, String table, RowFilter rows) throws Exception {
        List<List<Object>> scanned = new ArrayList<>();
        reader.scan(table, rows, Optional.empty(), 1_000, packet -> {
            for (int r = 0; r < packet.rowCount(); r++) {
                List<Object> row = new ArrayList<>();
                for (int c = 0; c < packet.schema().width(); c++) {
                    row.add(packet.value(r, c));
                }
                row.add(packet.rowVersion(r));
                scanned.add(row);
            }
            return true;
        });
        return scanned;
    }

    private static List<List<Object>> decode(byte[] bytes, Schema schema) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<List<Object>> rows = new ArrayList<>();
        while (in.hasRemaining()) {
            List<Object> row = new ArrayList<>();
            for (Column c : schema.columns()) {
                int marker = in.get();
                assertThat(marker).isIn(0, 1);
                if (marker == 1) {
                    row.add(null);
                    continue;
                }
                row.add(switch (c.type().kind()) {
                    case STRING, JSON -> new String(lengthAndBytes(in), StandardCharsets.UTF_8);
                    case BYTES -> lengthAndBytes(in);
                    case INT32 -> in.getInt();
                    case INT64 -> in.getLong();
                    case DATE -> LocalDate.ofEpochDay(in.getInt());
                    case DECIMAL -> {
                        byte[] le = new byte[16];
                        in.get(le);
                        byte[] be = new byte[16];
                        for (int i = 0; i < 16; i++) {
                            be[i] = le[15 - i];
                        }
                        yield new BigDecimal(new BigInteger(be), c.type().scale());
                    }
                    case BOOLEAN -> {
                        int v = in.get();
                        assertThat(v).isIn(0, 1);
                        yield v == 1;
                    }
                    case FLOAT64 -> Double.longBitsToDouble(in.getLong());
                    default -> throw new AssertionError(c.type() + " is not in the test's schema: " + Arrays.toString(bytes));
                });
            }
            row.add(in.getLong());
            rows.add(row);
        }
        return rows;
    }

    private static byte[] lengthAndBytes(ByteBuffer in) {
        int length = 0;
        for (int shift = 0; ; shift += 7) {
            int v = in.get() & 0xFF;
            length |= (v & 0x7F) << shift;
            if ((v & 0x80) == 0) {
                break;
            }
        }
        byte[] b = new byte[length];
        in.get(b);
        return b;
    }
}
