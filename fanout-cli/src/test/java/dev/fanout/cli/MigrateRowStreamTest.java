package dev.fanout.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.LogicalType;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.RowExport;
import dev.fanout.api.RowFilter;
import dev.fanout.api.RowLoad;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import dev.fanout.core.Fanout;
import dev.fanout.core.migrate.CheckpointStore;
import dev.fanout.core.migrate.Migration;
import dev.fanout.core.migrate.Move;
import dev.fanout.core.migrate.MoveResult;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.cli.testplugin.FaultScheme;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A move from a DuckDB file to ClickHouse goes as a row stream ({@link MoveResult.CopyPath#ROW_STREAM}):
 * values of every logical type at their edges (NaN, ±infinity, -0.0, 2^53 + 1, the extremes of int32
 * and int64, empty and unicode strings, tabs, newlines, quotes, backslashes and {@code \N} as text,
 * nulls, dates and timestamps before 1970, microseconds) arrive at the target exactly as the source
 * holds them, each row with its version, in several ranges of a composite key; and the same move
 * with a target that cannot load row streams is scanned instead and stores the very same rows.
 */
@ExtendWith(ClickHouseServerExtension.class)
class MigrateRowStreamTest {

    private static final Schema EDGES = Schema.of(List.of(
            Column.required("k", LogicalType.INT64),
            Column.required("s", LogicalType.STRING),
            Column.of("b", LogicalType.BOOLEAN),
            Column.of("i", LogicalType.INT32),
            Column.of("l", LogicalType.INT64),
            Column.of("f", LogicalType.FLOAT64),
            Column.of("d9", LogicalType.decimal(9, 2)),
            Column.of("d18", LogicalType.decimal(18, 6)),
            Column.of("d38", LogicalType.decimal(38, 10)),
            Column.of("text", LogicalType.STRING),
            Column.of("day", LogicalType.DATE),
            Column.of("at", LogicalType.TIMESTAMP),
            Column.of("raw", LogicalType.BYTES),
            Column.of("doc", LogicalType.JSON)), List.of("k", "s"));

    private static final List<String> TEXTS = List.of("", "plain", "tab\there", "new\nline", "cr\rlf\r\n", "quote \" and ' and `",
            "back\\slash", "\\N", "\\", "\"\\N\"", "NULL", "null", "ünïcödé ✓ 日本語 🚀", ",;|", " leading and trailing ", "\u0000nul");

    @TempDir
    Path work;

    @Test
    void everyEdgeValueArrivesAsTheSourceHoldsItThroughTheRowStreamAndAsTheScanWouldStoreIt(ClickHouseServer server) throws Exception {
        WriterRegistry registry = WriterRegistry.fromContextClassLoader();
        Path source = work.resolve("edges.duckdb");
        List<FramePacket> packets = edgeRows();
        try (BaseWriter w = registry.provider("duckdb").orElseThrow().create(Destination.of("source", "duckdb:" + source, work))) {
            w.open();
            for (FramePacket p : packets) {
                w.write(WriteBatch.of(p));
            }
        }
        long rows = 6L * TEXTS.size();

        MoveResult streamed = migrate(registry, "duckdb:" + source, server.uri("row_stream_to"), "state-row-stream", 7);
        assertThat(streamed.failure()).isEmpty();
        assertThat(streamed.path()).isEqualTo(MoveResult.CopyPath.ROW_STREAM);
        assertThat(streamed.passed()).isTrue();
        assertThat(streamed.copiedNow()).isEqualTo(rows);
        assertThat(streamed.verification().orElseThrow().equal()).isEqualTo(rows);

        WriterRegistry scanning = WriterRegistry.of(List.of(registry.provider("duckdb").orElseThrow(),
                withoutRowLoad(registry.provider("ch").orElseThrow())));
        MoveResult scanned = migrate(scanning, "duckdb:" + source, server.uri("row_stream_scanned"), "state-scanned", 7);
        assertThat(scanned.failure()).isEmpty();
        assertThat(scanned.path()).isEqualTo(MoveResult.CopyPath.STREAMED);
        assertThat(scanned.passed()).isTrue();

        List<List<Object>> atSource = read(registry, "duckdb:" + source);
        List<List<Object>> throughRowStream = read(registry, server.uri("row_stream_to"));
        List<List<Object>> throughScan = read(registry, server.uri("row_stream_scanned"));
        assertThat(atSource).hasSize((int) rows);
        for (int r = 0; r < atSource.size(); r++) {
            assertThat(normalized(throughRowStream.get(r))).as("row " + r + " through the row stream").isEqualTo(normalized(atSource.get(r)));
        }
        assertThat(normalizedAll(throughRowStream)).isEqualTo(normalizedAll(throughScan));
        assertThat(server.scalar("SELECT count() FROM row_stream_to.edges")).as("one insert per row, nothing twice").isEqualTo(String.valueOf(rows));
        int text = EDGES.indexOf("text");
        assertThat(server.scalar("SELECT count() FROM row_stream_to.edges WHERE text = '\\\\N'")).as("the text \\N, not null")
                .isEqualTo(String.valueOf(atSource.stream().filter(r -> "\\N".equals(r.get(text))).count())).isNotEqualTo("0");
        assertThat(server.scalar("SELECT count() FROM row_stream_to.edges WHERE text IS NULL"))
                .isEqualTo(String.valueOf(atSource.stream().filter(r -> r.get(text) == null).count())).isNotEqualTo("0");
    }

    @Test
    void aRangeWhoseLoadFailsRetryablyIsSentAgainWholeAndAnExportThatFailsIsReportedAsTheCause(ClickHouseServer server) throws Exception {
        WriterRegistry registry = WriterRegistry.fromContextClassLoader();
        Path source = work.resolve("faults.duckdb");
        try (BaseWriter w = registry.provider("duckdb").orElseThrow().create(Destination.of("source", "duckdb:" + source, work))) {
            w.open();
            for (FramePacket p : edgeRows()) {
                w.write(WriteBatch.of(p));
            }
        }
        long rows = 6L * TEXTS.size();
        AtomicInteger loads = new AtomicInteger();
        WriterRegistry flaky = WriterRegistry.of(List.of(registry.provider("duckdb").orElseThrow(),
                loadFailingOnce(registry.provider("ch").orElseThrow(), loads)));
        MoveResult retried = migrate(flaky, "duckdb:" + source, server.uri("row_stream_retried"), "state-retried", 40);
        assertThat(retried.failure()).isEmpty();
        assertThat(retried.path()).isEqualTo(MoveResult.CopyPath.ROW_STREAM);
        assertThat(retried.passed()).isTrue();
        assertThat(retried.copiedNow()).isEqualTo(rows);
        assertThat(loads.get()).as("three ranges of 40, the second loaded twice, and the empty one after them").isEqualTo(5);
        assertThat(server.scalar("SELECT count() FROM row_stream_retried.edges FINAL")).isEqualTo(String.valueOf(rows));

        WriterRegistry broken = WriterRegistry.of(List.of(exportFailing(registry.provider("duckdb").orElseThrow()),
                registry.provider("ch").orElseThrow()));
        MoveResult failed = migrate(broken, "duckdb:" + source, server.uri("row_stream_broken"), "state-broken", 40);
        assertThat(failed.path()).isEqualTo(MoveResult.CopyPath.ROW_STREAM);
        assertThat(failed.passed()).isFalse();
        assertThat(failed.copiedNow()).isZero();
        assertThat(failed.failure().orElseThrow()).contains("copying: injected export failure after the first bytes")
                .doesNotContain("row stream ended");
    }

    /** {@code ch}, whose second row stream load reads a few bytes and then fails retryably, as a connection lost midway. */
    private static WriterProvider loadFailingOnce(WriterProvider ch, AtomicInteger loads) {
        return new Wrapped(ch, Set.of()) {
            @Override
            BaseWriter wrap(BaseWriter real) {
                return new ForwardingWriter(real) {
                    @Override
                    public Optional<RowLoad> rowLoad() {
                        return real.rowLoad().map(load -> (table, schema, options, in) -> {
                            if (loads.incrementAndGet() == 2) {
                                try {
                                    in.readNBytes(100);
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                                throw WriteException.retryable("injected: the connection to ClickHouse was lost", null);
                            }
                            return load.load(table, schema, options, in);
                        });
                    }
                };
            }
        };
    }

    /** {@code duckdb}, whose row export writes a few bytes and then fails permanently. */
    private static WriterProvider exportFailing(WriterProvider duckdb) {
        return new Wrapped(duckdb, Set.of()) {
            @Override
            BaseWriter wrap(BaseWriter real) {
                return new ForwardingWriter(real) {
                    @Override
                    public Optional<TableReader> reader() {
                        return real.reader().map(reader -> new ForwardingReader(reader) {
                            @Override
                            public Optional<RowExport> rowExport() {
                                return Optional.of((table, rows, afterKey, maxRows, out) -> {
                                    try {
                                        out.write(new byte[] {0, 1, 2});
                                    } catch (IOException e) {
                                        throw new UncheckedIOException(e);
                                    }
                                    throw WriteException.permanent("injected export failure after the first bytes", null);
                                });
                            }
                        });
                    }
                };
            }
        };
    }

    /** Rows of every type at their edges, in two packets of different versions, two keys also written twice. */
    private static List<FramePacket> edgeRows() {
        double[] doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0, 9007199254740993.0, 1e21, 1e-300,
                Double.MIN_VALUE, Double.MAX_VALUE, 0.1, -123.456};
        long[] longs = {Long.MIN_VALUE, Long.MAX_VALUE, 9007199254740993L, -1, 0};
        int[] ints = {Integer.MIN_VALUE, Integer.MAX_VALUE, -1, 0, 42};
        Instant[] times = {Instant.parse("1969-12-31T23:59:59.999999Z"), Instant.parse("1900-01-01T00:00:00Z"),
                Instant.parse("1970-01-01T00:00:00Z"), Instant.parse("2026-01-05T14:30:00.000001Z"), Instant.parse("2299-12-31T23:59:59.999999Z")};
        LocalDate[] days = {LocalDate.of(1969, 7, 20), LocalDate.of(1900, 1, 1), LocalDate.of(1970, 1, 1), LocalDate.of(2026, 2, 28),
                LocalDate.of(2299, 12, 31)};
        BigDecimal[] d9 = {new BigDecimal("-9999999.99"), new BigDecimal("9999999.99"), new BigDecimal("0.01"), new BigDecimal("-0.10")};
        BigDecimal[] d18 = {new BigDecimal("-999999999999.999999"), new BigDecimal("123.000001")};
        BigDecimal[] d38 = {new BigDecimal("-9999999999999999999999999999.9999999999"), new BigDecimal("9999999999999999999999999999.9999999999"),
                new BigDecimal("18446744073709551616.0000000001"), new BigDecimal("-0.0000000001")};
        FramePacket.Builder first = FramePacket.builder("edges", EDGES).version(5);
        FramePacket.Builder second = FramePacket.builder("edges", EDGES).version(9);
        int n = 0;
        for (long k = 0; k < 6; k++) {
            for (String s : TEXTS) {
                boolean nulls = n % 11 == 3;
                Object[] row = {
                        k, s,
                        nulls ? null : n % 2 == 0,
                        nulls ? null : ints[n % ints.length],
                        nulls ? null : longs[n % longs.length],
                        nulls ? null : doubles[n % doubles.length],
                        nulls ? null : d9[n % d9.length],
                        nulls ? null : d18[n % d18.length],
                        nulls ? null : d38[n % d38.length],
                        n % 37 == 5 ? null : TEXTS.get((n * 7) % TEXTS.size()),
                        nulls ? null : days[n % days.length],
                        nulls ? null : times[n % times.length],
                        nulls ? null : new byte[] {0, (byte) 0xFF, (byte) n, '\\', 'N', '\t', '"'},
                        nulls ? null : "{\"a\": [1, 2.5, \"x\\ty\"], \"n\": " + n + "}"};
                (n % 3 == 0 ? second : first).addRow(row);
                n++;
            }
        }
        first.addRow(0L, "", true, 1, 1L, 1.0, null, null, null, "superseded by version 9", null, null, null, null);
        return List.of(first.build(), second.build());
    }

    private MoveResult migrate(WriterRegistry registry, String fromUri, String toUri, String state, int rangeRows) throws Exception {
        Path from = Files.writeString(work.resolve(state + "-from.yaml"), topology(fromUri));
        Path to = Files.writeString(work.resolve(state + "-to.yaml"), topology(toUri));
        try (Migration migration = Migration.between(Fanout.check(from, registry), Fanout.check(to, registry), registry, 5)
                .rangeRows(rangeRows);
             CheckpointStore checkpoints = CheckpointStore.open(work.resolve(state))) {
            List<Move> moves = migration.moves(List.of("edges"));
            List<MoveResult> results = migration.run(moves, checkpoints, false, Migration.Progress.SILENT);
            assertThat(results).hasSize(1);
            return results.get(0);
        }
    }

    /** Every stored row of {@code edges} at {@code uri} in key order: its values, then its version. */
    private List<List<Object>> read(WriterRegistry registry, String uri) throws Exception {
        Path topology = Files.writeString(work.resolve("read-" + Math.abs(uri.hashCode()) + ".yaml"), topology(uri));
        List<List<Object>> rows = new ArrayList<>();
        try (Migration reading = Migration.reading(Fanout.check(topology, registry), registry)) {
            reading.scan("db", "edges", RowFilter.all(), 1_000, packet -> {
                for (int r = 0; r < packet.rowCount(); r++) {
                    List<Object> row = new ArrayList<>();
                    for (int c = 0; c < packet.schema().width(); c++) {
                        row.add(packet.value(r, c));
                    }
                    row.add(packet.rowVersion(r));
                    rows.add(row);
                }
                return true;
            });
        }
        return rows;
    }

    /** Values comparable with equals: bytes as text, decimals without trailing zeros' scale, doubles by their bits. */
    private static List<Object> normalized(List<Object> row) {
        List<Object> out = new ArrayList<>();
        for (Object v : row) {
            if (v instanceof byte[] b) {
                out.add("bytes " + Arrays.toString(b));
            } else if (v instanceof BigDecimal d) {
                out.add("decimal " + d.stripTrailingZeros().toPlainString());
            } else if (v instanceof Double d) {
                out.add("double bits " + Long.toHexString(Double.doubleToRawLongBits(d)));
            } else {
                out.add(v);
            }
        }
        return out;
    }

    private static List<List<Object>> normalizedAll(List<List<Object>> rows) {
        return rows.stream().map(MigrateRowStreamTest::normalized).toList();
    }

    /** {@code ch} with every capability but {@link Capability#LOAD_ROWS}: a target that cannot load row streams. */
    private static WriterProvider withoutRowLoad(WriterProvider ch) {
        return new Wrapped(ch, Set.of(Capability.LOAD_ROWS)) {
            @Override
            BaseWriter wrap(BaseWriter real) {
                return real;
            }
        };
    }

    /** A provider passing every call to {@code real} but for the capabilities it drops; {@link #wrap} wraps its writers. */
    private abstract static class Wrapped implements WriterProvider {
        private final WriterProvider real;
        private final Set<Capability> dropped;

        Wrapped(WriterProvider real, Set<Capability> dropped) {
            this.real = real;
            this.dropped = dropped;
        }

        abstract BaseWriter wrap(BaseWriter writer);

        @Override
        public String scheme() {
            return real.scheme();
        }

        @Override
        public BaseWriter create(Destination destination) throws WriteException {
            return wrap(real.create(destination));
        }

        @Override
        public List<String> validate(Destination destination) {
            return real.validate(destination);
        }

        @Override
        public String physicalTarget(Destination destination) {
            return real.physicalTarget(destination);
        }

        @Override
        public List<OptionSpec> options() {
            return real.options();
        }

        @Override
        public IdentifierComparison identifierComparison() {
            return real.identifierComparison();
        }

        @Override
        public Set<Capability> capabilities() {
            Set<Capability> all = new HashSet<>(real.capabilities());
            all.removeAll(dropped);
            return all;
        }
    }

    /** A writer passing every call to {@code real}, its row load too; override what should misbehave. */
    private static class ForwardingWriter extends FaultScheme.Forwarding {
        ForwardingWriter(BaseWriter real) {
            super(real);
        }

        @Override
        public Optional<RowLoad> rowLoad() {
            return real.rowLoad();
        }
    }

    /** A reader passing every call to {@code real}. */
    private static class ForwardingReader implements TableReader {
        private final TableReader real;

        ForwardingReader(TableReader real) {
            this.real = real;
        }

        @Override
        public List<String> tables() throws WriteException {
            return real.tables();
        }

        @Override
        public Optional<Schema> schema(String table) throws WriteException {
            return real.schema(table);
        }

        @Override
        public long count(String table, RowFilter rows) throws WriteException {
            return real.count(table, rows);
        }

        @Override
        public void scan(String table, RowFilter rows, Optional<List<Object>> afterKey, int batchRows, PacketSink sink) throws WriteException {
            real.scan(table, rows, afterKey, batchRows, sink);
        }

        @Override
        public long delete(String table, RowFilter rows) throws WriteException {
            return real.delete(table, rows);
        }

        @Override
        public Optional<RowExport> rowExport() {
            return real.rowExport();
        }
    }

    private static String topology(String uri) {
        return """
                version: 1
                destinations:
                  db: { uri: "%s" }
                default: db
                tables:
                  edges: { primary_key: [k, s] }
                """.formatted(uri);
    }
}
