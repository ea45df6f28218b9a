package dev.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code fanout plan FROM TO} on real topology files. */
class PlanCommandTest {

    @TempDir
    Path dir;

    /** The table lines of {@code table}, columns split on runs of two or more spaces. */
    private static List<List<String>> lines(CliRun r, String table) {
        return r.out().lines().filter(l -> l.startsWith(table + " ")).map(l -> List.of(l.split(" {2,}"))).toList();
    }

    private Path example(String name) throws IOException {
        return Files.copy(Examples.DIR.resolve(name), dir.resolve(name));
    }

    private Path write(String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml);
    }

    @Test
    void phaseOneToTwoMovesEveryTableOutOfTheSharedFileAndSplitsBars() throws IOException {
        CliRun r = fanout("plan", example("phase-1.yaml").toString(), example("phase-2.yaml").toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(lines(r, "trades")).containsExactly(
                List.of("trades", "all rows", "market", "duckdb:data/market.duckdb", "trades_db", "duckdb:data/trades.duckdb", "moves", "0"));
        assertThat(lines(r, "quotes_eu")).containsExactly(
                List.of("quotes_eu", "all rows", "market", "duckdb:data/market.duckdb", "quotes_db", "duckdb:data/quotes.duckdb", "moves", "0"));
        assertThat(lines(r, "bars")).containsExactly(
                List.of("bars", "day < 2026-01-01", "market", "duckdb:data/market.duckdb", "bars_archive", "duckdb:data/bars_2025.duckdb", "moves", "0"),
                List.of("bars", "day >= 2026-01-01", "market", "duckdb:data/market.duckdb", "bars_db", "duckdb:data/bars.duckdb", "moves", "0"));
        assertThat(lines(r, "instruments")).singleElement().satisfies(l -> assertThat(l).containsSequence("main_db", "duckdb:data/main.duckdb", "moves", "0"));
        assertThat(r.out()).as("no data written yet, and no file created to count it")
                .contains("5 tables, 6 parts move, 0 rows at the sources");
        assertThat(dir.resolve("data")).doesNotExist();
        assertThat(r.out().substring(r.out().indexOf("Changed rules")).lines().skip(3).map(l -> List.of(l.split(" {2,}"))).toList())
                .containsExactly(
                        List.of("{table: quotes_*}", "(no rule)", "quotes_db", "duckdb:data/quotes.duckdb"),
                        List.of("default", "market", "duckdb:data/market.duckdb", "main_db", "duckdb:data/main.duckdb"));
    }

    @Test
    void aTableStoredAtAMovingSourceButNamedNowhereIsPlannedAndCountedLikeMigrateWouldMoveIt() throws Exception {
        Path from = example("phase-1.yaml");
        Path to = example("phase-2.yaml");
        Files.createDirectories(dir.resolve("data"));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("data/market.duckdb"));
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (order_id BIGINT PRIMARY KEY, note VARCHAR, _fanout_version BIGINT NOT NULL)");
            s.execute("INSERT INTO orders VALUES (1, 'a', 10), (2, 'b', 10), (3, NULL, 11)");
        }

        CliRun r = fanout("plan", from.toString(), to.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(lines(r, "orders")).containsExactly(
                List.of("orders", "all rows", "market", "duckdb:data/market.duckdb", "main_db", "duckdb:data/main.duckdb", "moves", "3"));
        assertThat(r.out()).contains("6 tables, 7 parts move, 3 rows at the sources");
    }

    @Test
    void aTopologyAgainstItselfChangesNothing() throws IOException {
        Path phase2 = example("phase-2.yaml");
        CliRun r = fanout("plan", phase2.toString(), phase2.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        List<String> lines = r.out().lines().toList();
        assertThat(lines.subList(2, 8)).allSatisfy(l -> assertThat(l).endsWith("unchanged"));
        assertThat(r.out()).contains("5 tables, 0 parts move").doesNotContain("Changed rules");
    }

    @Test
    void splitsAtDifferentBoundsArePrintedAsIntersectedParts() throws IOException {
        String split = """
                version: 1
                destinations:
                  archive: { uri: "duckdb:data/archive.duckdb" }
                  recent:  { uri: "duckdb:data/recent.duckdb" }
                routes:
                  - { match: { table: bars, column: day, before: "%s" }, to: archive }
                  - { match: { table: bars }, to: recent }
                default: recent
                tables:
                  bars: { primary_key: [symbol, day] }
                """;
        CliRun r = fanout("plan", write("from.yaml", split.formatted("2025-07-01")).toString(),
                write("to.yaml", split.formatted("2026-01-01")).toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(lines(r, "bars")).extracting(l -> l.get(1) + ": " + l.get(2) + " -> " + l.get(4) + " " + l.get(6)).containsExactly(
                "day < 2025-07-01: archive -> archive unchanged",
                "2025-07-01 <= day < 2026-01-01: recent -> archive moves",
                "day >= 2026-01-01: recent -> recent unchanged");
        assertThat(r.out()).contains("1 table, 1 part moves");
    }

    @Test
    void aDestinationKeepingItsNameButNotItsFileMovesAndARenamedOneDoesNot() throws IOException {
        CliRun r = fanout("plan", write("from.yaml", """
                version: 1
                destinations:
                  t_db: { uri: "duckdb:data/t.duckdb" }
                  u_db: { uri: "duckdb:data/u.duckdb" }
                routes:
                  - { match: { table: t }, to: t_db }
                  - { match: { table: u }, to: u_db }
                """).toString(), write("to.yaml", """
                version: 1
                destinations:
                  t_db: { uri: "duckdb:data/t2.duckdb" }
                  renamed: { uri: "duckdb:./data/u.duckdb" }
                routes:
                  - { match: { table: t }, to: t_db }
                  - { match: { table: u }, to: renamed }
                """).toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(lines(r, "t")).singleElement().satisfies(l -> assertThat(l.get(6)).isEqualTo("moves (uri changed)"));
        assertThat(lines(r, "u")).singleElement().satisfies(l -> assertThat(l.get(6)).isEqualTo("unchanged (renamed)"));
        assertThat(r.out()).contains("2 tables, 1 part moves");
    }

    @Test
    void secretsInDestinationUrisAreNotPrinted() throws IOException {
        CliRun r = fanout("plan", write("from.yaml", """
                version: 1
                destinations:
                  main: { uri: "duckdb:data/main.duckdb?motherduck_token=s3cr3t-from" }
                default: main
                tables: { trades: { primary_key: [id] } }
                """).toString(), write("to.yaml", """
                version: 1
                destinations:
                  main: { uri: "duckdb:data/other.duckdb?motherduck_token=s3cr3t-to" }
                routes:
                  - { match: { table: "t*" }, to: main }
                default: main
                """).toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("motherduck_token=****").contains("trades").contains("moves (uri changed)")
                .doesNotContain("s3cr3t");
        assertThat(r.err()).doesNotContain("s3cr3t");
    }

    @Test
    void anInvalidToTopologyExitsTwoNamingThatFile() throws IOException {
        Path from = example("phase-1.yaml");
        Path to = write("broken-to.yaml", """
                version: 1
                destinations:
                  main_db: { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: tradez }
                default: main_db
                """);
        CliRun r = fanout("plan", from.toString(), to.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("TO topology " + to + " is invalid").contains("broken-to.yaml:5:").contains("tradez")
                .doesNotContain("FROM topology");
        assertThat(r.out()).isEmpty();
    }
}
