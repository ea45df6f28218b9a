package dev.fanout.cli;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriterProvider;
import dev.fanout.core.Fanout;
import dev.fanout.core.migrate.CheckpointStore;
import dev.fanout.core.migrate.Migration;
import dev.fanout.core.migrate.Move;
import dev.fanout.core.migrate.MoveResult;
import dev.fanout.core.plugin.WriterRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code fanout bench migrate-memory}: the memory ceiling of a large {@code fanout migrate}. The benchmark's
 * trades, written by the DuckDB writer to a source file packet by packet (not measured; the rows never sit
 * in memory together), are moved by {@link Migration} in this process as {@code fanout migrate} moves them:
 * to a DuckDB file (inside DuckDB), and with {@code --clickhouse} to ClickHouse (the row stream). Before each
 * case the kernel's peak resident set ({@code VmHWM}) is reset to the current one, so each case reports the
 * peak of its own move (with its close, DuckDB's last checkpoint included) against a budget. A case fails
 * unless its move verified every row on the path it was meant to take; being over the budget is reported,
 * not a failure.
 */
@Command(name = "migrate-memory", mixinStandardHelpOptions = true,
        description = {"Migrate generated rows from a DuckDB file to a DuckDB file (and with --clickhouse to ClickHouse), and report the "
                + "peak resident memory of each move.",
                "The peak is the process's Linux VmHWM, reset before each move, reported against a budget. Run with a heap cap, "
                        + "e.g. FANOUT_JAVA_OPTS=-Xmx256m."})
final class MigrateMemoryBench implements Callable<Integer> {

    static final String DUCKDB_CASE = "DuckDB -> DuckDB, inside DuckDB";
    static final String CLICKHOUSE_CASE = "DuckDB -> ClickHouse, row stream";
    private static final String TABLE = "trades";
    private static final int SOURCE_PACKET_ROWS = 100_000;
    /** What a run leaves in {@code --dir}, by case: the migrations' files and checkpoints. */
    private static final List<String> BENCH_FILES = List.of("source.duckdb", "target.duckdb", "state-in-engine", "state-row-stream");

    @Spec
    private CommandSpec spec;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "10000000", description = "Rows to migrate (default: ${DEFAULT-VALUE}).")
    private long rows;

    @Option(names = "--batch-rows", paramLabel = "N", defaultValue = "50000",
            description = "Rows per batch read and written, as fanout migrate's option (default: ${DEFAULT-VALUE}).")
    private int batchRows;

    @Option(names = "--range-rows", paramLabel = "N", defaultValue = "" + Migration.DEFAULT_RANGE_ROWS,
            description = "Rows per key range, each checkpointed, as fanout migrate's option (default: ${DEFAULT-VALUE}).")
    private int rangeRows;

    @Option(names = "--duckdb-memory-limit", paramLabel = "SIZE",
            description = "memory_limit option of the source and target DuckDB destinations, e.g. 256MB (default: none, "
                    + "as a topology without it: DuckDB's own, 80%% of RAM).")
    private String duckdbMemoryLimit;

    @Option(names = "--clickhouse", paramLabel = "URI",
            description = "Also migrate to ClickHouse, database ch://host:port/database; the bench creates and drops its table trades "
                    + "there, and the database when it created it (default: DuckDB only).")
    private String clickhouse;

    @Option(names = "--budget-mib", paramLabel = "MIB", defaultValue = "512", description = "The peak RSS budget to report against (default: ${DEFAULT-VALUE}).")
    private long budgetMib;

    @Option(names = "--dir", paramLabel = "DIR", description = "Directory for the DuckDB files (default: a new temporary directory, removed afterwards).")
    private Path dir;

    /** What one case measured; {@code problem} is empty when the move verified every row on its path. */
    private record Outcome(String name, MoveResult.CopyPath path, double seconds, long startKib, long peakKib, String peakIn,
                           long sampledKib, long heapBytes, Optional<String> problem) {
    }

    /**
     * The kernel's peak as it stood after the last range copied and once the move was verified, so the
     * report can say in which step the peak was reached: copying, verifying, or closing the migration.
     */
    private static final class PeakByStep implements Migration.Progress {
        private volatile long copiedKib = -1;
        private volatile long verifiedKib = -1;

        @Override
        public void copied(Move move, long copiedInAll) {
            copiedKib = RssSampler.status("VmHWM:");
        }

        @Override
        public void finished(MoveResult result) {
            verifiedKib = RssSampler.status("VmHWM:");
        }

        String stepOf(long peakKib) {
            if (peakKib < 0) {
                return "?";
            }
            return peakKib <= copiedKib ? "copy" : peakKib <= verifiedKib ? "verification" : "close";
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (rows < 1 || batchRows < 1 || rangeRows < 1 || budgetMib < 1) {
            throw new ConfigurationProblem("--rows, --batch-rows, --range-rows and --budget-mib must be at least 1");
        }
        WriterRegistry registry = InstalledPlugins.registry();
        WriterProvider duckdb = registry.provider("duckdb")
                .orElseThrow(() -> new IllegalStateException("no duckdb writer plugin found; bench needs writer-duckdb under plugins/"));
        List<String> problems = duckdb.validate(source(Path.of("").toAbsolutePath()));
        if (!problems.isEmpty()) {
            throw new ConfigurationProblem("--duckdb-memory-limit: " + String.join("; ", problems));
        }
        ClickHouseTarget target = clickhouse == null ? null : ClickHouseTarget.connect(registry, clickhouse);
        boolean temporary = dir == null;
        if (!temporary) {
            for (String file : BENCH_FILES) {
                if (Files.exists(dir.resolve(file))) {
                    throw new ConfigurationProblem("--dir " + dir + " already holds " + dir.resolve(file) + " of an earlier run, which "
                            + "would be migrated again or resumed instead of copied: remove it or point --dir at another directory");
                }
            }
        }
        Path work = temporary ? Files.createTempDirectory("fanout-bench-migrate-memory") : Files.createDirectories(dir);
        try {
            out.printf("fanout bench migrate-memory: %,d trade rows, batches of %,d rows, key ranges of %,d rows; DuckDB memory_limit %s; "
                            + "max heap %,d MiB; budget %,d MiB; files in %s%n", rows, batchRows, rangeRows,
                    duckdbMemoryLimit == null ? "DuckDB's default" : duckdbMemoryLimit, Runtime.getRuntime().maxMemory() >> 20, budgetMib, work);
            if (target != null) {
                out.println("  " + target.describe());
            }
            out.flush();
            long started = System.nanoTime();
            writeSource(duckdb, work);
            out.printf("  source file written: %,d rows in %.1f s (not measured)%n", rows, (System.nanoTime() - started) / 1e9);
            out.flush();
            List<Outcome> outcomes = new ArrayList<>();
            outcomes.add(migrate(out, registry, work, DUCKDB_CASE, "duckdb:target.duckdb", MoveResult.CopyPath.IN_ENGINE,
                    "the source file's writing"));
            if (target != null) {
                try {
                    outcomes.add(migrate(out, registry, work, CLICKHOUSE_CASE, clickhouse, MoveResult.CopyPath.ROW_STREAM,
                            "the DuckDB case"));
                } finally {
                    target.dropTable();
                }
            }
            print(out, outcomes);
            return outcomes.stream().allMatch(o -> o.problem().isEmpty()) ? ExitCode.OK : ExitCode.FAILED;
        } finally {
            try {
                if (target != null) {
                    target.close();
                }
            } finally {
                if (temporary) {
                    BenchCommand.deleteRecursively(work);
                }
            }
        }
    }

    /** The source file in {@code work}, as the DuckDB writer writes it and the migration reads it. */
    private Destination source(Path work) {
        return new Destination("source", "duckdb:" + work.resolve("source.duckdb"),
                duckdbMemoryLimit == null ? Map.of() : Map.of("memory_limit", duckdbMemoryLimit), work, Set.of());
    }

    /** The source file of {@code rows} trades, generated and written packet by packet. */
    private void writeSource(WriterProvider duckdb, Path work) throws Exception {
        Destination source = source(work);
        try (BaseWriter writer = duckdb.create(source)) {
            writer.open();
            for (long id = 0; id < rows; id += SOURCE_PACKET_ROWS) {
                writer.write(WriteBatch.of(BenchCommand.generatedTrades(TABLE, id, Math.min(rows, id + SOURCE_PACKET_ROWS))));
            }
        }
    }

    /**
     * One case: resets the kernel's peak, migrates the source file's trades to {@code targetUri} as
     * {@code fanout migrate} does, and reads the peak after the migration closed.
     */
    private Outcome migrate(PrintWriter out, WriterRegistry registry, Path work, String name, String targetUri,
                            MoveResult.CopyPath expected, String before) throws Exception {
        String label = expected.name().toLowerCase(Locale.ROOT).replace('_', '-');
        Path from = Files.writeString(work.resolve("from.yaml"), topology("duckdb:source.duckdb"));
        Path to = Files.writeString(work.resolve("to-" + label + ".yaml"), topology(targetUri));
        System.gc();
        if (!RssSampler.resetPeak()) {
            out.printf("  %s: the kernel's peak (VmHWM) could not be reset through /proc/self/clear_refs: its peak includes %s%n",
                    name, before);
            out.flush();
        }
        long startKib = RssSampler.status("VmRSS:");
        RssSampler rss = new RssSampler();
        rss.start();
        PeakByStep steps = new PeakByStep();
        long started = System.nanoTime();
        List<MoveResult> results;
        try {
            try (Migration migration = Migration.between(Fanout.check(from, registry), Fanout.check(to, registry), registry, batchRows)
                    .rangeRows(rangeRows);
                 CheckpointStore state = CheckpointStore.open(work.resolve("state-" + label))) {
                List<Move> moves = migration.moves(List.of(TABLE));
                migration.checkReadable(moves);
                results = migration.run(moves, state, false, steps);
            }
        } finally {
            rss.stop();
            // the target's topology holds its URI, a password included when --clickhouse has one
            Files.deleteIfExists(to);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long peakKib = RssSampler.status("VmHWM:");
        return new Outcome(name, results.size() == 1 ? results.get(0).path() : null, seconds, startKib, peakKib, steps.stepOf(peakKib),
                rss.maxKib.get(), rss.maxHeap.get(), problem(results, expected, rows));
    }

    /** Why the migration's results are not one move that verified all {@code rows} on the {@code expected} path, if they are not. */
    static Optional<String> problem(List<MoveResult> results, MoveResult.CopyPath expected, long rows) {
        if (results.size() != 1) {
            return Optional.of("expected one move of table " + TABLE + ", got " + results.size());
        }
        MoveResult r = results.get(0);
        if (!r.passed()) {
            return Optional.of("the move did not pass: " + r.failure().orElse(r.verification().map(Object::toString).orElse("not verified")));
        }
        if (r.path() != expected) {
            return Optional.of("the move went " + r.path() + ", not " + expected);
        }
        long equal = r.verification().orElseThrow().equal();
        if (equal != rows) {
            return Optional.of("verification found " + equal + " equal rows, not " + rows + ": " + r.verification().orElseThrow());
        }
        return Optional.empty();
    }

    private void print(PrintWriter out, List<Outcome> outcomes) {
        TextTable table = new TextTable("case", "path", "rows", "seconds", "rows/s", "RSS at start MiB", "peak RSS MiB",
                "peak in", "highest sampled MiB", "peak heap MiB");
        for (Outcome o : outcomes) {
            table.row(o.name(), String.valueOf(o.path()), String.format("%,d", rows), String.format("%.1f", o.seconds()),
                    String.format("%,.0f", rows / o.seconds()), mib(o.startKib()), mib(o.peakKib()), o.peakIn(), mib(o.sampledKib()),
                    String.format("%,d", o.heapBytes() >> 20));
        }
        out.println();
        table.print(out);
        out.printf("max heap %,d MiB; peak RSS is the kernel's VmHWM, reset before each case; peak in: the step that reached it "
                + "(copy, verification, or close: the migration's and its DuckDB files')%n", Runtime.getRuntime().maxMemory() >> 20);
        for (Outcome o : outcomes) {
            if (o.peakKib() < 0) {
                out.printf("%s: peak RSS unknown (no /proc/self/status) against the %,d MiB budget%n", o.name(), budgetMib);
            } else {
                out.printf("%s: peak RSS %,d MiB %s the %,d MiB budget%n", o.name(), o.peakKib() >> 10,
                        (o.peakKib() >> 10) <= budgetMib ? "within" : "OVER", budgetMib);
            }
            o.problem().ifPresent(p -> out.printf("%s: FAILED: %s%n", o.name(), p));
        }
        out.flush();
    }

    private static String mib(long kib) {
        return kib < 0 ? "?" : String.format("%,d", kib >> 10);
    }

    private String topology(String uri) {
        return """
                version: 1
                destinations:
                  db: { uri: "%s"%s }
                default: db
                tables:
                  trades: { primary_key: [trade_id] }
                """.formatted(uri.replace("\\", "\\\\").replace("\"", "\\\""),
                duckdbMemoryLimit != null && uri.startsWith("duckdb:") ? ", options: { memory_limit: \"" + duckdbMemoryLimit + "\" }" : "");
    }

    /**
     * The ClickHouse database of {@code --clickhouse}, checked before the source file is written: the
     * plugin is installed, the server answers over HTTP as {@code default}, and the database does not hold
     * the bench's table {@code trades}. Dropping the table after the case, and the database when it did not
     * exist before, leaves the server as it was.
     */
    private record ClickHouseTarget(ClusterBench.Sql sql, Destination destination, String database, boolean databaseExisted,
                                    String serverVersion) implements AutoCloseable {

        static ClickHouseTarget connect(WriterRegistry registry, String uri) {
            Destination destination = ClickHouseBench.destination(ClickHouseBench.clickHousePlugin(registry), uri);
            String database = ClusterBench.databaseOf("--clickhouse", uri, destination.redactedUri());
            ClusterBench.Sql sql = new ClusterBench.Sql(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(),
                    ClusterBench.authority(uri));
            String version = sql.run("SELECT version()");
            boolean existed = !"0".equals(sql.run("SELECT count() FROM system.databases WHERE name = " + ClusterBench.literal(database)));
            if (!"0".equals(sql.run("SELECT count() FROM system.tables WHERE database = " + ClusterBench.literal(database)
                    + " AND name = " + ClusterBench.literal(TABLE)))) {
                throw new ConfigurationProblem("ClickHouse database " + database + " already has " + database + "." + TABLE
                        + "; fanout bench migrate-memory creates and drops its own table " + TABLE + ": point --clickhouse at another "
                        + "database, e.g. ch://" + sql.authority() + "/fanout_bench");
            }
            return new ClickHouseTarget(sql, destination, database, existed, version);
        }

        /** E.g. {@code ClickHouse 18.16.1 at ch://127.0.0.1:8123/bench}. */
        String describe() {
            return "ClickHouse " + serverVersion + " at " + destination.redactedUri();
        }

        void dropTable() {
            sql.run("DROP TABLE IF EXISTS " + ClusterBench.quote(database) + "." + ClusterBench.quote(TABLE));
        }

        @Override
        public void close() {
            dropTable();
            if (!databaseExisted) {
                sql.run("DROP DATABASE IF EXISTS " + ClusterBench.quote(database));
            }
        }
    }
}
