package dev.fanout.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.cli.testplugin.PausePoint;
import dev.fanout.cli.testplugin.PausingDuckDbProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.fanout.cli.CliRun.fanout;
import static dev.fanout.cli.Phase3EndToEndTest.ingest;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fanout migrate} between the shipped phase-1 and phase-2 topologies on real DuckDB files,
 * every result checked row by row against {@link Examples#expectation}, which is computed from the
 * input files alone: a straight move, a cutover with newer rows already at the target, a migrate
 * process killed with SIGKILL at a pause point the test controls and run again, {@code --delete-source} with and without a verified
 * move, a target held by another process, and a source that cannot be read.
 */
class MigrateEndToEndTest {

    @TempDir
    Path work;

    private Path phase1;
    private Path phase2;

    private void shipped() throws IOException {
        phase1 = Files.copy(Examples.DIR.resolve("phase-1.yaml"), work.resolve("phase-1.yaml"));
        phase2 = Files.copy(Examples.DIR.resolve("phase-2.yaml"), work.resolve("phase-2.yaml"));
    }

    /** The phase-2 files under data/, without the phase-1 file they were moved from. */
    private Examples.Tables phase2Files() throws Exception {
        Examples.Tables stored = Examples.readAll(work.resolve("data"));
        stored.remove("market.duckdb");
        return stored;
    }

    private static CliRun migrate(Path from, Path to, String... more) {
        return fanout(Stream.concat(Stream.of("migrate", "--from", from.toString(), "--to", to.toString()), Stream.of(more))
                .toArray(String[]::new));
    }

    /** The verification table's line for a table part, split into cells. */
    static List<String> line(CliRun run, String table, String part) {
        return run.out().lines().filter(l -> l.startsWith(table + " ") && l.contains(part)).findFirst()
                .map(l -> List.of(l.split(" {2,}"))).orElseThrow(() -> new AssertionError(table + " " + part + " not in\n" + run.out()));
    }

    private long rowsIn(String file, String table) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + work.resolve("data").resolve(file));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM \"" + table + "\"")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void phaseOneToTwoMovesEveryRowWithItsVersionAndASecondRunChangesNothing() throws Exception {
        shipped();
        List<Path> inputs = Examples.inputs("day1", "day2");
        assertThat(ingest(phase1, inputs).code()).isEqualTo(0);
        Examples.Tables expected = Examples.expectation(inputs);

        CliRun plan = fanout("plan", phase1.toString(), phase2.toString());
        assertThat(plan.code()).as(plan.err()).isEqualTo(0);
        assertThat(line(plan, "trades", "all rows").get(7)).as("rows to move, counted at the source")
                .isEqualTo(String.format("%,d", expected.get("trades.duckdb").get("trades").size()));
        long total = expected.values().stream().flatMap(t -> t.values().stream()).mapToLong(Map::size).sum();

        CliRun dry = migrate(phase1, phase2, "--dry-run");
        assertThat(dry.code()).as(dry.err()).isEqualTo(0);
        assertThat(dry.out()).contains(String.format("6 moves, %,d rows at the sources; dry run: nothing was written", total));
        assertThat(work.resolve("data/trades.duckdb")).doesNotExist();

        CliRun first = migrate(phase1, phase2);
        assertThat(first.code()).as(first.out() + first.err()).isEqualTo(0);
        assertThat(first.out()).as("DuckDB file to DuckDB file is copied inside DuckDB")
                .contains(String.format("trades (all rows): market -> trades_db: %,d rows copied inside duckdb, verified",
                        expected.get("trades.duckdb").get("trades").size()));
        assertThat(first.out()).contains("6 of 6 moves verified").contains("checkpoints in " + work.resolve("data/dlq/migrate"));
        assertThat(line(first, "bars", "day < 2026-01-01")).containsSequence("market", "bars_archive",
                String.valueOf(expected.get("bars_2025.duckdb").get("bars").size()));
        Examples.Tables moved = phase2Files();
        Examples.assertMatches(expected, moved);

        CliRun second = migrate(phase1, phase2);
        assertThat(second.code()).as(second.out() + second.err()).isEqualTo(0);
        assertThat(second.out()).contains("6 of 6 moves verified");
        assertThat(line(second, "trades", "all rows").get(4)).as("rows copied by the second run").isEqualTo("0");
        assertThat(second.out()).as("a finished move run again").containsPattern("trades \\(all rows\\): market -> trades_db: already copied \\([0-9,]+ rows\\), verified")
                .doesNotContain("resumed;");
        assertThat(phase2Files()).as("every table after the second migrate, _fanout_version included").isEqualTo(moved);
    }

    @Test
    void rowsIngestedThroughTheNewTopologyBeforeTheMigrationKeepTheirNewerVersions() throws Exception {
        shipped();
        assertThat(ingest(phase1, Examples.inputs("day1")).code()).isEqualTo(0);
        // producers switch to phase 2 and send day 2 there: corrections newer than day 1, stale copies older
        assertThat(ingest(phase2, Examples.inputs("day2")).code()).isEqualTo(0);

        CliRun run = migrate(phase1, phase2);
        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(0);
        Examples.assertMatches(Examples.expectation(Examples.inputs("day1", "day2")), phase2Files());

        Map<List<Object>, Map<String, Object>> day1 = Examples.expectation(Examples.inputs("day1")).get("trades.duckdb").get("trades");
        Map<List<Object>, Map<String, Object>> both = Examples.expectation(Examples.inputs("day1", "day2")).get("trades.duckdb").get("trades");
        long corrected = day1.keySet().stream()
                .filter(k -> !both.get(k).get("updated_at").equals(day1.get(k).get("updated_at"))).count();
        assertThat(corrected).isPositive();
        List<String> trades = line(run, "trades", "all rows");
        assertThat(trades.get(8)).as("newer at target").isEqualTo(String.valueOf(corrected));
        assertThat(trades.get(9)).as("missing/stale").isEqualTo("0");
        assertThat(trades.get(12)).isEqualTo("verified");
    }

    /**
     * The kill lands at a known point: trades_db's writer ({@link PausingDuckDbProvider}) stops before
     * its third batch of three rows, so two batches have committed and been checkpointed, and nothing
     * is being written, when the process gets SIGKILL. The second run, in this JVM, has no pause point.
     */
    @Test
    void aMigrateKilledMidwayConvergesWhenRunAgain() throws Exception {
        shipped();
        List<Path> inputs = Examples.inputs("day1", "day2");
        assertThat(ingest(phase1, inputs).code()).isEqualTo(0);
        long trades = rowsIn("market.duckdb", "trades");
        int batchRows = 3;
        int pauseBefore = 3;
        long committedAtKill = (long) batchRows * (pauseBefore - 1);
        assertThat(trades).as("trades to copy").isGreaterThan(committedAtKill + batchRows);
        Path paused = Files.writeString(work.resolve("paused.yaml"), Files.readString(phase2)
                .replace("duckdb:${FANOUT_DATA_DIR:-data}/trades.duckdb", "paused:${FANOUT_DATA_DIR:-data}/trades.duckdb"));
        Path state = work.resolve("state");
        Path control = Files.createDirectory(work.resolve("control"));

        assertThat(migrateKilledAtPause(work, control, pauseBefore, "--from", phase1.toString(), "--to", paused.toString(),
                "--state", state.toString(), "--batch-rows", String.valueOf(batchRows))).as("killed by SIGKILL").isEqualTo(137);

        JsonNode checkpoint = checkpoint(state, "trades");
        assertThat(checkpoint.get("copiedRows").asLong()).as("checkpointed when killed: " + checkpoint).isEqualTo(committedAtKill);
        assertThat(checkpoint.get("done").asBoolean()).isFalse();
        assertThat(rowsIn("trades.duckdb", "trades")).as("committed at the target when killed").isEqualTo(committedAtKill);

        CliRun again = migrate(phase1, paused, "--state", state.toString());
        assertThat(again.code()).as(again.out() + again.err()).isEqualTo(0);
        assertThat(again.out()).contains("resumed").contains("6 of 6 moves verified");
        assertThat(line(again, "trades", "all rows").get(4)).as("rows copied after resuming")
                .isEqualTo(String.format("%,d", trades - committedAtKill));
        Examples.assertMatches(Examples.expectation(inputs), phase2Files());
    }

    /**
     * The same kill in the middle of a copy inside DuckDB: source and target both of the pausing
     * scheme, which copies inside DuckDB and stops before its third range of three rows; the rerun
     * continues in ranges of four.
     */
    @Test
    void aMigrateKilledInTheMiddleOfACopyInsideDuckDbConvergesWhenRunAgain() throws Exception {
        shipped();
        List<Path> inputs = Examples.inputs("day1", "day2");
        assertThat(ingest(phase1, inputs).code()).isEqualTo(0);
        long trades = rowsIn("market.duckdb", "trades");
        int rangeRows = 3;
        int pauseBefore = 3;
        long committedAtKill = (long) rangeRows * (pauseBefore - 1);
        assertThat(trades).as("trades to copy").isGreaterThan(committedAtKill + rangeRows);
        Path pausedFrom = Files.writeString(work.resolve("paused-from.yaml"), Files.readString(phase1)
                .replace("duckdb:${FANOUT_DATA_DIR:-data}/market.duckdb", "paused:${FANOUT_DATA_DIR:-data}/market.duckdb"));
        Path pausedTo = Files.writeString(work.resolve("paused-to.yaml"), Files.readString(phase2)
                .replace("duckdb:${FANOUT_DATA_DIR:-data}/trades.duckdb", "paused:${FANOUT_DATA_DIR:-data}/trades.duckdb"));
        Path state = work.resolve("state");
        Path control = Files.createDirectory(work.resolve("control"));

        assertThat(migrateKilledAtPause(work, control, pauseBefore, "--table", "trades", "--from", pausedFrom.toString(),
                "--to", pausedTo.toString(), "--state", state.toString(), "--range-rows", String.valueOf(rangeRows)))
                .as("killed by SIGKILL").isEqualTo(137);

        JsonNode checkpoint = checkpoint(state, "trades");
        assertThat(checkpoint.get("copiedRows").asLong()).as("checkpointed when killed: " + checkpoint).isEqualTo(committedAtKill);
        assertThat(checkpoint.get("done").asBoolean()).isFalse();
        assertThat(rowsIn("trades.duckdb", "trades")).as("committed at the target when killed").isEqualTo(committedAtKill);

        CliRun again = migrate(pausedFrom, pausedTo, "--table", "trades", "--state", state.toString(), "--range-rows", "4");
        assertThat(again.code()).as(again.out() + again.err()).isEqualTo(0);
        assertThat(again.out()).contains(String.format("rows copied inside paused (resumed; %,d in all), verified", trades))
                .contains("1 of 1 move verified");
        assertThat(line(again, "trades", "all rows").get(4)).as("rows copied after resuming")
                .isEqualTo(String.format("%,d", trades - committedAtKill));
        assertThat(line(again, "trades", "all rows").get(7)).as("equal").isEqualTo(String.format("%,d", trades));
        Examples.Tables want = new Examples.Tables();
        want.put("trades.duckdb", Examples.expectation(inputs).get("trades.duckdb"));
        Examples.Tables got = new Examples.Tables();
        got.put("trades.duckdb", Examples.readAll(work.resolve("data")).get("trades.duckdb"));
        Examples.assertMatches(want, got);
    }

    /**
     * Runs {@code fanout migrate --no-progress ARGS} in a child JVM whose pausing writers ({@link PausePoint})
     * pause before their {@code pauseBefore}-th write, kills it with SIGKILL at that point, and returns
     * its exit value; its output goes to {@code child.log} in {@code work}.
     */
    static int migrateKilledAtPause(Path work, Path control, int pauseBefore, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + PausePoint.DIR + "=" + control, "-D" + PausePoint.BEFORE + "=" + pauseBefore,
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "migrate", "--no-progress"));
        command.addAll(List.of(args));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(work.resolve("child.log").toFile()).start();
        try {
            awaitPause(child, control, work.resolve("child.log"));
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        return child.exitValue();
    }

    /** Waits until {@code child} reached its {@link PausePoint}; fails if it ended first. */
    static void awaitPause(Process child, Path control, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(control.resolve(PausePoint.PAUSED))) {
            assertThat(child.isAlive()).as("the child ended before its pause point; log: " + Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("the child did not reach its pause point within 120 s; log: " + Files.readString(log))
                    .isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** The checkpoint file of {@code table}'s one move in {@code state}. */
    static JsonNode checkpoint(Path state, String table) throws IOException {
        try (Stream<Path> files = Files.list(state)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().startsWith(table + "-") && p.toString().endsWith(".json")).toList();
            assertThat(found).as("checkpoint of " + table + " in " + state).hasSize(1);
            return new ObjectMapper().readTree(found.get(0).toFile());
        }
    }

    @Test
    void deleteSourceRemovesOnlyVerifiedMoves() throws Exception {
        shipped();
        List<Path> inputs = Examples.inputs("day1", "day2");
        assertThat(ingest(phase1, inputs).code()).isEqualTo(0);
        long trades = rowsIn("market.duckdb", "trades");
        Path lossy = Files.writeString(work.resolve("lossy.yaml"), Files.readString(phase2)
                .replace("duckdb:${FANOUT_DATA_DIR:-data}/trades.duckdb", "lossy:${FANOUT_DATA_DIR:-data}/trades.duckdb"));

        CliRun failing = migrate(phase1, lossy, "--delete-source");
        assertThat(failing.code()).isEqualTo(1);
        assertThat(failing.err()).contains("migrate: table trades (all rows, market -> trades_db)");
        assertThat(line(failing, "trades", "all rows").get(12)).isEqualTo("MISMATCH");
        assertThat(rowsIn("market.duckdb", "trades")).as("an unverified move keeps its source rows").isEqualTo(trades);
        assertThat(rowsIn("market.duckdb", "instruments")).as("a verified move's source rows are gone").isZero();
        assertThat(rowsIn("market.duckdb", "bars")).isZero();

        CliRun fixed = migrate(phase1, phase2, "--delete-source");
        assertThat(fixed.code()).as(fixed.out() + fixed.err()).isEqualTo(0);
        assertThat(rowsIn("market.duckdb", "trades")).isZero();
        assertThat(line(fixed, "trades", "all rows").get(12)).isEqualTo(String.format("verified, %,d deleted at source", trades));
        Examples.assertMatches(Examples.expectation(inputs), phase2Files());
    }

    @Test
    void aFileHeldByAnotherProcessIsRefusedAsTargetAndReportedByPlan() throws Exception {
        shipped();
        assertThat(ingest(phase1, Examples.inputs("day1")).code()).isEqualTo(0);
        Path trades = work.resolve("data/trades.duckdb");
        try (DuckDbLockHolder holder = DuckDbLockHolder.start(trades)) {
            CliRun run = migrate(phase1, phase2, "--table", "trades");
            assertThat(run.code()).isEqualTo(1);
            assertThat(run.err()).contains("table trades").contains("trades_db").contains(trades.getFileName().toString())
                    .contains("locked by another process (PID " + holder.pid() + ")");
        }
        try (DuckDbLockHolder holder = DuckDbLockHolder.start(work.resolve("data/market.duckdb"))) {
            CliRun run = migrate(phase1, phase2, "--table", "trades");
            assertThat(run.code()).as("a source held by another process cannot be attached inside DuckDB either").isEqualTo(1);
            assertThat(run.err()).contains("table trades").contains("attaching the source").contains("market.duckdb")
                    .contains("locked by another process (PID " + holder.pid() + ")");
            CliRun plan = fanout("plan", phase1.toString(), phase2.toString());
            assertThat(plan.code()).as(plan.err()).isEqualTo(0);
            assertThat(plan.out()).contains("unavailable: destination market: ").contains("(PID " + holder.pid() + ")")
                    .contains("(not all counted)");
        }
    }

    @Test
    void aSourceThatCannotBeReadIsAConfigurationError() throws Exception {
        shipped();
        Path flaky = Files.writeString(work.resolve("flaky.yaml"), Files.readString(phase1)
                .replace("duckdb:${FANOUT_DATA_DIR:-data}/market.duckdb", "flaky:${FANOUT_DATA_DIR:-data}/market.duckdb"));
        CliRun run = migrate(flaky, phase2);
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("destination market (flaky) cannot be read, so it cannot be a migration source");
        assertThat(work.resolve("data")).doesNotExist();
    }
}
