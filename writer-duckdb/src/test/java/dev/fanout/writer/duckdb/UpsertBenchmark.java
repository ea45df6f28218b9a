package dev.fanout.writer.duckdb;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Properties;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

/**
 * Measures the writer against the ceiling the brief sets: a plain Appender into a constraint-free
 * table, same rows, same batch size, same JVM. Not a test: run by hand, e.g.
 * {@code java -cp … dev.fanout.writer.duckdb.UpsertBenchmark 2000000 100000 /tmp/bench plain,fresh,conflict}.
 * System properties {@code bench.writer.threads} and {@code bench.plain.threads} set DuckDB's
 * {@code threads} for the writer and the reference.
 */
public final class UpsertBenchmark {

    private static final Schema TRADES = Schema.of(List.of(Column.of("trade_id", LogicalType.INT64),
            Column.of("symbol", LogicalType.STRING), Column.of("price", LogicalType.FLOAT64), Column.of("qty", LogicalType.INT64),
            Column.of("ts", LogicalType.TIMESTAMP)), List.of("trade_id"));
    private static final String[] SYMBOLS = {"AAPL", "MSFT", "GOOG", "AMZN", "TSLA", "NVDA", "META", "IBM"};

    private UpsertBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        int batchRows = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        Path dir = Files.createDirectories(Path.of(args.length > 2 ? args[2] : "target/bench"));
        String[] order = (args.length > 3 ? args[3] : "plain,fresh,conflict").split(",");

        List<WriteBatch> v1 = batches(rows, batchRows, 1);
        List<WriteBatch> v2 = batches(rows, batchRows, 2);
        System.out.printf("%,d rows of %s in batches of %,d%n", rows, TRADES.columns(), batchRows);

        Map<String, String> options = System.getProperty("bench.writer.threads") == null ? Map.of()
                : Map.of("threads", System.getProperty("bench.writer.threads"));
        Destination d = new Destination("bench", "duckdb:" + dir.resolve("upsert.duckdb"), options, dir, Set.of());
        for (String step : order) {
            switch (step) {
                case "plain" -> plainAppender(dir.resolve("plain.duckdb"), v1, rows, false);
                case "plainpk" -> plainAppender(dir.resolve("plainpk.duckdb"), v1, rows, true);
                case "fresh" -> {
                    delete(dir.resolve("upsert.duckdb"));
                    writer(d, v1, rows, "writer, fresh keys");
                }
                case "conflict" -> writer(d, v2, rows, "writer, all keys conflicting (newer)");
                default -> throw new IllegalArgumentException(step);
            }
        }
    }

    private static List<WriteBatch> batches(int rows, int batchRows, long version) {
        List<WriteBatch> out = new ArrayList<>();
        for (int start = 0; start < rows; start += batchRows) {
            FramePacket.Builder b = FramePacket.builder("trades", TRADES).version(version);
            for (long id = start; id < Math.min(rows, start + batchRows); id++) {
                b.addRow(id, SYMBOLS[(int) (id & 7)], 100.0 + (id % 1000) / 100.0 + version, (id % 500) + version,
                        Instant.ofEpochSecond(1_700_000_000L + id, 123_000));
            }
            out.add(WriteBatch.of(b.build()));
        }
        return out;
    }

    private static void plainAppender(Path file, List<WriteBatch> batches, int rows, boolean keyed) throws Exception {
        delete(file);
        long t0 = System.nanoTime();
        long t1;
        Properties props = new Properties();
        if (System.getProperty("bench.plain.threads") != null) {
            props.setProperty("threads", System.getProperty("bench.plain.threads"));
        }
        try (DuckDBConnection c = new DuckDBDriver().connect("jdbc:duckdb:" + file, props).unwrap(DuckDBConnection.class)) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE trades (trade_id BIGINT, symbol VARCHAR, price DOUBLE, qty BIGINT, ts TIMESTAMP, _fanout_version BIGINT"
                        + (keyed ? ", PRIMARY KEY (trade_id))" : ")"));
            }
            for (WriteBatch batch : batches) {
                try (DuckDBAppender a = c.createAppender("trades")) {
                    for (FramePacket p : batch.packets()) {
                        for (int r = 0; r < p.rowCount(); r++) {
                            Instant ts = (Instant) p.value(r, 4);
                            a.beginRow().append((long) (Long) p.value(r, 0)).append((String) p.value(r, 1)).append((double) (Double) p.value(r, 2))
                                    .append((long) (Long) p.value(r, 3)).appendEpochMicros(ts.getEpochSecond() * 1_000_000L + ts.getNano() / 1000)
                                    .append(p.version()).endRow();
                        }
                    }
                    a.flush();
                }
            }
            t1 = System.nanoTime();
        }
        report(keyed ? "plain Appender, PRIMARY KEY table" : "plain Appender, no constraints", rows, t0, t1, System.nanoTime());
    }

    private static void writer(Destination d, List<WriteBatch> batches, int rows, String label) throws Exception {
        long t0 = System.nanoTime();
        long t1;
        try (BaseWriter w = new DuckDbWriterProvider().create(d)) {
            w.open();
            for (WriteBatch b : batches) {
                w.write(b);
            }
            t1 = System.nanoTime();
        }
        report(label, rows, t0, t1, System.nanoTime());
    }

    private static void report(String label, int rows, long t0, long t1, long t2) {
        System.out.printf("%-40s %,10.0f rows/s (%.2f s writes; %,10.0f rows/s incl. close %.2f s)%n", label,
                rows / ((t1 - t0) / 1e9), (t1 - t0) / 1e9, rows / ((t2 - t0) / 1e9), (t2 - t0) / 1e9);
    }

    private static void delete(Path file) throws Exception {
        Files.deleteIfExists(file);
        Files.deleteIfExists(Path.of(file + ".wal"));
    }
}
