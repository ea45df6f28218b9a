package dev.fanout.cli;

import dev.fanout.core.migrate.CheckpointStore;
import dev.fanout.core.migrate.Migration;
import dev.fanout.core.migrate.MigrationException;
import dev.fanout.core.migrate.Move;
import dev.fanout.core.migrate.MoveResult;
import dev.fanout.core.migrate.SourceCount;
import dev.fanout.core.migrate.Verification;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.topology.Topology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code fanout migrate --from FROM --to TO}: after producers were pointed at TO, moves the rows
 * already stored where FROM put them to where TO puts them ({@link Migration}), verifies every move
 * and, with {@code --delete-source}, deletes the verified rows at their old place. Resumable from the
 * checkpoints in the state directory; running it again when everything is done only verifies again.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {"Copy the stored rows whose destination changes from FROM to TO, then verify each move at both ends.",
                "Every table (or date-range part) that moves is copied through TO's writers with each row's version kept.",
                "Point producers at TO first: rows they write there in a newer version are never overwritten."})
final class MigrateCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "FROM", description = "The topology the rows were written with.")
    private Path fromFile;

    @Option(names = "--to", required = true, paramLabel = "TO", description = "The topology the rows belong to now.")
    private Path toFile;

    @Option(names = "--table", paramLabel = "NAME", description = "Only this table (repeatable; default: every table that moves).")
    private List<String> tables = new ArrayList<>();

    @Option(names = "--dry-run", description = "Print the moves with their rows at the source; write nothing.")
    private boolean dryRun;

    @Option(names = "--delete-source", description = "Delete each move's rows at the source once the move verified (never before).")
    private boolean deleteSource;

    @Option(names = "--state", paramLabel = "DIR",
            description = "Where the checkpoints are kept (default: TO's dlq.path/migrate, or .fanout-migrate beside TO without one).")
    private Path stateDir;

    @Option(names = "--batch-rows", paramLabel = "N", defaultValue = "50000",
            description = "Rows per batch read and written (default: ${DEFAULT-VALUE}).")
    private int batchRows;

    @Option(names = "--range-rows", paramLabel = "N", defaultValue = "" + Migration.DEFAULT_RANGE_ROWS,
            description = "Rows per transaction and checkpoint when the engine copies between two of its own destinations,"
                    + " e.g. DuckDB file to DuckDB file, or when the target loads the source's row stream, e.g. DuckDB file to"
                    + " ClickHouse (default: ${DEFAULT-VALUE}).")
    private int rangeRows;

    @Mixin
    private ProgressOptions progress;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (batchRows < 1) {
            throw new ConfigurationProblem("--batch-rows must be at least 1");
        }
        if (rangeRows < 1) {
            throw new ConfigurationProblem("--range-rows must be at least 1");
        }
        WriterRegistry registry = InstalledPlugins.registry();
        Optional<Topology> from = PlanCommand.check("FROM", fromFile, registry, err);
        Optional<Topology> to = PlanCommand.check("TO", toFile, registry, err);
        if (from.isEmpty() || to.isEmpty()) {
            return ExitCode.USAGE;
        }
        try (Migration migration = Migration.between(from.get(), to.get(), registry, batchRows).rangeRows(rangeRows)) {
            List<Move> moves = migration.moves(tables);
            try {
                migration.checkReadable(moves);
            } catch (MigrationException e) {
                throw new ConfigurationProblem(e.getMessage());
            }
            if (moves.isEmpty()) {
                out.println("nothing moves from " + fromFile + " to " + toFile + (tables.isEmpty() ? "" : " for " + String.join(", ", tables)));
                out.flush();
                return ExitCode.OK;
            }
            return dryRun ? dryRun(migration, moves, out) : migrate(migration, moves, to.get(), out, err);
        }
    }

    private int dryRun(Migration migration, List<Move> moves, PrintWriter out) {
        TextTable table = new TextTable("table", "part", "from", "to", "rows at source");
        long total = 0;
        for (Move m : moves) {
            SourceCount count = migration.count(m);
            total += Math.max(0, count.rows());
            table.row(m.table(), m.rows(), m.fromDestination(), m.toDestination(), rows(count));
        }
        table.print(out);
        out.printf("%n%d %s, %,d rows at the sources; dry run: nothing was written%n", moves.size(),
                moves.size() == 1 ? "move" : "moves", total);
        out.flush();
        return ExitCode.OK;
    }

    /** A count for a table cell: the rows, or why they could not be counted. */
    static String rows(SourceCount count) {
        return count.unavailable().map(reason -> "unavailable: " + reason).orElse(String.format("%,d", count.rows()));
    }

    private int migrate(Migration migration, List<Move> moves, Topology to, PrintWriter out, PrintWriter err) {
        Path state = stateDir != null ? stateDir
                : to.dlqPath().map(p -> p.resolve("migrate")).orElse(to.baseDirectory().resolve(".fanout-migrate"));
        List<MoveResult> results;
        try (CheckpointStore checkpoints = CheckpointStore.open(state)) {
            out.printf("migrating %d %s, checkpoints in %s%n", moves.size(), moves.size() == 1 ? "move" : "moves", state);
            out.flush();
            results = migration.run(moves, checkpoints, deleteSource, new Lines(out));
        }
        out.println();
        TextTable table = new TextTable("table", "part", "from", "to", "copied", "source rows", "target rows", "equal",
                "newer at target", "missing/stale", "source checksum", "target checksum", "result");
        for (MoveResult r : results) {
            Optional<Verification> v = r.verification();
            table.row(r.move().table(), r.move().rows(), r.move().fromDestination(), r.move().toDestination(),
                    String.format("%,d", r.copiedNow()),
                    v.map(x -> String.format("%,d", x.sourceRows())).orElse(""), v.map(x -> String.format("%,d", x.targetRows())).orElse(""),
                    v.map(x -> String.format("%,d", x.equal())).orElse(""), v.map(x -> String.format("%,d", x.newerAtTarget())).orElse(""),
                    v.map(x -> String.format("%,d", x.mismatched())).orElse(""),
                    v.map(x -> String.format("%016x", x.sourceChecksum())).orElse(""),
                    v.map(x -> String.format("%016x", x.targetChecksum())).orElse(""), result(r));
        }
        table.print(out);
        List<MoveResult> failed = results.stream().filter(r -> !r.passed()).toList();
        out.printf("%n%d of %d %s verified%s%n", results.size() - failed.size(), results.size(), results.size() == 1 ? "move" : "moves",
                deleteSource ? "; verified rows deleted at their source" : "");
        out.flush();
        for (MoveResult r : failed) {
            err.println("migrate: table " + r.move().table() + " (" + r.move().rows() + ", " + r.move().fromDestination() + " -> "
                    + r.move().toDestination() + "): " + r.failure().orElse("not verified"));
        }
        err.flush();
        return failed.isEmpty() ? ExitCode.OK : ExitCode.FAILED;
    }

    private static String result(MoveResult r) {
        if (r.verification().isEmpty()) {
            return "FAILED";
        }
        if (!r.passed()) {
            return "MISMATCH";
        }
        return r.deletedRows() > 0 ? String.format("verified, %,d deleted at source", r.deletedRows()) : "verified";
    }

    /** Progress as plain lines: every {@code --progress-every} while a move copies, and one when it is finished. */
    private final class Lines implements Migration.Progress {
        private final PrintWriter out;
        private long lastLine = System.nanoTime();

        Lines(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void copied(Move move, long copiedInAll) {
            if (!progress.off && System.nanoTime() - lastLine >= progress.every.toNanos()) {
                lastLine = System.nanoTime();
                out.printf("  %s: %,d rows copied%n", move, copiedInAll);
                out.flush();
            }
        }

        @Override
        public void finished(MoveResult r) {
            String what = r.failure().isPresent() && r.verification().isEmpty() ? "failed"
                    : r.passed() ? "verified" : "does not verify";
            String inside = switch (r.path()) {
                case IN_ENGINE -> " inside " + r.move().target().substring(0, r.move().target().indexOf(':'));
                case ROW_STREAM -> " as a row stream";
                case STREAMED -> "";
            };
            String copied = !r.resumed() ? String.format("%,d rows copied%s", r.copiedNow(), inside)
                    : r.copiedNow() == 0 ? "already copied (" + Plural.of(r.copiedInAll(), "row") + ")"
                    : String.format("%,d rows copied%s (resumed; %,d in all)", r.copiedNow(), inside, r.copiedInAll());
            out.printf("  %s: %s, %s%n", r.move(), copied, what);
            out.flush();
        }
    }
}
