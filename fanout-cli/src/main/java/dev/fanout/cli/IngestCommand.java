package dev.fanout.cli;

import dev.fanout.api.FramePacket;
import dev.fanout.api.Schema;
import dev.fanout.cli.input.RowFileException;
import dev.fanout.cli.input.RowFileReader;
import dev.fanout.core.Fanout;
import dev.fanout.core.dispatch.LaneSummary;
import dev.fanout.core.dispatch.PacketOutcome;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.topology.TableSpec;
import dev.fanout.core.topology.Topology;
import dev.fanout.core.topology.TopologyException;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code fanout ingest}: reads row files through DuckDB's readers, submits them as packets in file
 * and row order through the topology, and prints what each destination committed.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Upsert CSV, Parquet or newline-delimited JSON files through a topology.")
final class IngestCommand implements Callable<Integer> {

    private static final int MAX_REASONS_SHOWN = 10;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-t", "--topology"}, required = true, paramLabel = "FILE", description = "The topology YAML file.")
    private Path topologyFile;

    @Option(names = "--table", paramLabel = "NAME", description = "Table name for every file (default: each file's base name).")
    private String table;

    @Option(names = "--primary-key", split = ",", paramLabel = "COL", description = "Key columns (default: the topology's tables.<table>.primary_key).")
    private List<String> primaryKey;

    @Option(names = "--version-column", paramLabel = "COL", description = "Column holding each row's version (default: the topology's, else a version stamped at submission).")
    private String versionColumn;

    @Option(names = "--domain", paramLabel = "NAME", description = "Domain label of every packet, for domain routes.")
    private String domain;

    @Option(names = "--packet-rows", paramLabel = "N", defaultValue = "10000", description = "Rows per packet (default: ${DEFAULT-VALUE}).")
    private int packetRows;

    @Option(names = "--no-progress", description = "Do not draw a progress bar.")
    private boolean noProgress;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Row files: .csv, .tsv, .parquet, .ndjson, .jsonl (optionally .gz).")
    private List<Path> files;

    private record Input(Path file, String table, Schema schema, long rows) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (packetRows < 1) {
            throw new ConfigurationProblem("--packet-rows must be at least 1");
        }
        WriterRegistry registry = WriterRegistry.fromClassLoader(Thread.currentThread().getContextClassLoader());
        Topology topology;
        try {
            topology = Fanout.check(topologyFile, registry);
        } catch (TopologyException e) {
            throw new ConfigurationProblem(e.getMessage(), e);
        }
        LongAdder committedRows = new LongAdder();
        AtomicLong failedPackets = new AtomicLong();
        AtomicLong failedRows = new AtomicLong();
        ConcurrentLinkedQueue<String> reasons = new ConcurrentLinkedQueue<>();
        Map<String, LongAdder> failedRowsByTable = new ConcurrentHashMap<>();
        try (RowFileReader reader = new RowFileReader()) {
            List<Input> inputs = plan(topology, reader);
            long total = inputs.stream().mapToLong(Input::rows).sum();
            long started = System.nanoTime();
            try (Fanout fanout = Fanout.builder().topology(topology).registry(registry).build();
                 ProgressBar bar = progressBar(total)) {
                for (Input input : inputs) {
                    reader.read(input.file(), input.schema(), input.table(), domain, packetRows, packet -> {
                        fanout.submit(packet).whenComplete((outcome, error) -> {
                            if (error == null && outcome.isCommitted()) {
                                committedRows.add(packet.rowCount());
                            } else {
                                failedPackets.incrementAndGet();
                                failedRows.addAndGet(packet.rowCount());
                                failedRowsByTable.computeIfAbsent(packet.table(), t -> new LongAdder()).add(packet.rowCount());
                                if (reasons.size() < MAX_REASONS_SHOWN) {
                                    reasons.add(reason(packet, outcome, error));
                                }
                            }
                            if (bar != null) {
                                bar.stepBy(packet.rowCount());
                            }
                        });
                    });
                    if (bar == null) {
                        out.printf("submitted %s: %,d rows as table %s%n", input.file(), input.rows(), input.table());
                        out.flush();
                    }
                }
                fanout.flush();
                double seconds = (System.nanoTime() - started) / 1e9;
                printSummary(out, fanout.summary(), committedRows.sum(), failedRows.get(), failedPackets.get(), seconds);
            }
        }
        if (failedPackets.get() > 0) {
            PrintWriter err = spec.commandLine().getErr();
            new TreeMap<>(failedRowsByTable).forEach((t, n) -> err.printf("table %s: %,d rows not committed%n", t, n.sum()));
            reasons.forEach(r -> err.println("  " + r));
            err.flush();
            return ExitCode.FAILED;
        }
        return ExitCode.OK;
    }

    /** Checks every file's table, key and columns before the first row moves. */
    private List<Input> plan(Topology topology, RowFileReader reader) {
        List<Input> inputs = new ArrayList<>();
        for (Path file : files) {
            RowFileReader.FileShape shape;
            try {
                shape = reader.describe(file);
            } catch (RowFileException e) {
                throw new ConfigurationProblem(e.getMessage(), e);
            }
            String tableName = table != null ? table : baseName(file);
            Optional<TableSpec> spec = topology.table(tableName);
            List<String> key = primaryKey != null ? primaryKey : spec.map(TableSpec::primaryKey).orElse(null);
            if (key == null || key.isEmpty()) {
                throw new ConfigurationProblem(file + " feeds table '" + tableName + "', which has no primary key: pass "
                        + "--primary-key or add tables." + tableName + ".primary_key to " + topologyFile);
            }
            String version = versionColumn != null ? versionColumn : spec.flatMap(TableSpec::versionColumn).orElse(null);
            try {
                inputs.add(new Input(file, tableName, Schema.of(shape.columns(), key, version), shape.rows()));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationProblem(file + " (table " + tableName + "): " + e.getMessage(), e);
            }
        }
        return inputs;
    }

    private static String baseName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.indexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private ProgressBar progressBar(long total) {
        if (noProgress || System.console() == null) {
            return null;
        }
        return new ProgressBarBuilder().setTaskName("ingest").setInitialMax(total).setUnit(" rows", 1)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(250).build();
    }

    private static String reason(FramePacket packet, PacketOutcome outcome, Throwable error) {
        String why = error != null ? String.valueOf(error.getMessage()) : outcome.reason().orElse("failed");
        return "packet " + packet.packetId() + " (" + packet.table() + ", " + packet.rowCount() + " rows): " + why;
    }

    private static void printSummary(PrintWriter out, List<LaneSummary> lanes, long committed, long failedRows,
                                     long failedPackets, double seconds) {
        out.println();
        TextTable table = new TextTable("destination", "rows", "packets", "batches", "failures", "p50 ms", "p95 ms", "p99 ms");
        for (LaneSummary s : lanes) {
            table.row(s.destination(), String.format("%,d", s.rows()), String.format("%,d", s.packets()),
                    String.format("%,d", s.batches()), String.format("%,d", s.failures()),
                    String.format("%.1f", s.p50FlushMillis()), String.format("%.1f", s.p95FlushMillis()), String.format("%.1f", s.p99FlushMillis()));
        }
        table.print(out);
        out.printf("%n%,d rows committed, %,d rows failed (%,d packets) in %.1f s (%,.0f rows/s)%n",
                committed, failedRows, failedPackets, seconds, (committed + failedRows) / Math.max(seconds, 1e-9));
        out.flush();
    }
}
