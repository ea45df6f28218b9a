package dev.fanout.cli;

import dev.fanout.core.migrate.Move;
import dev.fanout.core.migrate.MoveResult;
import dev.fanout.core.migrate.Verification;
import dev.fanout.core.routing.RowRange;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fanout bench migrate-memory}: each case migrates every row and verifies it on its own path, its
 * peak resident set (the kernel's, reset before the case) is reported against the budget, and being over
 * the budget is reported without failing the run.
 */
class MigrateMemoryBenchTest {

    /** A row of the bench's table: case, path, rows, seconds, rows/s, RSS at start, peak, the step of the peak, highest sampled, peak heap. */
    static final Pattern ROW = Pattern.compile("^(DuckDB -> \\S+, [a-zA-Z ]+?)\\s+(IN_ENGINE|ROW_STREAM|STREAMED)\\s+([\\d,]+)\\s+(\\d+\\.\\d)"
            + "\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+(copy|verification|close)\\s+([\\d,]+)\\s+([\\d,]+)$", Pattern.MULTILINE);
    static final Pattern BUDGET = Pattern.compile("^(DuckDB -> .+?): peak RSS ([\\d,]+) MiB (within|OVER) the ([\\d,]+) MiB budget$",
            Pattern.MULTILINE);

    @TempDir
    Path work;

    /** What the table and the budget line say of one case. */
    record Reported(String path, long rows, double seconds, long rowsPerSecond, long startMib, long peakMib, String peakIn, long sampledMib,
                    long budgetLinePeakMib, String verdict, long budgetMib) {
    }

    static long number(String digits) {
        return Long.parseLong(digits.replace(",", ""));
    }

    /** Each case of the table, with the figures of its budget line. */
    static Map<String, Reported> cases(String out) {
        Map<String, Matcher> budgetLines = new LinkedHashMap<>();
        Matcher b = BUDGET.matcher(out);
        while (b.find()) {
            Matcher line = BUDGET.matcher(b.group());
            assertThat(line.matches()).isTrue();
            budgetLines.put(b.group(1), line);
        }
        Map<String, Reported> cases = new LinkedHashMap<>();
        Matcher m = ROW.matcher(out);
        while (m.find()) {
            Matcher line = budgetLines.get(m.group(1));
            assertThat(line).as("the budget line of " + m.group(1) + " in\n" + out).isNotNull();
            cases.put(m.group(1), new Reported(m.group(2), number(m.group(3)), Double.parseDouble(m.group(4)), number(m.group(5)),
                    number(m.group(6)), number(m.group(7)), m.group(8), number(m.group(9)), number(line.group(2)), line.group(3),
                    number(line.group(4))));
        }
        assertThat(cases.keySet()).as(out).isEqualTo(budgetLines.keySet());
        return cases;
    }

    /**
     * Slack between the kernel's figures: Linux keeps a thread's resident-page counts apart and adds
     * them to the process's every 64 page faults, so VmRSS and VmHWM read at different moments can be
     * off by up to 64 pages a thread (a clean-clone run saw a peak of 399 MiB after a start of 400).
     */
    private static final long KERNEL_SLACK_MIB = 16;

    /** The figures of one case agree with each other: the peak is the highest, the verdict follows from it. */
    static void consistent(String name, Reported r, long rows) {
        assertThat(r.rows()).as("rows of " + name).isEqualTo(rows);
        assertThat(r.rowsPerSecond()).as("rows/s of " + name).isPositive();
        assertThat(r.peakMib()).as("peak of " + name).isPositive().isEqualTo(r.budgetLinePeakMib())
                .isGreaterThanOrEqualTo(r.startMib() - KERNEL_SLACK_MIB).isGreaterThanOrEqualTo(r.sampledMib() - KERNEL_SLACK_MIB);
        assertThat(r.verdict()).as("verdict of " + name).isEqualTo(r.peakMib() <= r.budgetMib() ? "within" : "OVER");
    }

    @Test
    void aDuckDbMigrationVerifiesEveryRowInsideDuckDbAndOverTheBudgetIsReportedNotFailed() throws SQLException {
        CliRun r = fanout("bench", "migrate-memory", "--rows", "300000", "--batch-rows", "20000", "--range-rows", "100000",
                "--budget-mib", "1", "--dir", work.toString());

        assertThat(r.code()).as(r.all()).isZero();
        assertThat(r.out()).contains("fanout bench migrate-memory: 300,000 trade rows, batches of 20,000 rows, key ranges of 100,000 rows")
                .containsPattern("max heap [\\d,]+ MiB; budget 1 MiB").contains("source file written: 300,000 rows")
                .doesNotContain("could not be reset").doesNotContain("FAILED");
        Map<String, Reported> cases = cases(r.out());
        assertThat(cases).as(r.out()).containsOnlyKeys(MigrateMemoryBench.DUCKDB_CASE);
        Reported duckdb = cases.get(MigrateMemoryBench.DUCKDB_CASE);
        consistent(MigrateMemoryBench.DUCKDB_CASE, duckdb, 300_000);
        assertThat(duckdb.path()).isEqualTo("IN_ENGINE");
        assertThat(duckdb.verdict()).isEqualTo("OVER");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + work.resolve("target.duckdb"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT trade_id), max(trade_id) FROM trades")) {
            rs.next();
            assertThat(new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3)}).containsExactly(300_000, 300_000, 299_999);
        }
    }

    @Test
    @ExtendWith(ClickHouseServerExtension.class)
    void withClickHouseTheRowStreamCaseVerifiesEveryRowAndTheBenchDatabaseIsDroppedAfterwards(ClickHouseServer server) throws IOException {
        CliRun r = fanout("bench", "migrate-memory", "--rows", "300000", "--clickhouse", server.uri("fanout_migmem_test"));

        assertThat(r.code()).as(r.all()).isZero();
        assertThat(r.out()).contains("  ClickHouse 18.").doesNotContain("FAILED");
        Map<String, Reported> cases = cases(r.out());
        assertThat(cases).as(r.out()).containsOnlyKeys(MigrateMemoryBench.DUCKDB_CASE, MigrateMemoryBench.CLICKHOUSE_CASE);
        cases.forEach((name, c) -> consistent(name, c, 300_000));
        assertThat(cases.get(MigrateMemoryBench.CLICKHOUSE_CASE).path()).isEqualTo("ROW_STREAM");
        assertThat(cases.get(MigrateMemoryBench.CLICKHOUSE_CASE).budgetMib()).isEqualTo(512);
        assertThat(server.scalar("SELECT count() FROM system.databases WHERE name = 'fanout_migmem_test'")).isEqualTo("0");
    }

    @Test
    @ExtendWith(ClickHouseServerExtension.class)
    void aDatabaseHoldingATradesTableIsRefusedBeforeTheSourceIsWrittenAndKept(ClickHouseServer server) throws IOException {
        server.query("CREATE DATABASE IF NOT EXISTS users_migmem");
        server.query("CREATE TABLE IF NOT EXISTS users_migmem.trades (id Int64) ENGINE = MergeTree ORDER BY id");
        try {
            CliRun r = fanout("bench", "migrate-memory", "--rows", "1000", "--clickhouse", server.uri("users_migmem"),
                    "--dir", work.toString());
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("users_migmem.trades").contains("another database");
            assertThat(r.out()).doesNotContain("source file written");
            assertThat(work.resolve("source.duckdb")).doesNotExist();
            assertThat(server.scalar("EXISTS TABLE users_migmem.trades")).isEqualTo("1");
        } finally {
            server.query("DROP DATABASE users_migmem");
        }
    }

    @Test
    void aDirHoldingAnEarlierRunsFilesIsRefusedBeforeAnythingIsWritten() throws IOException {
        Files.createDirectories(work.resolve("state-in-engine"));

        CliRun r = fanout("bench", "migrate-memory", "--rows", "1000", "--dir", work.toString());

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(work.resolve("state-in-engine").toString()).contains("another directory");
        assertThat(work.resolve("source.duckdb")).doesNotExist();
    }

    @Test
    void aMoveCountsAsVerifiedOnlyWhenItPassedOnItsPathWithEveryRowEqual() {
        Move move = new Move("trades", RowRange.all(), "db", "db", "duckdb:source.duckdb", "duckdb:target.duckdb");
        MoveResult verified = result(move, new Verification(1_000, 1_000, 1_000, 0, 0, 0, 0, 7, 7), Optional.empty(),
                MoveResult.CopyPath.IN_ENGINE);

        assertThat(MigrateMemoryBench.problem(List.of(verified), MoveResult.CopyPath.IN_ENGINE, 1_000)).isEmpty();
        assertThat(MigrateMemoryBench.problem(List.of(verified), MoveResult.CopyPath.ROW_STREAM, 1_000)).get(InstanceOfAssertFactories.STRING)
                .contains("IN_ENGINE").contains("not ROW_STREAM");
        assertThat(MigrateMemoryBench.problem(List.of(verified), MoveResult.CopyPath.IN_ENGINE, 1_001)).get(InstanceOfAssertFactories.STRING)
                .contains("1000 equal rows, not 1001");
        assertThat(MigrateMemoryBench.problem(List.of(), MoveResult.CopyPath.IN_ENGINE, 1_000)).get(InstanceOfAssertFactories.STRING)
                .contains("got 0");
        MoveResult missing = result(move, new Verification(1_000, 999, 999, 0, 1, 0, 0, 7, 8), Optional.empty(), MoveResult.CopyPath.IN_ENGINE);
        assertThat(MigrateMemoryBench.problem(List.of(missing), MoveResult.CopyPath.IN_ENGINE, 1_000)).get(InstanceOfAssertFactories.STRING)
                .contains("did not pass");
        MoveResult failed = result(move, new Verification(1_000, 1_000, 1_000, 0, 0, 0, 0, 7, 7), Optional.of("target locked"),
                MoveResult.CopyPath.IN_ENGINE);
        assertThat(MigrateMemoryBench.problem(List.of(failed), MoveResult.CopyPath.IN_ENGINE, 1_000)).get(InstanceOfAssertFactories.STRING)
                .contains("target locked");
    }

    private static MoveResult result(Move move, Verification verification, Optional<String> failure, MoveResult.CopyPath path) {
        return new MoveResult(move, 1_000, 1_000, false, Optional.of(verification), 0, failure, path);
    }
}
