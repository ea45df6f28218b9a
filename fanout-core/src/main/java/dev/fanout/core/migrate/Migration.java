package dev.fanout.core.migrate;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.RowExport;
import dev.fanout.api.RowFilter;
import dev.fanout.api.RowLoad;
import dev.fanout.api.SameEngineCopy;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import dev.fanout.core.TargetClaims;
import dev.fanout.core.WriterFailures;
import dev.fanout.core.dispatch.RetryPolicy;
import dev.fanout.core.dispatch.Sleeper;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.topology.TableSpec;
import dev.fanout.core.topology.Topology;
import dev.fanout.core.topology.TopologyValidator;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ServiceConfigurationError;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Moves the stored rows that a topology change sends elsewhere: for each {@link Move}, scans the
 * source in key order ({@link TableReader#scan}, in batches), writes each batch through the target's
 * own writer — the same version-guarded upsert as ingest, each row keeping its stored version, with
 * the TO topology's table options and retry policy — then verifies the part at both ends
 * ({@link Verification}) and, when asked, deletes it at the source, only once it verified.
 *
 * <p><b>Inside the engine.</b> When source and target are destinations of one plugin that declares
 * {@link Capability#COPY_FROM_SAME_ENGINE}, the target's writer copies and compares the rows itself
 * ({@link SameEngineCopy}) when it {@link SameEngineCopy#reaches reaches} the source (ClickHouse:
 * the same server), in ranges of {@link #rangeRows} keys, with the same guarantees; this
 * migration's own writer of the source is closed first, and the source is opened again only to
 * delete. A retryable failure there is not retried within the run: the next run resumes.
 *
 * <p><b>As a row stream.</b> When the source's plugin declares {@link Capability#EXPORT_ROWS} and the
 * target's {@link Capability#LOAD_ROWS} (a DuckDB file to ClickHouse), no row becomes a Java object:
 * in ranges of {@link #rangeRows} keys, the source's {@link RowExport} writes a range as bytes on a
 * thread of its own while the target's {@link RowLoad} upserts them, through a bounded
 * {@link RowPipe}; each range is then checkpointed at its last key. A retryable failure of a range
 * is tried again, the whole range, with the TO topology's retry policy. Verification is a streamed
 * move's.
 *
 * <p><b>Resumable.</b> After every committed batch (or range) the move's {@link Checkpoint} (last
 * copied key) is stored durably; a new run continues after that key, and a finished move is only
 * verified again. Upserts make the overlap of a crash between a commit and its checkpoint harmless.
 *
 * <p><b>One writer per target.</b> Each physical target involved — as a source, a target or both — is
 * opened once, through its plugin, and so takes its lock (a DuckDB file held by an ingest process is
 * refused with that process's PID). A local file that does not exist is a source with no rows and is
 * not created. A writer is claimed in {@link TargetClaims} by what it tells of its target, so a
 * source and a target that are one file under two names (a hard link) are refused, not copied onto
 * themselves and then deleted. Moves run one after another on the calling thread; each scan runs on a thread of its
 * own, so no writer is ever used by two threads at once.
 *
 * <p>Not thread-safe. Close it to close every writer it opened.
 */
public final class Migration implements AutoCloseable {

    /** Receives progress; called on the migrating thread. */
    public interface Progress {
        Progress SILENT = new Progress() {
        };

        /** A batch of {@code move} committed at the target; {@code copiedInAll} counts every run. */
        default void copied(Move move, long copiedInAll) {
        }

        /** {@code move} is finished: copied, verified, perhaps deleted at the source, or failed. */
        default void finished(MoveResult result) {
        }
    }

    /** A source with no rows: a local file that does not exist yet. */
    private static final TableReader NOTHING = new TableReader() {
        @Override
        public List<String> tables() {
            return List.of();
        }

        @Override
        public Optional<Schema> schema(String table) {
            return Optional.empty();
        }

        @Override
        public long count(String table, RowFilter rows) {
            return 0;
        }

        @Override
        public void scan(String table, RowFilter rows, Optional<List<Object>> afterKey, int batchRows, PacketSink sink) {
        }

        @Override
        public long delete(String table, RowFilter rows) {
            return 0;
        }
    };

    private final Topology from;
    private final Topology to;
    private final WriterRegistry registry;
    /** Rows per transaction of a copy inside the engine, {@link #DEFAULT_RANGE_ROWS} unless set. */
    public static final int DEFAULT_RANGE_ROWS = 1_000_000;

    private final int batchRows;
    private int rangeRows = DEFAULT_RANGE_ROWS;
    private final RetryPolicy retry;
    private final Sleeper sleeper;
    private final Map<String, Endpoint> endpoints = new HashMap<>();
    /**
     * Who holds each physical target's claim, by the name-based identity: kept when an endpoint's
     * writer is closed for a copy inside the engine (the engine still reaches that file) and reused when
     * it is reopened, so the target stays claimed by this migration until {@link #close()}.
     */
    private final Map<String, TargetClaims.Holder> holders = new HashMap<>();
    /** What a source whose plugin cannot read means for the caller. */
    private String unreadableSource = "so it cannot be a migration source";

    private Migration(Topology from, Topology to, WriterRegistry registry, int batchRows, Sleeper sleeper) {
        this.from = Objects.requireNonNull(from, "from is null");
        this.to = Objects.requireNonNull(to, "to is null");
        this.registry = Objects.requireNonNull(registry, "registry is null");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper is null");
        if (batchRows < 1) {
            throw new IllegalArgumentException("batch rows must be at least 1, got " + batchRows);
        }
        this.batchRows = batchRows;
        this.retry = to.retry();
    }

    /**
     * A migration from {@code from} to {@code to} (both checked topologies) moving {@code batchRows}
     * rows per batch. Opens nothing until asked.
     */
    public static Migration between(Topology from, Topology to, WriterRegistry registry, int batchRows) {
        return new Migration(from, to, registry, batchRows, Sleeper.SYSTEM);
    }

    /**
     * A migration from {@code topology} to itself, which has no moves: what reads the rows its
     * destinations store now ({@link #storedTables}, {@link #count(String, String, RowFilter)},
     * {@link #scan}), each physical target opened once, a missing local file not created.
     */
    public static Migration reading(Topology topology, WriterRegistry registry) {
        Migration reading = new Migration(topology, topology, registry, 1, Sleeper.SYSTEM);
        reading.unreadableSource = "so fanout cannot show what it stores";
        return reading;
    }

    /** The same, waiting between retries with {@code sleeper}. */
    public static Migration between(Topology from, Topology to, WriterRegistry registry, int batchRows, Sleeper sleeper) {
        return new Migration(from, to, registry, batchRows, sleeper);
    }

    /**
     * Sets the rows of each range a copy inside the engine ({@link SameEngineCopy.Attached#copyRange})
     * or as a row stream ({@link RowExport#export}) commits and checkpoints at once: larger ranges let
     * the engine work on several cores and cost fewer commits; a killed run copies at most one range again.
     */
    public Migration rangeRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("range rows must be at least 1, got " + rows);
        }
        this.rangeRows = rows;
        return this;
    }

    /**
     * The moves of {@code tables}, or, when empty, of every table: those the topologies name, and
     * those stored at each source a named table moves from and at FROM's default destination when
     * the default moves. Opens those sources to list their tables (a source that cannot be opened is
     * reported by the moves that need it).
     */
    public List<Move> moves(Collection<String> tables) {
        if (!tables.isEmpty()) {
            return MigrationPlan.moves(from, to, tables, registry);
        }
        Set<String> names = new LinkedHashSet<>(MigrationPlan.namedTables(from, to));
        Set<String> sources = new LinkedHashSet<>();
        MigrationPlan.moves(from, to, names, registry).forEach(m -> sources.add(m.fromDestination()));
        from.defaultDestination().ifPresent(d -> {
            Optional<String> target = to.defaultDestination().map(n -> MigrationPlan.target(to, n, registry));
            if (!target.equals(Optional.of(MigrationPlan.target(from, d, registry)))) {
                sources.add(d);
            }
        });
        for (String source : sources) {
            if (!provider(from.destination(source, registry)).capabilities().contains(Capability.READ)) {
                continue;
            }
            try {
                names.addAll(reader(from, source, true).tables());
            } catch (MoveFailure | WriteException | MigrationException e) {
                // the moves reading this source report it
            }
        }
        return MigrationPlan.moves(from, to, names, registry);
    }

    /**
     * Refuses moves whose source or target plugin cannot read ({@link Capability#READ}): a source
     * must be scanned, a target read back to verify. Nothing is opened.
     *
     * @throws MigrationException naming the destination and its scheme
     */
    public void checkReadable(List<Move> moves) {
        for (Move m : moves) {
            requireRead(from, m.fromDestination(), "so it cannot be a migration source");
            requireRead(to, m.toDestination(), "so fanout cannot verify what it copies there");
        }
    }

    private void requireRead(Topology topology, String name, String consequence) {
        Destination d = topology.destination(name, registry);
        if (!provider(d).capabilities().contains(Capability.READ)) {
            throw new MigrationException(unreadable(d, consequence));
        }
    }

    private static String unreadable(Destination d, String consequence) {
        return "destination " + d.name() + " (" + d.scheme() + ") cannot be read, " + consequence;
    }

    /** The rows of {@code move} at its source, or why they cannot be counted. */
    public SourceCount count(Move move) {
        return count(move.fromDestination(), move.table(), move.filter(), move.toDestination());
    }

    /**
     * The rows of {@code table} inside {@code rows} stored at FROM's destination {@code source}, or why
     * they cannot be counted (secrets masked) — how {@code plan}, {@code migrate --dry-run} and
     * {@code tables} count.
     */
    public SourceCount count(String source, String table, RowFilter rows) {
        return count(source, table, rows, null);
    }

    private SourceCount count(String source, String table, RowFilter rows, String target) {
        try {
            return SourceCount.of(reader(from, source, true).count(table, rows));
        } catch (MoveFailure e) {
            return SourceCount.unavailable(e.getMessage());
        } catch (WriteException | RuntimeException | LinkageError | ServiceConfigurationError e) {
            return SourceCount.unavailable(redact(why(e), source, target));
        }
    }

    /**
     * The tables stored at FROM's destination {@code source} (none for a local file that does not exist).
     *
     * @throws MigrationException naming the destination and why it cannot be read, secrets masked
     */
    public List<String> storedTables(String source) {
        try {
            return reader(from, source, true).tables();
        } catch (MoveFailure e) {
            throw new MigrationException(e.getMessage());
        } catch (WriteException | RuntimeException | LinkageError | ServiceConfigurationError e) {
            throw new MigrationException("destination " + source + ": " + redact(why(e), source, null));
        }
    }

    /**
     * Streams the rows of {@code table} inside {@code rows} stored at FROM's destination {@code source}
     * in primary-key order, on the calling thread, through its writer's reader ({@code FINAL} on
     * ClickHouse). Stops when {@code sink} returns false.
     *
     * @throws MigrationException naming the destination and why it cannot be read, secrets masked
     */
    public void scan(String source, String table, RowFilter rows, int batchRows, TableReader.PacketSink sink) {
        try {
            reader(from, source, true).scan(table, rows, Optional.empty(), batchRows, sink);
        } catch (MoveFailure e) {
            throw new MigrationException(e.getMessage());
        } catch (WriteException | RuntimeException | LinkageError | ServiceConfigurationError e) {
            throw new MigrationException("destination " + source + ": " + redact(why(e), source, null));
        }
    }

    /**
     * Copies, verifies and (with {@code deleteSource}) deletes each move in turn, keeping checkpoints
     * in {@code checkpoints}. A move that fails does not stop the others.
     */
    public List<MoveResult> run(List<Move> moves, CheckpointStore checkpoints, boolean deleteSource, Progress progress) {
        Objects.requireNonNull(checkpoints, "checkpoints is null");
        Objects.requireNonNull(progress, "progress is null");
        List<MoveResult> results = new ArrayList<>();
        for (Move move : moves) {
            MoveResult result = new MoveRun(move, checkpoints, progress).run(deleteSource);
            progress.finished(result);
            results.add(result);
        }
        return List.copyOf(results);
    }

    /** One move's copy, verification and deletion, with its checkpoint. */
    private final class MoveRun {
        private final Move move;
        private final CheckpointStore checkpoints;
        private final Progress progress;
        private Checkpoint checkpoint;
        private final boolean resumed;
        /** Why the earlier checkpoint cannot be used (unreadable, another move's); null when it can. */
        private final String unusableCheckpoint;
        private long copiedNow;

        MoveRun(Move move, CheckpointStore checkpoints, Progress progress) {
            this.move = move;
            this.checkpoints = checkpoints;
            this.progress = progress;
            Optional<Checkpoint> earlier = Optional.empty();
            String problem = null;
            try {
                earlier = checkpoints.load(move);
            } catch (IllegalStateException | UncheckedIOException e) {
                problem = e.getMessage();
            }
            this.unusableCheckpoint = problem;
            this.checkpoint = earlier.orElseGet(() -> Checkpoint.start(move));
            this.resumed = earlier.isPresent();
        }

        MoveResult run(boolean deleteSource) {
            if (unusableCheckpoint != null) {
                return MoveResult.failed(move, 0, 0, false, unusableCheckpoint, MoveResult.CopyPath.STREAMED);
            }
            MoveResult.CopyPath path = MoveResult.CopyPath.STREAMED;
            String step = "opening";
            try {
                Verification verification;
                if (sameEngine()) {
                    path = MoveResult.CopyPath.IN_ENGINE;
                    verification = copyAndVerifyInEngine();
                } else {
                    TableReader source = reader(from, move.fromDestination(), true);
                    Endpoint targetEndpoint = endpoint(to, move.toDestination(), false);
                    BaseWriter target = targetEndpoint.opened();
                    TableReader targetReader = target.reader().orElseThrow(() ->
                            new MoveFailure(unreadable(targetEndpoint.destination, "so fanout cannot verify what it copies there")));
                    Optional<RowExport> export = rowExport(source);
                    Optional<RowLoad> load = export.isPresent() ? target.rowLoad() : Optional.empty();
                    if (load.isPresent()) {
                        path = MoveResult.CopyPath.ROW_STREAM;
                    }
                    if (!checkpoint.done()) {
                        step = "copying";
                        Optional<Schema> schema = source.schema(move.table());
                        if (schema.isPresent() && load.isPresent()) {
                            copyRowStream(export.get(), load.get(), schema.get());
                        } else if (schema.isPresent()) {
                            copy(source, target, schema.get());
                        }
                        checkpoint = checkpoint.finished();
                        checkpoints.save(move, checkpoint);
                    }
                    step = "verifying";
                    verification = Verifier.verify(move.table(), move.filter(), source, targetReader, batchRows);
                }
                checkpoint = verification.passed() ? checkpoint.passedVerification() : Checkpoint.start(move);
                checkpoints.save(move, checkpoint);
                long deleted = 0;
                if (deleteSource && verification.passed() && verification.sourceRows() > 0) {
                    step = "deleting at the source";
                    deleted = reader(from, move.fromDestination(), true).delete(move.table(), move.filter());
                    checkpoint = checkpoint.deleted();
                    checkpoints.save(move, checkpoint);
                }
                return new MoveResult(move, copiedNow, checkpoint.copiedRows(), resumed, Optional.of(verification), deleted,
                        verification.passed() ? Optional.empty() : Optional.of(verification.mismatched()
                                + " source rows are missing at the target or differ there; the move's checkpoint was reset,"
                                + " so the next migrate copies it again"), path);
            } catch (MoveFailure e) {
                return MoveResult.failed(move, copiedNow, checkpoint.copiedRows(), resumed, e.getMessage(), path);
            } catch (InEngineFailure e) {
                return MoveResult.failed(move, copiedNow, checkpoint.copiedRows(), resumed, e.step + ": " + redact(why(e.getCause()), move),
                        path);
            } catch (WriteException | RuntimeException | LinkageError | ServiceConfigurationError e) {
                return MoveResult.failed(move, copiedNow, checkpoint.copiedRows(), resumed, step + ": " + redact(why(e), move), path);
            }
        }

        /**
         * The source's row export, when its plugin declares {@link Capability#EXPORT_ROWS} and the
         * target's {@link Capability#LOAD_ROWS}; empty otherwise (a source file that does not exist
         * included), and the move is scanned.
         */
        private Optional<RowExport> rowExport(TableReader source) {
            Destination s = from.destination(move.fromDestination(), registry);
            Destination t = to.destination(move.toDestination(), registry);
            if (!provider(s).capabilities().contains(Capability.EXPORT_ROWS) || !provider(t).capabilities().contains(Capability.LOAD_ROWS)) {
                return Optional.empty();
            }
            return source.rowExport();
        }

        /**
         * The move as row streams ({@link RowExport}, {@link RowLoad}), in ranges of {@link #rangeRows}
         * keys after the checkpoint: each range exported on a thread of its own while the target loads
         * it, then checkpointed at its last key. A retryable failure of a range is tried again, the
         * whole range, with the TO topology's retry policy: loading rows again replaces them identically.
         */
        private void copyRowStream(RowExport export, RowLoad load, Schema schema) throws WriteException {
            Map<String, String> options = to.table(move.table()).map(TableSpec::options).orElse(Map.of());
            Optional<List<Object>> after = checkpoint.keyValues(schema);
            while (true) {
                Optional<RowExport.ExportedRange> range = transferWithRetries(export, load, schema, options, after);
                if (range.isEmpty()) {
                    return;
                }
                checkpoint = checkpoint.copied(range.get().lastKey(), range.get().rows());
                checkpoints.save(move, checkpoint);
                copiedNow += range.get().rows();
                progress.copied(move, checkpoint.copiedRows());
                after = Optional.of(range.get().lastKey());
            }
        }

        private Optional<RowExport.ExportedRange> transferWithRetries(RowExport export, RowLoad load, Schema schema,
                                                                      Map<String, String> options, Optional<List<Object>> after)
                throws WriteException {
            return withRetries(() -> transfer(export, load, schema, options, after));
        }

        /**
         * One range: exported into a {@link RowPipe} on a thread of its own while this thread loads it.
         * When both ends fail, the one that failed first is reported; the rows each end counted must agree.
         */
        private Optional<RowExport.ExportedRange> transfer(RowExport export, RowLoad load, Schema schema, Map<String, String> options,
                                                           Optional<List<Object>> after) throws WriteException {
            RowPipe pipe = new RowPipe();
            Object[] exported = new Object[1];
            Thread exporter = new Thread(() -> {
                try {
                    Optional<RowExport.ExportedRange> range = export.export(move.table(), move.filter(), after, rangeRows, pipe.sink());
                    pipe.sink().close();
                    exported[0] = range;
                } catch (WriteException | RuntimeException | Error e) {
                    pipe.sink().fail(e);
                    exported[0] = e;
                } catch (java.io.IOException e) {
                    exported[0] = WriteException.retryable("the target stopped reading the row stream: " + e.getMessage(), e);
                }
            }, "fanout-migrate-export-" + move.table());
            exporter.setDaemon(true);
            exporter.start();
            long loaded = 0;
            Throwable loadFailure = null;
            try {
                loaded = load.load(move.table(), schema, options, pipe.source());
            } catch (WriteException | RuntimeException | Error e) {
                loadFailure = e;
            } finally {
                closeQuietly(pipe.source());
            }
            boolean interrupted = false;
            while (true) {
                try {
                    exporter.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (pipe.failedBySink() || loadFailure == null && exported[0] instanceof Throwable) {
                throw rethrown((Throwable) exported[0]);
            }
            if (loadFailure != null) {
                throw rethrown(loadFailure);
            }
            @SuppressWarnings("unchecked")
            Optional<RowExport.ExportedRange> range = (Optional<RowExport.ExportedRange>) exported[0];
            long sent = range.map(RowExport.ExportedRange::rows).orElse(0L);
            if (loaded != sent) {
                throw WriteException.permanent(move.table(), null, "table " + move.table() + ": the source exported " + sent
                        + " rows of a range but the target loaded " + loaded + "; the range is not counted as copied — "
                        + "report this to the authors of the two plugins");
            }
            return range;
        }

        /**
         * Whether the target's engine can copy this move itself: source and target of one plugin that
         * declares {@link Capability#COPY_FROM_SAME_ENGINE}, a source that exists (a missing file is a
         * source with no rows, which the streaming path handles) and that the target's engine reaches
         * (opens the target to ask). A target writer that offers no copy (a ClickHouse cluster's:
         * {@code INSERT … SELECT} into a {@code Distributed} table would be forwarded asynchronously)
         * is streamed to, as {@link dev.fanout.api.BaseWriter#sameEngineCopy} promises.
         */
        private boolean sameEngine() {
            Destination source = from.destination(move.fromDestination(), registry);
            Destination target = to.destination(move.toDestination(), registry);
            if (!source.scheme().equals(target.scheme()) || !provider(source).capabilities().contains(Capability.COPY_FROM_SAME_ENGINE)
                    || isMissingFile(move.source())) {
                return false;
            }
            Optional<SameEngineCopy> engine = endpoint(to, move.toDestination(), false).opened().sameEngineCopy();
            return engine.isPresent() && engine.get().reaches(source);
        }

        /**
         * The move inside the target's engine ({@link SameEngineCopy}): this migration's own writer of
         * the source is closed first, as the engine reaches the source through the target's connection
         * (DuckDB refuses a file that another instance of the process holds); a later use reopens it.
         */
        private Verification copyAndVerifyInEngine() throws WriteException {
            Endpoint sourceEndpoint = endpoint(from, move.fromDestination(), true);
            if (sourceEndpoint != null) {
                sourceEndpoint.claimUnopened();
            }
            closeEndpoint(move.source());
            Endpoint targetEndpoint = endpoint(to, move.toDestination(), false);
            BaseWriter target = targetEndpoint.opened();
            SameEngineCopy engine = target.sameEngineCopy().orElseThrow(() -> new MoveFailure("destination "
                    + targetEndpoint.destination.name() + " (" + targetEndpoint.destination.scheme()
                    + ") declares copies inside its engine but its writer offers none; report this to the plugin's authors"));
            SameEngineCopy.Attached source;
            try {
                source = engine.attach(from.destination(move.fromDestination(), registry));
            } catch (WriteException | RuntimeException e) {
                throw new InEngineFailure("attaching the source", e);
            }
            try (source) {
                if (!checkpoint.done()) {
                    Optional<Schema> schema = inEngine("copying", () -> source.schema(move.table()));
                    if (schema.isPresent()) {
                        Optional<List<Object>> after = checkpoint.keyValues(schema.get());
                        while (true) {
                            Optional<List<Object>> resumeAfter = after;
                            Optional<SameEngineCopy.CopiedRange> range = inEngine("copying",
                                    () -> source.copyRange(move.table(), move.filter(), resumeAfter, rangeRows));
                            if (range.isEmpty()) {
                                break;
                            }
                            checkpoint = checkpoint.copied(range.get().lastKey(), range.get().rows());
                            checkpoints.save(move, checkpoint);
                            copiedNow += range.get().rows();
                            progress.copied(move, checkpoint.copiedRows());
                            after = Optional.of(range.get().lastKey());
                        }
                    }
                    checkpoint = checkpoint.finished();
                    checkpoints.save(move, checkpoint);
                }
                SameEngineCopy.RowComparison c = inEngine("verifying", () -> source.compare(move.table(), move.filter()));
                return new Verification(c.sourceRows(), c.targetRows(), c.equal(), c.newerAtTarget(), c.missing(), c.older(),
                        c.different(), c.sourceChecksum(), c.targetChecksum());
            }
        }

        private void copy(TableReader source, BaseWriter target, Schema schema) throws WriteException {
            Map<String, String> options = to.table(move.table()).map(TableSpec::options).orElse(Map.of());
            try (ScanStream scan = new ScanStream(move.table(), source, move.table(), move.filter(), checkpoint.keyValues(schema), batchRows)) {
                FramePacket packet;
                while ((packet = scan.next()) != null) {
                    if (packet.rowCount() == 0) {
                        continue;
                    }
                    write(target, new WriteBatch(packet.table(), packet.schema(), List.of(packet), options));
                    List<Object> last = KeyOrder.key(packet, packet.rowCount() - 1, packet.schema().keyIndexes());
                    checkpoint = checkpoint.copied(last, packet.rowCount());
                    checkpoints.save(move, checkpoint);
                    copiedNow += packet.rowCount();
                    progress.copied(move, checkpoint.copiedRows());
                }
            }
        }
    }

    /** {@code failure} thrown as it is: a {@link WriteException} or an unchecked throwable. */
    private static WriteException rethrown(Throwable failure) throws WriteException {
        if (failure instanceof WriteException e) {
            throw e;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(failure);
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (java.io.IOException ignored) {
            // closing the reading side of a pipe in memory does not fail
        }
    }

    /** A step of the in-engine path that failed, with what failed. */
    private static final class InEngineFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String step;

        InEngineFailure(String step, Throwable cause) {
            super(cause);
            this.step = step;
        }
    }

    /** A step of a move that may fail with a {@link WriteException}: run inside the engine, or again after a backoff. */
    private interface Step<T> {
        T run() throws WriteException;
    }

    private static <T> T inEngine(String step, Step<T> action) {
        try {
            return action.run();
        } catch (WriteException | RuntimeException e) {
            throw e instanceof InEngineFailure f ? f : new InEngineFailure(step, e);
        }
    }

    /** Closes and forgets this migration's writer of physical target {@code identity}, if it opened one; a later use opens it again. */
    private void closeEndpoint(String identity) {
        Endpoint open = endpoints.remove(identity);
        if (open != null) {
            closeQuietly(open.writer);
        }
    }

    /** Writes with the TO topology's retry policy: retryable failures are tried again after a backoff. */
    private void write(BaseWriter target, WriteBatch batch) throws WriteException {
        withRetries(() -> {
            target.write(batch);
            return null;
        });
    }

    /** Runs {@code attempt} with the TO topology's retry policy: retryable failures are tried again after a backoff. */
    private <T> T withRetries(Step<T> attempt) throws WriteException {
        for (int n = 1; ; n++) {
            try {
                return attempt.run();
            } catch (WriteException e) {
                if (!e.retryable() || n >= retry.maxAttempts()) {
                    throw e;
                }
                try {
                    sleeper.sleep(retry.backoff(n, ThreadLocalRandom.current().nextDouble()));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private TableReader reader(Topology topology, String name, boolean asSource) throws WriteException {
        Destination destination = topology.destination(name, registry);
        if (!provider(destination).capabilities().contains(Capability.READ)) {
            throw new MoveFailure(unreadable(destination, unreadableSource));
        }
        Endpoint endpoint = endpoint(topology, name, asSource);
        if (endpoint == null) {
            return NOTHING;
        }
        return endpoint.opened().reader().orElseThrow(() ->
                new MoveFailure(unreadable(endpoint.destination, unreadableSource)));
    }

    /** The endpoint of destination {@code name}, opened once per physical target; null for a source file that does not exist. */
    private Endpoint endpoint(Topology topology, String name, boolean asSource) {
        String identity = MigrationPlan.target(topology, name, registry);
        Endpoint known = endpoints.get(identity);
        if (known != null) {
            return known;
        }
        if (asSource && isMissingFile(identity)) {
            return null;
        }
        Destination destination = topology.destination(name, registry);
        Endpoint created = new Endpoint(destination, holders.computeIfAbsent(identity, k -> new TargetClaims.Holder(name)));
        endpoints.put(identity, created);
        return created;
    }

    /** Whether {@code scheme:target} names a local file (an absolute path) that does not exist. */
    private static boolean isMissingFile(String identity) {
        String target = identity.substring(identity.indexOf(':') + 1);
        try {
            Path path = Path.of(target);
            return path.isAbsolute() && !Files.exists(path);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    private WriterProvider provider(Destination d) {
        return registry.provider(d.scheme()).orElseThrow(() -> new IllegalStateException("no writer plugin for scheme '" + d.scheme() + "'"));
    }

    private String redact(String message, Move move) {
        return redact(message, move.fromDestination(), move.toDestination());
    }

    /** {@code message} with the secrets of FROM's {@code source} and, when given, TO's {@code target} masked. */
    private String redact(String message, String source, String target) {
        String out = TopologyValidator.redact(message, from.destination(source, registry));
        return target == null ? out : TopologyValidator.redact(out, to.destination(target, registry));
    }

    /** One physical target's writer, created and opened at first use; an open failure is kept and reported to every move needing it. */
    private final class Endpoint {
        private final Destination destination;
        private final TargetClaims.Holder holder;
        private BaseWriter writer;
        private String failure;

        Endpoint(Destination destination, TargetClaims.Holder holder) {
            this.destination = destination;
            this.holder = holder;
        }

        /**
         * Claims the target as its unopened writer tells it (a DuckDB file from the file system),
         * without opening it: before the engine attaches a source this migration has not opened.
         */
        void claimUnopened() {
            if (writer != null) {
                return;
            }
            BaseWriter created = null;
            try {
                created = provider(destination).create(destination);
                claim(created);
            } catch (WriteException | RuntimeException | LinkageError | ServiceConfigurationError e) {
                failure = "destination " + destination.name() + ": " + TopologyValidator.redact(why(e), destination);
                throw new MoveFailure(failure);
            } finally {
                closeQuietly(created);
            }
        }

        /**
         * Claims what the writer tells of its target ({@link BaseWriter#targetIdentity()}) for this
         * endpoint: a source and a target that are one file under two names, or a target some other
         * destination of this process holds, is refused before anything is written to it.
         */
        private void claim(BaseWriter created) throws WriteException {
            Optional<String> identity = created.targetIdentity();
            if (identity.isPresent()) {
                Optional<String> refused = TargetClaims.process().claim(identity.get(), holder);
                if (refused.isPresent()) {
                    throw WriteException.permanent(refused.get() + "; moving rows between one target's two names would copy them"
                            + " onto themselves and then delete them: nothing of this move was copied or deleted", null);
                }
            }
        }

        BaseWriter opened() {
            if (failure != null) {
                throw new MoveFailure(failure);
            }
            if (writer == null) {
                BaseWriter created = null;
                try {
                    created = provider(destination).create(destination);
                    claim(created);
                    created.open();
                    claim(created);
                    writer = created;
                } catch (WriteException | RuntimeException | LinkageError | ServiceConfigurationError e) {
                    closeQuietly(created);
                    failure = "destination " + destination.name() + ": " + TopologyValidator.redact(why(e), destination);
                    throw new MoveFailure(failure);
                }
            }
            return writer;
        }
    }

    /** Closes every writer opened. */
    @Override
    public void close() {
        endpoints.values().forEach(e -> closeQuietly(e.writer));
        endpoints.clear();
        holders.values().forEach(TargetClaims.process()::release);
        holders.clear();
    }

    private static void closeQuietly(BaseWriter writer) {
        if (writer != null) {
            try {
                writer.close();
            } catch (WriteException | RuntimeException | LinkageError | ServiceConfigurationError ignored) {
                // what the migration reported already says what went wrong
            }
        }
    }

    /** What a writer or reader threw, unmasked: a {@link WriteException}'s own message, anything else as {@link WriterFailures#describe}. */
    private static String why(Throwable e) {
        return e instanceof WriteException ? String.valueOf(e.getMessage()) : WriterFailures.describe(e);
    }

    /** A move that cannot go on, with a message fit to print (secrets masked). */
    private static final class MoveFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MoveFailure(String message) {
            super(message);
        }
    }
}
