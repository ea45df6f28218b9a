package dev.fanout.cli.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Values come out of files as the instants and numbers they are, whatever the JVM's zone and DuckDB's narrow types. */
class RowFileReaderTest {

    @TempDir
    Path dir;

    /** Writes {@code query}'s result to {@code name} with DuckDB's own COPY. */
    private Path copy(String query, String name, String format) throws Exception {
        Path file = dir.resolve(name);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            s.execute("COPY (" + query + ") TO '" + file + "' (FORMAT " + format + ")");
        }
        return file;
    }

    private static List<List<Object>> readAll(Path file) throws Exception {
        List<FramePacket> packets = new ArrayList<>();
        try (RowFileReader reader = new RowFileReader()) {
            RowFileReader.FileShape shape = reader.describe(file);
            Schema schema = Schema.of(shape.columns(), List.of(shape.columns().get(0).name()));
            reader.read(shape, schema, "t", null, 2, packets::add);
        }
        List<List<Object>> rows = new ArrayList<>();
        for (FramePacket p : packets) {
            for (int r = 0; r < p.rowCount(); r++) {
                rows.add(p.row(r));
            }
        }
        return rows;
    }

    private static Instant at(String text) {
        return Instant.parse(text);
    }

    @Test
    void timestampsNearDaylightSavingChangesAreTheTrueInstantsInAnyJvmZone() throws Exception {
        Path parquet = copy("""
                SELECT * FROM (VALUES
                    (1, TIMESTAMPTZ '2024-03-10 06:30:00.000001+00', TIMESTAMP '2024-03-10 02:30:00'),
                    (2, TIMESTAMPTZ '2024-03-10 07:30:00+00',        TIMESTAMP '2024-03-10 03:30:00'),
                    (3, TIMESTAMPTZ '2024-11-03 05:30:00+00',        TIMESTAMP '2024-11-03 01:30:00'),
                    (4, TIMESTAMPTZ '2024-11-03 06:30:00+00',        TIMESTAMP '2024-11-03 01:30:00.5'),
                    (5, NULL, NULL)) v(id, "odd ""ts"" col", local_ts)
                """, "dst.parquet", "PARQUET");
        Path csv = dir.resolve("dst.csv");
        Files.writeString(csv, """
                id,ts
                1,2024-11-03 05:30:00+00
                2,2024-11-03 06:30:00+00
                3,2024-03-10 02:30:00+00
                """);
        TimeZone jvmZone = TimeZone.getDefault();
        try {
            TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));

            List<List<Object>> fromParquet = readAll(parquet);
            List<List<Object>> fromCsv = readAll(csv);

            assertThat(fromParquet).containsExactly(
                    List.of(1, at("2024-03-10T06:30:00.000001Z"), at("2024-03-10T02:30:00Z")),
                    List.of(2, at("2024-03-10T07:30:00Z"), at("2024-03-10T03:30:00Z")),
                    List.of(3, at("2024-11-03T05:30:00Z"), at("2024-11-03T01:30:00Z")),
                    List.of(4, at("2024-11-03T06:30:00Z"), at("2024-11-03T01:30:00.500Z")),
                    java.util.Arrays.asList(5, null, null));
            assertThat(fromCsv).containsExactly(
                    List.of(1L, at("2024-11-03T05:30:00Z")),
                    List.of(2L, at("2024-11-03T06:30:00Z")),
                    List.of(3L, at("2024-03-10T02:30:00Z")));
        } finally {
            TimeZone.setDefault(jvmZone);
        }
    }

    @Test
    void everyTimestampKindBecomesAnInstantAndNanosecondsAreTruncatedToMicroseconds() throws Exception {
        Path parquet = copy("""
                SELECT * FROM (VALUES
                    (1, '2024-01-01 00:00:00.123456789'::TIMESTAMP_NS, '2024-01-01 00:00:01.123'::TIMESTAMP_MS,
                        '2024-01-01 00:00:02'::TIMESTAMP_S),
                    (2, '1969-12-31 23:59:59.999999999'::TIMESTAMP_NS, NULL, NULL)) v(id, ns, ms, s)
                """, "kinds.parquet", "PARQUET");
        try (RowFileReader reader = new RowFileReader()) {
            assertThat(reader.describe(parquet).columns()).extracting(Column::type)
                    .containsExactly(LogicalType.INT32, LogicalType.TIMESTAMP, LogicalType.TIMESTAMP, LogicalType.TIMESTAMP);
        }

        assertThat(readAll(parquet)).containsExactly(
                List.of(1, at("2024-01-01T00:00:00.123456Z"), at("2024-01-01T00:00:01.123Z"), at("2024-01-01T00:00:02Z")),
                java.util.Arrays.asList(2, at("1969-12-31T23:59:59.999999Z"), null, null));
    }

    @Test
    void infiniteTimestampFailsTheReadNamingTheColumn() throws Exception {
        Path parquet = copy("SELECT 1 AS id, 'infinity'::TIMESTAMP AS \"when\"", "inf.parquet", "PARQUET");

        RowFileException e = catchThrowableOfType(RowFileException.class, () -> readAll(parquet));

        assertThat(e.getMessage()).contains("column 'when' holds an infinite timestamp");
    }

    @Test
    void narrowNumericTypesBecomeFanoutsJavaTypes() throws Exception {
        Path parquet = copy("""
                SELECT * FROM (VALUES
                    (1, 1.5::FLOAT, 3::TINYINT, -4::SMALLINT, 255::UTINYINT, 65535::USMALLINT, 4000000000::UINTEGER, 2.25::DOUBLE),
                    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) v(id, f, t, s, ut, us, ui, d)
                """, "numbers.parquet", "PARQUET");

        List<List<Object>> rows = readAll(parquet);

        assertThat(rows.get(0)).containsExactly(1, 1.5d, 3, -4, 255, 65535, 4_000_000_000L, 2.25d);
        assertThat(rows.get(0)).extracting(v -> v.getClass().getSimpleName())
                .containsExactly("Integer", "Double", "Integer", "Integer", "Integer", "Integer", "Long", "Double");
        assertThat(rows.get(1)).containsExactly(2, null, null, null, null, null, null, null);
    }

    @Test
    void columnNamesAreQuotedForDuckDb() {
        assertThat(RowFileReader.quoteIdentifier("plain")).isEqualTo("\"plain\"");
        assertThat(RowFileReader.quoteIdentifier("odd \"ts\"")).isEqualTo("\"odd \"\"ts\"\"\"");
    }
}
