package dev.fanout.cli;

import dev.fanout.api.FramePacket;
import dev.fanout.api.Schema;
import dev.fanout.core.Fanout;
import dev.fanout.core.dispatch.PacketOutcome;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.topology.Topology;
import dev.fanout.core.topology.TopologyException;
import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterSink;
import dev.fanout.dlq.DeadLetterStore;
import dev.fanout.dlq.DeadLetterStoreLockedException;
import dev.fanout.dlq.PacketJson;
import dev.fanout.dlq.TableCompaction;
import dev.fanout.dlq.TableStats;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/** {@code fanout dlq}: look at, replay, export, purge and compact what the dead-letter queue holds. */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = "Inspect, replay, export, purge and compact the dead-letter queue of a topology.",
        subcommands = {DlqCommand.ListRecords.class, DlqCommand.Show.class, DlqCommand.Replay.class,
                DlqCommand.Purge.class, DlqCommand.Export.class, DlqCommand.Compact.class})
final class DlqCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    /**
     * Required by every subcommand, checked there ({@link #topology}) rather than by picocli, so that
     * {@code fanout dlq} alone can list the subcommands instead of asking for it.
     */
    @Option(names = {"-t", "--topology"}, scope = picocli.CommandLine.ScopeType.INHERIT,
            paramLabel = "FILE", description = "The topology YAML file, required by every subcommand; its dlq.path is the store.")
    private Path topologyFile;

    /** {@code fanout dlq} without a subcommand: its usage, which lists them, on standard error; exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("fanout dlq: name a subcommand");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }

    private Topology topology(WriterRegistry registry) {
        if (topologyFile == null) {
            ParseResult parsed = spec.commandLine().getParseResult();
            CommandLine subcommand = parsed != null && parsed.subcommand() != null ? parsed.subcommand().commandSpec().commandLine() : spec.commandLine();
            throw new ParameterException(subcommand, "Missing required option: '--topology=FILE'");
        }
        try {
            return Fanout.check(topologyFile, registry);
        } catch (TopologyException e) {
            throw new ConfigurationProblem(e.getMessage(), e);
        }
    }

    private Path storePath(Topology topology) {
        return topology.dlqPath().orElseThrow(() -> new ConfigurationProblem(topologyFile
                + " has no dead-letter queue: add dlq: { path: data/dlq } to it"));
    }

    private DeadLetterStore openReadOnly() throws IOException {
        return DeadLetterStore.openReadOnly(storePath(topology(InstalledPlugins.registry())));
    }

    /**
     * One line per table, then the top reasons of each table below the table, each on its own line
     * with the room it needs: a reason's cause (DuckDB's "No space left on device", the client's
     * "Connection refused") comes at the end of the message, so a reason cut to a column's width
     * would lose exactly it.
     */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Per table: records, rows, oldest and newest failure, top reasons.")
    static final class ListRecords implements Callable<Integer> {
        @ParentCommand
        private DlqCommand dlq;
        @Spec
        private CommandSpec spec;
        @Option(names = "--table", paramLabel = "NAME", description = "Only this table.")
        private String table;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            try (DeadLetterStore store = dlq.openReadOnly()) {
                TextTable t = new TextTable("table", "records", "rows", "oldest failure", "newest failure");
                List<String[]> reasons = new ArrayList<>();
                for (String name : store.tables()) {
                    if (table != null && !table.equals(name)) {
                        continue;
                    }
                    TableStats s = store.stats(name);
                    if (s.count() == 0) {
                        continue;
                    }
                    t.row(name, String.format("%,d", s.count()), String.format("%,d", s.rows()), s.oldestFailure(), s.newestFailure());
                    boolean first = true;
                    for (TableStats.Reason r : s.topReasons(3)) {
                        reasons.add(new String[] {first ? name : "", r.count() + "x", reason(name, r.errorClass(), r.example())});
                        first = false;
                    }
                    if (s.corruptBytes() > 0) {
                        spec.commandLine().getErr().printf("table %s: %,d damaged bytes skipped in %s%n", name, s.corruptBytes(), store.directory());
                    }
                }
                t.print(out);
                printReasons(out, reasons);
            }
            return ExitCode.OK;
        }

        /** {@code top reasons:}, then one indented line per reason: table (on its first reason only), count, reason. */
        private static void printReasons(PrintWriter out, List<String[]> reasons) {
            if (reasons.isEmpty()) {
                return;
            }
            int tableWidth = reasons.stream().mapToInt(r -> r[0].length()).max().orElse(0);
            int countWidth = reasons.stream().mapToInt(r -> r[1].length()).max().orElse(0);
            out.println();
            out.println("top reasons:");
            for (String[] r : reasons) {
                out.println("  " + r[0] + " ".repeat(tableWidth - r[0].length()) + "  " + " ".repeat(countWidth - r[1].length()) + r[1]
                        + "  " + r[2]);
            }
            out.flush();
        }
    }

    /** A reason longer than this keeps its first {@value #REASON_HEAD} characters and its end, where the cause is. */
    static final int MAX_REASON = 240;
    static final int REASON_HEAD = 80;

    /**
     * What {@code dlq list} shows of a dead letter's {@code message} on {@code table}: on one line,
     * without what the list already says — {@code WriteException} (the usual error class; any other
     * is named), the word {@code destination} before the destination's name, and {@code table
     * <table>:} — and, when longer than {@value #MAX_REASON} characters, cut in the middle so that its
     * beginning (what failed) and its end (the cause) both stay.
     */
    static String reason(String table, String errorClass, String message) {
        String text = message == null ? "(no message)" : message.replaceAll("\\s*\\R\\s*", " ").strip();
        if (text.startsWith("destination ")) {
            text = text.substring("destination ".length());
            int colon = text.indexOf(": ");
            String onTable = "table " + table + ": ";
            if (colon > 0 && text.startsWith(onTable, colon + 2)) {
                text = text.substring(0, colon + 2) + text.substring(colon + 2 + onTable.length());
            }
        }
        if (errorClass != null && !errorClass.isEmpty() && !errorClass.equals("WriteException")) {
            text = errorClass + ": " + text;
        }
        if (text.length() <= MAX_REASON) {
            return text;
        }
        String gap = " … ";
        return text.substring(0, REASON_HEAD).stripTrailing() + gap + text.substring(text.length() - (MAX_REASON - REASON_HEAD - gap.length())).stripLeading();
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One record, with its rows as a table.")
    static final class Show implements Callable<Integer> {
        @ParentCommand
        private DlqCommand dlq;
        @Spec
        private CommandSpec spec;
        @Option(names = "--id", required = true, paramLabel = "ID", description = "The record id, as dlq list or ingest print it.")
        private String id;
        @Option(names = "--max-rows", defaultValue = "50", paramLabel = "N", description = "Rows to show (default: ${DEFAULT-VALUE}).")
        private int maxRows;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            try (DeadLetterStore store = dlq.openReadOnly()) {
                Optional<DeadLetter> found = store.find(id);
                if (found.isEmpty()) {
                    spec.commandLine().getErr().println("no dead letter with id " + id + " in " + store.directory()
                            + "; fanout dlq list shows what is there");
                    return ExitCode.FAILED;
                }
                DeadLetter d = found.get();
                FramePacket p = d.packet();
                out.printf("id            %s%ntable         %s%ndestination   %s%nerror         %s: %s%nretryable     %s%n"
                                + "attempts      %d%nfirst failure %s%nlast failure  %s%npacket        %s, version %d, %,d rows%nschema        %s%n%n",
                        d.id(), d.table(), d.destination() == null ? "(none: failed before routing)" : d.destination(),
                        d.errorClass(), d.message(), d.retryable(), d.attempts(), d.firstFailureAt(), d.lastFailureAt(),
                        p.packetId(), p.version(), p.rowCount(), p.schema());
                Schema schema = p.schema();
                String[] header = new String[schema.width()];
                for (int c = 0; c < header.length; c++) {
                    header[c] = schema.column(c).name();
                }
                TextTable t = new TextTable(header);
                for (int r = 0; r < Math.min(maxRows, p.rowCount()); r++) {
                    Object[] cells = new Object[header.length];
                    for (int c = 0; c < cells.length; c++) {
                        cells[c] = render(p.value(r, c));
                    }
                    t.row(cells);
                }
                t.print(out);
                if (p.rowCount() > maxRows) {
                    out.printf("… %,d more rows (--max-rows)%n", p.rowCount() - maxRows);
                }
            }
            return ExitCode.OK;
        }
    }

    /**
     * Sends records through the current topology. A record leaves the store only when everything it
     * holds committed; rows that fail again stay, with one more attempt.
     */
    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Write dead letters through the current topology; a record leaves the queue only once its write committed.")
    static final class Replay implements Callable<Integer> {
        @ParentCommand
        private DlqCommand dlq;
        @Spec
        private CommandSpec spec;
        @Option(names = "--table", paramLabel = "NAME", description = "Only this table's records.")
        private String table;
        @Option(names = "--id", paramLabel = "ID", description = "Only this record.")
        private String id;
        @Option(names = "--require-all-destinations", description = "Open every destination first; if one does not open, "
                + "replay nothing and exit 2 naming it. By default its records stay parked, with one more attempt.")
        private boolean requireAllDestinations;
        @Mixin
        private ProgressOptions progress = new ProgressOptions();

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            WriterRegistry registry = InstalledPlugins.registry();
            Topology topology = dlq.topology(registry);
            try (DeadLetterStore store = DeadLetterStores.open(dlq.storePath(topology))) {
                List<DeadLetter> selected = select(store);
                if (selected.isEmpty()) {
                    out.println("nothing to replay in " + store.directory());
                    return id != null ? ExitCode.FAILED : ExitCode.OK;
                }
                Map<String, DeadLetter> byReplayId = new ConcurrentHashMap<>();
                Set<String> reparked = ConcurrentHashMap.newKeySet();
                DeadLetterSink repark = letter -> {
                    DeadLetter original = byReplayId.get(letter.packet().packetId());
                    if (original == null) {
                        store.park(letter);
                        return;
                    }
                    String recordId = reparked.add(original.id()) ? original.id() : DeadLetterStore.newId();
                    store.park(new DeadLetter(recordId, withPacketId(letter.packet(), original.packet().packetId()),
                            letter.destination(), letter.errorClass(), letter.message(), letter.retryable(),
                            original.attempts() + 1, original.firstFailureAt(), letter.lastFailureAt()));
                };
                ConcurrentLinkedQueue<String> resolveErrors = new ConcurrentLinkedQueue<>();
                long total = selected.stream().mapToLong(d -> d.packet().rowCount()).sum();
                int code;
                try (Fanout fanout = IngestCommand.start(Fanout.builder().topology(topology).registry(registry).deadLetters(repark)
                        .requireAllDestinations(requireAllDestinations));
                     RunTally tally = RunTally.start("replay", total, progress, fanout, out)) {
                    List<CompletableFuture<Void>> resolutions = new ArrayList<>();
                    for (DeadLetter d : selected) {
                        FramePacket packet = withPacketId(d.packet(), d.id());
                        byReplayId.put(d.id(), d);
                        CompletableFuture<PacketOutcome> ack = fanout.submit(packet);
                        tally.track(packet, ack, "dead letter " + d.id());
                        resolutions.add(ack.thenAccept(outcome -> {
                            if (outcome.isCommitted()) {
                                try {
                                    store.resolve(d.table(), d.id());
                                } catch (IOException e) {
                                    resolveErrors.add(d.id() + ": " + e.getMessage());
                                }
                            }
                        }));
                    }
                    fanout.flush();
                    CompletableFuture.allOf(resolutions.toArray(CompletableFuture[]::new)).join();
                    tally.printSummary(out, fanout.summary());
                    resolveErrors.forEach(e -> spec.commandLine().getErr().println("committed but still listed (replay again is harmless): " + e));
                    if (!tally.allCommitted()) {
                        tally.printProblems(spec.commandLine().getErr());
                        code = ExitCode.FAILED;
                    } else {
                        code = resolveErrors.isEmpty() ? ExitCode.OK : ExitCode.FAILED;
                    }
                }
                removeEmptied(store, selected.stream().map(DeadLetter::table).distinct().sorted().toList(), out);
                return code;
            }
        }

        /**
         * Removes the file of each replayed table that has no live dead letter left, so a store that a
         * replay emptied does not keep the space of everything it once held. A failure here changes
         * nothing that was replayed; it is reported and {@code fanout dlq compact} does it later.
         */
        private void removeEmptied(DeadLetterStore store, List<String> tables, PrintWriter out) {
            List<String> removed = new ArrayList<>();
            for (String t : tables) {
                try {
                    store.compactIfEmpty(t).ifPresent(c -> removed.add(t));
                } catch (IOException e) {
                    spec.commandLine().getErr().printf("table %s: replayed, but its emptied dead-letter file could not be removed: %s;"
                            + " fanout dlq compact removes it later%n", t, e.getMessage());
                }
            }
            if (!removed.isEmpty()) {
                out.printf(removed.size() == 1 ? "every dead letter of table %s replayed; its file in %s is removed%n"
                        : "every dead letter of tables %s replayed; their files in %s are removed%n", String.join(", ", removed), store.directory());
            }
            out.flush();
        }

        private List<DeadLetter> select(DeadLetterStore store) throws IOException {
            if (id != null) {
                return store.find(id).filter(d -> table == null || table.equals(d.table())).stream().toList();
            }
            List<DeadLetter> all = new ArrayList<>();
            for (String t : store.tables()) {
                if (table == null || table.equals(t)) {
                    all.addAll(store.records(t));
                }
            }
            return all;
        }
    }

    @Command(name = "purge", mixinStandardHelpOptions = true, description = "Delete every dead letter of one table.")
    static final class Purge implements Callable<Integer> {
        @ParentCommand
        private DlqCommand dlq;
        @Spec
        private CommandSpec spec;
        @Option(names = "--table", required = true, paramLabel = "NAME", description = "The table whose dead letters go.")
        private String table;
        @Option(names = "--yes", description = "Confirm: the rows are gone for good.")
        private boolean yes;

        @Override
        public Integer call() throws IOException {
            Topology topology = dlq.topology(InstalledPlugins.registry());
            try (DeadLetterStore store = DeadLetterStores.open(dlq.storePath(topology))) {
                int count = store.stats(table).count();
                if (!yes) {
                    throw new ConfigurationProblem("refusing to delete " + count + " dead letters of table " + table
                            + " without --yes; fanout dlq export saves them first");
                }
                store.purge(table);
                spec.commandLine().getOut().printf("purged %,d dead letters of table %s%n", count, table);
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write one table's dead letters as newline-delimited JSON packets that `fanout ingest --packets` takes back.")
    static final class Export implements Callable<Integer> {
        @ParentCommand
        private DlqCommand dlq;
        @Spec
        private CommandSpec spec;
        @Option(names = "--table", required = true, paramLabel = "NAME", description = "The table to export.")
        private String table;
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The NDJSON file to write.")
        private Path outFile;

        @Override
        public Integer call() throws IOException {
            int n = 0;
            try (DeadLetterStore store = dlq.openReadOnly(); BufferedWriter w = Files.newBufferedWriter(outFile)) {
                for (DeadLetter d : store.records(table)) {
                    PacketJson.write(d.packet(), w);
                    n++;
                }
            }
            spec.commandLine().getOut().printf("exported %,d packets of table %s to %s%n", n, table, outFile);
            return ExitCode.OK;
        }
    }

    /**
     * Rewrites the store's files to their live records: what replays resolved, superseded attempts
     * and tombstones give their space back. Holds the store's lock throughout, so it refuses to run
     * while an ingest or replay writes the store; readers ({@code list}, {@code show}, {@code export})
     * see each file before or after, whole. A kill at any moment loses nothing (see
     * {@link DeadLetterStore#compact}).
     */
    @Command(name = "compact", mixinStandardHelpOptions = true,
            description = "Rewrite the store's files to their live records; replayed and superseded records give their space back.")
    static final class Compact implements Callable<Integer> {
        @ParentCommand
        private DlqCommand dlq;
        @Spec
        private CommandSpec spec;
        @Option(names = "--table", paramLabel = "NAME", description = "Only this table's file.")
        private String table;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            Path path = dlq.storePath(dlq.topology(InstalledPlugins.registry()));
            DeadLetterStore opened;
            try {
                opened = DeadLetterStore.open(path);
            } catch (DeadLetterStoreLockedException e) {
                throw new ConfigurationProblem("cannot compact now, nothing was changed: " + e.getMessage()
                        + ". Run fanout dlq compact once that process has finished", e);
            }
            try (DeadLetterStore store = opened) {
                List<String> tables = table == null ? store.tables() : store.tables().stream().filter(table::equals).toList();
                if (tables.isEmpty()) {
                    out.println(table == null ? "nothing to compact in " + store.directory()
                            : "table " + table + " has no dead-letter file in " + store.directory() + "; nothing to compact");
                    return ExitCode.OK;
                }
                TextTable t = new TextTable("table", "records before", "records after", "bytes before", "bytes after", "file");
                long recordsBefore = 0;
                long recordsAfter = 0;
                long bytesBefore = 0;
                long bytesAfter = 0;
                for (String name : tables) {
                    TableCompaction c = store.compact(name);
                    t.row(name, String.format("%,d", c.recordsBefore()), String.format("%,d", c.recordsAfter()),
                            String.format("%,d", c.bytesBefore()), String.format("%,d", c.bytesAfter()),
                            c.removed() ? "removed" : "rewritten");
                    if (c.droppedBytes() > 0) {
                        spec.commandLine().getErr().printf("table %s: %,d unreadable bytes not copied (damage, or a write cut short"
                                + " by a crash; never an acknowledged record that could be read)%n", name, c.droppedBytes());
                    }
                    recordsBefore += c.recordsBefore();
                    recordsAfter += c.recordsAfter();
                    bytesBefore += c.bytesBefore();
                    bytesAfter += c.bytesAfter();
                }
                t.print(out);
                out.printf("compacted %,d %s in %s: %,d → %,d records, %,d → %,d bytes (%,d bytes reclaimed)%n",
                        tables.size(), tables.size() == 1 ? "table" : "tables", store.directory(), recordsBefore, recordsAfter,
                        bytesBefore, bytesAfter, bytesBefore - bytesAfter);
                out.flush();
            }
            return ExitCode.OK;
        }
    }

    /** The same rows under another packet id, version and everything else kept. */
    static FramePacket withPacketId(FramePacket p, String packetId) {
        FramePacket.Builder b = FramePacket.builder(p.table(), p.schema()).version(p.version()).packetId(packetId);
        p.domain().ifPresent(b::domain);
        for (int r = 0; r < p.rowCount(); r++) {
            b.addRow(p.row(r));
        }
        return b.build();
    }

    private static Object render(Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof byte[] bytes) {
            return "0x" + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 32)) + (bytes.length > 32 ? "…" : "");
        }
        if (v instanceof Instant i) {
            return i.toString();
        }
        return abbreviate(v.toString(), 60);
    }

    private static String abbreviate(String s, int max) {
        String oneLine = s.replace('\n', ' ');
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 1) + "…";
    }
}
