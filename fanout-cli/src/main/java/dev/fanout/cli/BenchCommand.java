package dev.fanout.cli;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Router;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriterProvider;
import dev.fanout.core.dispatch.BatchPolicy;
import dev.fanout.core.dispatch.Dispatcher;
import dev.fanout.core.dispatch.DispatcherSettings;
import dev.fanout.core.dispatch.PacketOutcome;
import dev.fanout.core.dispatch.RetryPolicy;
import dev.fanout.core.plugin.WriterRegistry;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * {@code fanout bench}: rows/s of the DuckDB bulk paths measured side by side in one run, each
 * against the raw Appender reference, so the ratios hold on a noisy shared machine.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure rows/s of the DuckDB writer and the dispatcher against a raw DuckDB Appender, in one run.")
final class BenchCommand implements Callable<Integer> {

    private static final Schema TRADES = Schema.of(List.of(
            Column.required("trade_id", LogicalType.INT64),
            Column.of("symbol", LogicalType.STRING),
            Column.of("executed_at", LogicalType.TIMESTAMP),
            Column.of("price", LogicalType.FLOAT64),
            Column.of("quantity", LogicalType.INT64),
            Column.of("side", LogicalType.STRING)), List.of("trade_id"));
    private static final String[] SYMBOLS = {"AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META", "TSLA", "ASML", "SAP", "NESN"};

    @Spec
    private CommandSpec spec;

    @Option(names = "--rows", description = "Rows per case (default: ${DEFAULT-VALUE}).", defaultValue = "2000000")
    private int rows;

    @Option(names = "--batch-rows", description = "Rows per packet and per writer batch (default: ${DEFAULT-VALUE}).",
            defaultValue = "100000")
    private int batchRows;

    @Option(names = "--dir", description = "Directory for the benchmark's DuckDB files (default: a new temporary directory, removed afterwards).")
    private Path dir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        WriterProvider duckdb = WriterRegistry.fromClassLoader(Thread.currentThread().getContextClassLoader())
                .provider("duckdb")
                .orElseThrow(() -> new IllegalStateException("no duckdb writer plugin found; bench needs writer-duckdb under plugins/"));
        boolean temporary = dir == null;
        Path work = temporary ? Files.createTempDirectory("fanout-bench") : Files.createDirectories(dir);
        try {
            out.printf("fanout bench: %,d trade rows per case, %,d rows per batch, files in %s%n", rows, batchRows, work);
            List<FramePacket> fresh = generate("trades", 0, 1);
            List<FramePacket> conflicting = generate("trades", 0, 2);
            Map<String, Double> rates = new LinkedHashMap<>();

            rates.put("(a) DuckDB Appender, no constraints (reference)", appenderReference(work.resolve("reference.duckdb"), fresh));
            out.printf("  %s done%n", "(a)");
            Destination upsertTarget = Destination.of("bench", "duckdb:" + work.resolve("upsert.duckdb"), work);
            try (BaseWriter writer = duckdb.create(upsertTarget)) {
                writer.open();
                rates.put("(b) DuckDB writer upsert, fresh keys", rowsPerSecond(() -> {
                    for (FramePacket p : fresh) {
                        writer.write(WriteBatch.of(p));
                    }
                }));
                out.printf("  %s done%n", "(b) fresh");
                rates.put("(b) DuckDB writer upsert, all keys conflicting", rowsPerSecond(() -> {
                    for (FramePacket p : conflicting) {
                        writer.write(WriteBatch.of(p));
                    }
                }));
                out.printf("  %s done%n", "(b) conflicting");
            }
            rates.put("(c) dispatcher, 4 tables -> 1 DuckDB file", dispatcherRate(duckdb, work.resolve("one"), 1));
            out.printf("  %s done%n", "(c) 1 file");
            rates.put("(c) dispatcher, 4 tables -> 4 DuckDB files", dispatcherRate(duckdb, work.resolve("four"), 4));
            out.printf("  %s done%n%n", "(c) 4 files");

            double reference = rates.values().iterator().next();
            TextTable table = new TextTable("case", "rows", "rows/s", "vs (a)");
            rates.forEach((name, rate) -> table.row(name, String.format("%,d", rows), String.format("%,.0f", rate),
                    String.format("%.2fx", rate / reference)));
            table.print(out);
            return ExitCode.OK;
        } finally {
            if (temporary) {
                deleteRecursively(work);
            }
        }
    }

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    private double rowsPerSecond(Work work) throws Exception {
        System.gc();
        long start = System.nanoTime();
        work.run();
        return rows / ((System.nanoTime() - start) / 1e9);
    }

    private List<FramePacket> generate(String table, int tableIndex, long version) {
        Random random = new Random(42);
        List<FramePacket> packets = new ArrayList<>();
        Instant t0 = Instant.parse("2026-01-05T14:30:00Z");
        FramePacket.Builder b = null;
        for (long i = 0; i < rows; i++) {
            if (b == null) {
                b = FramePacket.builder(table, TRADES).version(version);
            }
            String symbol = SYMBOLS[random.nextInt(SYMBOLS.length)];
            b.addRow(i, symbol, t0.plusNanos(i * 1_000), 100 + random.nextInt(100_000) / 100.0,
                    (long) (1 + random.nextInt(500)), random.nextBoolean() ? "buy" : "sell");
            if (b.rowCount() == batchRows) {
                packets.add(b.build());
                b = null;
            }
        }
        if (b != null) {
            packets.add(b.build());
        }
        return packets;
    }

    private double appenderReference(Path file, List<FramePacket> packets) throws Exception {
        try (DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + file)) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE trades (trade_id BIGINT, symbol VARCHAR, executed_at TIMESTAMP, price DOUBLE, quantity BIGINT, side VARCHAR)");
            }
            return rowsPerSecond(() -> {
                try (DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "trades")) {
                    for (FramePacket p : packets) {
                        for (int r = 0; r < p.rowCount(); r++) {
                            Instant ts = (Instant) p.value(r, 2);
                            a.beginRow()
                                    .append((Long) p.value(r, 0))
                                    .append((String) p.value(r, 1))
                                    .appendEpochMicros(ts.getEpochSecond() * 1_000_000 + ts.getNano() / 1000)
                                    .append((Double) p.value(r, 3))
                                    .append((Long) p.value(r, 4))
                                    .append((String) p.value(r, 5))
                                    .endRow();
                        }
                        a.flush();
                    }
                }
            });
        }
    }

    /** The whole dispatcher: 4 tables of trades, all to one file or each to its own file. */
    private double dispatcherRate(WriterProvider duckdb, Path work, int files) throws Exception {
        Files.createDirectories(work);
        Map<String, BaseWriter> writers = new LinkedHashMap<>();
        for (int f = 0; f < files; f++) {
            writers.put("db" + f, duckdb.create(Destination.of("db" + f, "duckdb:" + work.resolve("db" + f + ".duckdb"), work)));
        }
        Router router = packet -> {
            int table = packet.table().charAt(packet.table().length() - 1) - '0';
            return List.of(new Router.RoutedPart("db" + (table % files), packet));
        };
        List<FramePacket> packets = new ArrayList<>();
        List<FramePacket> all = generate("trades", 0, 1);
        for (int i = 0; i < all.size(); i++) {
            FramePacket p = all.get(i);
            FramePacket.Builder b = FramePacket.builder("trades_" + (i % 4), TRADES).version(1);
            for (int r = 0; r < p.rowCount(); r++) {
                b.addRow(p.row(r));
            }
            packets.add(b.build());
        }
        DispatcherSettings settings = new DispatcherSettings(new BatchPolicy(batchRows, Duration.ofMillis(200)),
                RetryPolicy.DEFAULT, 4 * batchRows);
        try (Dispatcher dispatcher = Dispatcher.start(router, writers, settings, new MetricRegistry())) {
            List<CompletableFuture<PacketOutcome>> outcomes = new ArrayList<>();
            double rate = rowsPerSecond(() -> {
                for (FramePacket p : packets) {
                    outcomes.add(dispatcher.submit(p));
                }
                dispatcher.flush();
            });
            long failed = outcomes.stream().map(CompletableFuture::join).filter(o -> !o.isCommitted()).count();
            if (failed > 0) {
                throw new IllegalStateException(failed + " packets failed during the dispatcher benchmark");
            }
            return rate;
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
