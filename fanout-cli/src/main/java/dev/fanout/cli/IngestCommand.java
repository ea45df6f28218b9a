package dev.fanout.cli;

import dev.fanout.api.FramePacket;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.Schema;
import dev.fanout.dlq.DeadLetterStore;
import dev.fanout.dlq.PacketJson;
import java.util.stream.Stream;
import dev.fanout.cli.input.RowFileException;
import dev.fanout.cli.input.RowFileReader;
import dev.fanout.core.Fanout;
import dev.fanout.core.dispatch.DispatcherStartException;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.topology.TableSpec;
import dev.fanout.core.topology.Topology;
import dev.fanout.core.topology.TopologyException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code fanout ingest}: reads row files through DuckDB's readers, submits them as packets in file
 * and row order through the topology, and prints what each destination committed. Each table is
 * read and submitted by its own thread, so a destination that is slow or full holds back only the
 * tables routed to it; the files of one table are read one after another, in the order given.
 * Tables whose names differ only by case ({@code Trades}, {@code trades}) share one thread, their
 * files read in the order given: where a destination cannot tell them apart, the table of the
 * earlier file is the one written and the other is refused, the same way in every run.
 *
 * <p>A row file is a unit, like a destination: each is read through to its end before the run starts
 * ({@link RowFileReader#describe}), and one that cannot be read — a malformed CSV line, an empty file,
 * a header naming a column twice — is refused whole: none of its rows is submitted, the other files go on, and the
 * summary lists it with the reason; the run exits 1.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Upsert CSV, TSV, Parquet or newline-delimited JSON files through a topology.")
final class IngestCommand implements Callable<Integer> {

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

    @Mixin
    private ProgressOptions progress = new ProgressOptions();

    @Option(names = "--require-all-destinations", description = "Open every destination before the first row moves; if one "
            + "does not open, write nothing and exit 2 naming it. By default such a destination is retried and its rows parked "
            + "in the dead-letter queue while the others write.")
    private boolean requireAllDestinations;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "Row files: .csv, .tsv, .parquet, .ndjson, .jsonl (optionally .gz).")
    private List<Path> files = List.of();

    @Option(names = "--packets", paramLabel = "FILE", description = "Packets as newline-delimited JSON, as `fanout dlq export` writes them; "
            + "each keeps its table, schema, key, version and id.")
    private List<Path> packetFiles = List.of();

    /** A file to submit; a file of a header and no rows has no schema (its columns are all text) and submits nothing. */
    private record Input(RowFileReader.FileShape shape, String table, Schema schema) {
        Path file() {
            return shape.file();
        }

        long rows() {
            return shape.rows();
        }
    }

    /** A file refused before the run, with the reason. */
    private record Refusal(Path file, String reason) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (packetRows < 1) {
            throw new ConfigurationProblem("--packet-rows must be at least 1");
        }
        if (files.isEmpty() && packetFiles.isEmpty()) {
            throw new ConfigurationProblem("nothing to ingest: name row files, or packet files with --packets");
        }
        for (Path f : files) {
            try {
                RowFileReader.requireRowFile(f);
            } catch (RowFileException e) {
                throw new ConfigurationProblem(e.getMessage(), e);
            }
        }
        for (Path p : packetFiles) {
            if (!Files.isReadable(p)) {
                throw new ConfigurationProblem(p + ": no such file, or not readable");
            }
        }
        WriterRegistry registry = InstalledPlugins.registry();
        Topology topology;
        try {
            topology = Fanout.check(topologyFile, registry);
        } catch (TopologyException e) {
            throw new ConfigurationProblem(e.getMessage(), e);
        }
        List<Input> inputs = new ArrayList<>();
        List<Refusal> refused = new ArrayList<>();
        try (RowFileReader reader = new RowFileReader()) {
            plan(topology, reader, inputs, refused);
        }
        Map<String, List<Input>> byTable = new LinkedHashMap<>();
        inputs.forEach(i -> byTable.computeIfAbsent(IdentifierComparison.CASE_INSENSITIVE.key(i.table()), t -> new ArrayList<>()).add(i));
        long total = inputs.stream().mapToLong(Input::rows).sum();
        try (DeadLetterStore deadLetters = DeadLetterStores.openFor(topology);
             Fanout fanout = start(DeadLetterStores.withSink(Fanout.builder().topology(topology).registry(registry), deadLetters)
                     .requireAllDestinations(requireAllDestinations));
             RunTally tally = RunTally.start("ingest", total, progress, fanout, out)) {
            refused.forEach(r -> tally.refuse(r.file(), r.reason()));
            ExecutorService readers = Executors.newFixedThreadPool(Math.max(1, byTable.size() + packetFiles.size()),
                    r -> new Thread(r, "fanout-reader"));
            List<Future<?>> done = new ArrayList<>();
            for (List<Input> tableInputs : byTable.values()) {
                done.add(readers.submit(() -> submitInOrder(tableInputs, fanout, tally, out)));
            }
            for (Path packets : packetFiles) {
                done.add(readers.submit(() -> submitPackets(packets, fanout, tally)));
            }
            readers.shutdown();
            Exception readFailure = null;
            for (Future<?> f : done) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    readFailure = readFailure == null && e.getCause() instanceof Exception c ? c : readFailure;
                }
            }
            fanout.flush();
            tally.printSummary(out, fanout.summary());
            printTargets(out, topology, registry);
            if (readFailure != null) {
                throw readFailure;
            }
            if (!tally.allCommitted() || tally.anyRefused()) {
                tally.printProblems(spec.commandLine().getErr());
                if (tally.parkedAny()) {
                    spec.commandLine().getErr().printf("parked rows: fanout dlq list --topology %s, then fanout dlq replay once the cause is fixed%n",
                            topologyFile);
                }
                return ExitCode.FAILED;
            }
            return ExitCode.OK;
        }
    }

    /**
     * {@code builder.build()}, where a destination that could not be created — or, with
     * {@code --require-all-destinations}, opened — is a configuration problem (exit 2): nothing was
     * written.
     */
    static Fanout start(Fanout.Builder builder) {
        try {
            return builder.build();
        } catch (DispatcherStartException e) {
            throw new ConfigurationProblem(e.getMessage(), e);
        }
    }

    /**
     * Reads one table's files in order and submits their packets: one such thread per table, so a
     * slow or full destination holds back only the tables routed to it.
     */
    private Void submitInOrder(List<Input> tableInputs, Fanout fanout, RunTally tally, PrintWriter out) throws Exception {
        try (RowFileReader reader = new RowFileReader()) {
            for (Input input : tableInputs) {
                long[] firstRow = {1};
                if (input.schema() != null) {
                    try {
                        reader.read(input.shape(), input.schema(), input.table(), domain, packetRows, packet -> {
                            String origin = input.file() + " data rows " + firstRow[0] + "-" + (firstRow[0] + packet.rowCount() - 1);
                            firstRow[0] += packet.rowCount();
                            tally.track(packet, fanout.submit(packet), origin);
                        });
                    } catch (RowFileException e) {
                        tally.refuse(input.file(), e.getMessage() + String.format(" (it changed after it was checked? "
                                + "%,d of its rows were submitted before the failure)", firstRow[0] - 1));
                        continue;
                    }
                }
                if (!tally.drawsProgress()) {
                    synchronized (out) {
                        out.printf("submitted %s: %,d rows as table %s%n", input.file(), input.rows(), input.table());
                        out.flush();
                    }
                }
            }
        }
        return null;
    }

    private Void submitPackets(Path file, Fanout fanout, RunTally tally) throws IOException {
        try (Stream<FramePacket> packets = PacketJson.read(file)) {
            packets.forEach(p -> tally.track(p, fanout.submit(p), file + " packet " + p.packetId()));
        }
        return null;
    }

    /** Where each destination's rows are, so a first run says where to look. */
    private static void printTargets(PrintWriter out, Topology topology, WriterRegistry registry) {
        out.println("targets:");
        for (String name : topology.destinations().keySet()) {
            dev.fanout.api.Destination d = topology.destination(name, registry);
            registry.provider(d.scheme()).ifPresent(p -> out.printf("  %-12s %s%n", name, p.physicalTarget(d)));
        }
        out.flush();
    }

    /**
     * Checks every file's table, key and columns before the first row moves: a file that cannot be
     * read goes to {@code refused}, the others to {@code inputs}. A key or version column missing from
     * a file is a configuration problem (exit 2): the flags or the topology disagree with the files.
     */
    private void plan(Topology topology, RowFileReader reader, List<Input> inputs, List<Refusal> refused) {
        for (Path file : files) {
            RowFileReader.FileShape shape;
            try {
                shape = reader.describe(file);
            } catch (RowFileException e) {
                refused.add(new Refusal(file, e.getMessage() + " (none of its rows was submitted)"));
                continue;
            }
            String tableName = table != null ? table : RowFileReader.tableNameOf(file);
            Optional<TableSpec> spec = topology.table(tableName);
            List<String> key = primaryKey != null ? primaryKey : spec.map(TableSpec::primaryKey).orElse(null);
            if (key == null || key.isEmpty()) {
                throw new ConfigurationProblem(file + " feeds table '" + tableName + "', which has no primary key: pass "
                        + "--primary-key or add tables." + tableName + ".primary_key to " + topologyFile);
            }
            String version = versionColumn != null ? versionColumn : spec.flatMap(TableSpec::versionColumn).orElse(null);
            if (shape.rows() == 0) {
                requireNamed(file, tableName, shape, key, version);
                inputs.add(new Input(shape, tableName, null));
                continue;
            }
            try {
                inputs.add(new Input(shape, tableName, Schema.of(shape.columns(), key, version)));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationProblem(file + " (table " + tableName + "): " + e.getMessage(), e);
            }
        }
    }

    /**
     * For a file without rows, whose column types are unknown: its key and version columns must at
     * least be there.
     */
    private static void requireNamed(Path file, String tableName, RowFileReader.FileShape shape, List<String> key, String version) {
        List<String> names = shape.columns().stream().map(dev.fanout.api.Column::name).toList();
        List<String> wanted = new ArrayList<>(key);
        if (version != null) {
            wanted.add(version);
        }
        for (String column : wanted) {
            if (!names.contains(column)) {
                throw new ConfigurationProblem(file + " (table " + tableName + "): " + (key.contains(column) ? "primary key" : "version")
                        + " column '" + column + "' is not among the columns " + names + " of its header");
            }
        }
    }

}
