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
 * against the raw Appender reference, and with {@code --clickhouse} the ClickHouse writer against
 * clickhouse-client's bulk insert ({@link ClickHouseBench}), so the ratios hold on a noisy shared machine.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {MemoryBench.class, MigrateMemoryBench.class},
        description = {"Measure rows/s of the DuckDB writer, the dispatcher and migrate against raw DuckDB references, in one run.",
                "With --clickhouse also the ClickHouse writer against clickhouse-client INSERT ... FORMAT TSV of the same rows.",
                "With --clickhouse-cluster also the dispatcher into a sharded ClickHouse cluster, one lane per shard, against the same "
                        + "dispatcher into the --clickhouse server."})
final class BenchCommand implements Callable<Integer> {

    /** The benchmark's trade rows; the ClickHouse cases and their tests use the same shape. */
    static final Schema TRADES = Schema.of(List.of(
            Column.required("trade_id", LogicalType.INT64),
            Column.of("symbol", LogicalType.STRING),
            Column.of("executed_at", LogicalType.TIMESTAMP),
            Column.of("price", LogicalType.FLOAT64),
            Column.of("quantity", LogicalType.INT64),
            Column.of("side", LogicalType.STRING)), List.of("trade_id"));
    private static final Instant GENERATED_FROM = Instant.parse("2026-01-05T14:30:00Z");

    /**
     * The memory benches' trades {@code from} (inclusive) to {@code to} (exclusive) of {@code table} in
     * one packet, version 1: each row a function of its id, so rows are generated as they are needed
     * and never sit in memory together.
     */
    static FramePacket generatedTrades(String table, long from, long to) {
        FramePacket.Builder b = FramePacket.builder(table, TRADES).version(1);
        for (long id = from; id < to; id++) {
            b.addRow(id, "S" + (id % 500), GENERATED_FROM.plusNanos(id * 1_000), 100 + (id % 10_000) / 100.0, 1 + id % 500,
                    (id & 1) == 0 ? "buy" : "sell");
        }
        return b.build();
    }

    private static final String APPENDER_CASE = "(a) DuckDB Appender, no constraints (reference)";
    private static final String[] SYMBOLS = {"AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META", "TSLA", "ASML", "SAP", "NESN"};

    @Spec
    private CommandSpec spec;

    @Option(names = "--rows", paramLabel = "N", description = "Rows per case (default: ${DEFAULT-VALUE}).", defaultValue = "2000000")
    private int rows;

    @Option(names = "--batch-rows", paramLabel = "N", description = "Rows per packet and per writer batch (default: ${DEFAULT-VALUE}).",
            defaultValue = "100000")
    private int batchRows;

    @Option(names = "--rounds", paramLabel = "N", description = "Measured rounds; each case reports its median (default: ${DEFAULT-VALUE}).",
            defaultValue = "3")
    private int rounds;

    @Option(names = "--dir", paramLabel = "DIR", description = "Directory for the benchmark's DuckDB files (default: a new temporary directory, removed afterwards).")
    private Path dir;

    @Option(names = "--clickhouse", paramLabel = "URI",
            description = "Also measure the ClickHouse writer against clickhouse-client, in database ch://host:port/database; the bench "
                    + "creates and drops its tables trades and trades_reference there (default: no ClickHouse cases).")
    private String clickhouse;

    @Option(names = "--clickhouse-client", paramLabel = "CMD", defaultValue = "clickhouse-client",
            description = "The clickhouse-client command, e.g. \"clickhouse client\" (default: ${DEFAULT-VALUE}).")
    private String clickhouseClient;

    @Option(names = "--clickhouse-native-port", paramLabel = "PORT", defaultValue = "9000",
            description = "The server's native-protocol port, for clickhouse-client (default: ${DEFAULT-VALUE}).")
    private int clickhouseNativePort;

    @Option(names = "--clickhouse-cluster", paramLabel = "URI",
            description = "Also measure the dispatcher writing a sharded ClickHouse cluster (one lane per shard, as ingest writes) "
                    + "against the same dispatcher writing the --clickhouse server (which it needs), in database ch://host:port/database "
                    + "on one server of the cluster; the bench creates and drops its tables trades and trades_local there, on every "
                    + "replica (default: no cluster cases).")
    private String clickhouseCluster;

    @Option(names = "--clickhouse-cluster-name", paramLabel = "NAME", defaultValue = "fanout_cluster",
            description = "The cluster's name in the servers' remote_servers (default: ${DEFAULT-VALUE}, as scripts/clickhouse cluster start runs it).")
    private String clickhouseClusterName;

    @Option(names = "--clickhouse-cluster-replicas", paramLabel = "ENDPOINTS",
            description = "The HTTP endpoints host:port of the cluster's other servers, comma-separated, "
                    + "e.g. 127.0.0.1:8124,127.0.0.1:8125,127.0.0.1:8126 (default: every host of the cluster on the URI's port).")
    private String clickhouseClusterReplicas;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (rows < 1 || batchRows < 1 || rounds < 1) {
            throw new ConfigurationProblem("--rows, --batch-rows and --rounds must be at least 1");
        }
        WriterRegistry registry = InstalledPlugins.registry();
        WriterProvider duckdb = registry.provider("duckdb")
                .orElseThrow(() -> new IllegalStateException("no duckdb writer plugin found; bench needs writer-duckdb under plugins/"));
        boolean temporary = dir == null;
        Path work = temporary ? Files.createTempDirectory("fanout-bench") : Files.createDirectories(dir);
        try (ClickHouseBench clickHouse = clickhouse == null ? null : ClickHouseBench.connect(registry, clickhouse,
                List.of(clickhouseClient.trim().split("\\s+")), clickhouseNativePort, work);
             ClusterBench cluster = clickhouseCluster == null ? null : ClusterBench.connect(registry, clickhouseCluster,
                     clickhouseClusterName, clickhouseClusterReplicas, clickhouse, work);
             LockedDestinationBench locked = LockedDestinationBench.start(work)) {
            out.printf("fanout bench: %,d trade rows per case, %,d rows per batch, %s after a warm-up, files in %s%n",
                    rows, batchRows, Plural.of(rounds, "round"), work);
            if (clickHouse != null) {
                out.println("  " + clickHouse.describe());
            }
            if (cluster != null) {
                out.println("  " + cluster.describe());
            }
            out.println("  " + locked.describe());
            out.flush();
            List<FramePacket> trades = generate("trades", 1);
            Cases cases = new Cases(registry, duckdb, clickHouse, cluster, locked, trades, generate("trades", 2), spread(trades, 4),
                    spread(trades, LockedDestinationBench.TABLES));
            Map<String, List<Double>> rates = new LinkedHashMap<>();
            cases.run(work.resolve("warm-up"), Math.max(1, Math.min(4, 200_000 / batchRows)), new LinkedHashMap<>());
            for (int round = 1; round <= rounds; round++) {
                cases.run(work.resolve("round-" + round), Integer.MAX_VALUE, rates);
                out.printf("  round %d of %d done%n", round, rounds);
                out.flush();
            }
            out.println();
            TextTable table = new TextTable("case", "rows", "rows/s (median)", "min", "max", "vs ref");
            rates.forEach((name, r) -> table.row(name, String.format("%,d", rows), String.format("%,.0f", median(r)),
                    String.format("%,.0f", r.stream().mapToDouble(Double::doubleValue).min().orElse(0)),
                    String.format("%,.0f", r.stream().mapToDouble(Double::doubleValue).max().orElse(0)),
                    String.format("%.2fx", median(r) / median(rates.get(referenceOf(name))))));
            table.print(out);
            out.println((clickHouse != null ? "vs ref: (a) to (c) against (a), (d) and (e) against (e), (f) and (g) against (f)"
                    : "vs ref: (a) to (c) against (a), (f) and (g) against (f)")
                    + ", (h) against the all-healthy (h)" + (cluster != null ? ", (i) against the one-server (i)" : "")
                    + "; (h) rows/s count the rows of the two healthy destinations only");
            out.flush();
            return ExitCode.OK;
        } finally {
            if (temporary) {
                deleteRecursively(work);
            }
        }
    }

    /** The case whose median {@code name}'s ratio is taken against. */
    private static String referenceOf(String name) {
        if (name.equals(ClickHouseBench.WRITER_CASE) || name.equals(ClickHouseBench.REFERENCE_CASE) || name.equals(ClickHouseBench.MIGRATE_CASE)) {
            return ClickHouseBench.REFERENCE_CASE;
        }
        if (name.startsWith("(i)")) {
            return ClusterBench.SINGLE_CASE;
        }
        if (name.startsWith("(h)")) {
            return LockedDestinationBench.REFERENCE_CASE;
        }
        return name.startsWith("(f)") || name.startsWith("(g)") ? MigrateBench.REFERENCE_CASE : APPENDER_CASE;
    }

    /**
     * The five DuckDB cases, when asked for the two ClickHouse cases and the cluster cases ({@link ClusterBench}), the migrate cases
     * ({@link MigrateBench}) and the locked-destination cases ({@link LockedDestinationBench}), each on
     * new files or tables, in a fixed order so every round is alike.
     */
    private final class Cases {
        private final WriterRegistry registry;
        private final WriterProvider duckdb;
        private final ClickHouseBench clickHouse;
        private final ClusterBench cluster;
        private final List<FramePacket> fresh;
        private final List<FramePacket> conflicting;
        private final List<FramePacket> fourTables;
        private final LockedDestinationBench locked;
        private final List<FramePacket> threeTables;

        Cases(WriterRegistry registry, WriterProvider duckdb, ClickHouseBench clickHouse, ClusterBench cluster, LockedDestinationBench locked,
              List<FramePacket> fresh, List<FramePacket> conflicting, List<FramePacket> fourTables, List<FramePacket> threeTables) {
            this.registry = registry;
            this.duckdb = duckdb;
            this.clickHouse = clickHouse;
            this.cluster = cluster;
            this.locked = locked;
            this.fresh = fresh;
            this.conflicting = conflicting;
            this.fourTables = fourTables;
            this.threeTables = threeTables;
        }

        /** Runs every case on the first {@code packets} packets, adding rows/s to {@code rates}. */
        void run(Path dir, int packets, Map<String, List<Double>> rates) throws Exception {
            Files.createDirectories(dir);
            List<FramePacket> freshPart = fresh.subList(0, Math.min(packets, fresh.size()));
            List<FramePacket> conflictingPart = conflicting.subList(0, Math.min(packets, conflicting.size()));
            List<FramePacket> fourPart = fourTables.subList(0, Math.min(packets, fourTables.size()));
            add(rates, APPENDER_CASE, appenderReference(dir.resolve("reference.duckdb"), freshPart));
            Destination upsertTarget = Destination.of("bench", "duckdb:" + dir.resolve("upsert.duckdb"), dir);
            try (BaseWriter writer = duckdb.create(upsertTarget)) {
                writer.open();
                add(rates, "(b) DuckDB writer upsert, fresh keys", rowsPerSecond(rowsOf(freshPart), () -> {
                    for (FramePacket p : freshPart) {
                        writer.write(WriteBatch.of(p));
                    }
                }));
                add(rates, "(b) DuckDB writer upsert, all keys conflicting", rowsPerSecond(rowsOf(conflictingPart), () -> {
                    for (FramePacket p : conflictingPart) {
                        writer.write(WriteBatch.of(p));
                    }
                }));
            }
            add(rates, "(c) dispatcher, 4 tables -> 1 DuckDB file", dispatcherRate(duckdb, dir.resolve("one"), 1, fourPart));
            add(rates, "(c) dispatcher, 4 tables -> 4 DuckDB files", dispatcherRate(duckdb, dir.resolve("four"), 4, fourPart));
            deleteRecursively(dir);
            if (clickHouse != null) {
                for (Map.Entry<String, Double> c : clickHouse.measure(freshPart).entrySet()) {
                    add(rates, c.getKey(), c.getValue());
                }
                add(rates, ClickHouseBench.MIGRATE_CASE, clickHouse.migrateRate(registry, duckdb, dir.resolve("to-clickhouse"), freshPart, batchRows));
                deleteRecursively(dir);
            }
            for (Map.Entry<String, Double> c : MigrateBench.measure(registry, duckdb, dir.resolve("migrate"), freshPart, batchRows).entrySet()) {
                add(rates, c.getKey(), c.getValue());
            }
            deleteRecursively(dir);
            List<FramePacket> threePart = threeTables.subList(0, Math.min(packets, threeTables.size()));
            for (Map.Entry<String, Double> c : locked.measure(duckdb, dir.resolve("locked"), threePart, batchRows).entrySet()) {
                add(rates, c.getKey(), c.getValue());
            }
            deleteRecursively(dir);
            if (cluster != null) {
                for (Map.Entry<String, Double> c : cluster.measure(freshPart, batchRows).entrySet()) {
                    add(rates, c.getKey(), c.getValue());
                }
            }
        }

        private void add(Map<String, List<Double>> rates, String name, double rate) {
            rates.computeIfAbsent(name, k -> new ArrayList<>()).add(rate);
        }
    }

    private static long rowsOf(List<FramePacket> packets) {
        return packets.stream().mapToLong(FramePacket::rowCount).sum();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    @FunctionalInterface
    interface Work {
        void run() throws Exception;
    }

    static double rowsPerSecond(long rowCount, Work work) throws Exception {
        System.gc();
        long start = System.nanoTime();
        work.run();
        return rowCount / ((System.nanoTime() - start) / 1e9);
    }

    private List<FramePacket> generate(String table, long version) {
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
            return rowsPerSecond(rowsOf(packets), () -> {
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

    /** The benchmark's trades spread over {@code tables} tables {@code trades_<i>}, packet by packet, for the dispatcher cases. */
    private static List<FramePacket> spread(List<FramePacket> trades, int tables) {
        List<FramePacket> packets = new ArrayList<>();
        for (int i = 0; i < trades.size(); i++) {
            FramePacket p = trades.get(i);
            FramePacket.Builder b = FramePacket.builder("trades_" + (i % tables), TRADES).version(1);
            for (int r = 0; r < p.rowCount(); r++) {
                b.addRow(p.row(r));
            }
            packets.add(b.build());
        }
        return packets;
    }

    /** The whole dispatcher: 4 tables of trades, all to one file or each to its own file. */
    private double dispatcherRate(WriterProvider duckdb, Path work, int files, List<FramePacket> packets) throws Exception {
        Files.createDirectories(work);
        Map<String, BaseWriter> writers = new LinkedHashMap<>();
        for (int f = 0; f < files; f++) {
            writers.put("db" + f, duckdb.create(Destination.of("db" + f, "duckdb:" + work.resolve("db" + f + ".duckdb"), work)));
        }
        Router router = packet -> {
            int table = packet.table().charAt(packet.table().length() - 1) - '0';
            return List.of(new Router.RoutedPart("db" + (table % files), packet));
        };
        DispatcherSettings settings = new DispatcherSettings(new BatchPolicy(batchRows, Duration.ofMillis(200)),
                RetryPolicy.DEFAULT, 4 * batchRows);
        try (Dispatcher dispatcher = Dispatcher.start(router, writers, settings, new MetricRegistry())) {
            List<CompletableFuture<PacketOutcome>> outcomes = new ArrayList<>();
            double rate = rowsPerSecond(rowsOf(packets), () -> {
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

    static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
