package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.cli.ClusterPlacement;
import dev.fanout.cli.Examples;
import dev.fanout.cli.Examples.Tables;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/migration.md}, run command by command as a user runs it from a fresh clone
 * ({@link Walkthrough}, {@link ConsoleSession}): each command must exit and print as the page says;
 * after each move every destination is compared row by row with the expectation computed from the
 * input files ({@link Examples}), ClickHouse read with {@code FINAL}. The ClickHouse server is the
 * one the page starts with {@code scripts/clickhouse}, the cluster of phase 5 the one it starts with
 * {@code scripts/clickhouse cluster} (read through the {@code Distributed} tables, each shard's part
 * and where another client's insert lands checked by {@link ClusterPlacement}; a second migrate to
 * phase 5, not on the page, must only verify).
 *
 * <p>After a deliberate change of output, run it with {@code -Dfanout.walkthrough.update=true} to
 * write what the commands print now into the page (it still fails on a wrong exit code or wrong data).
 */
class MigrationWalkthroughTest {

    private static final Path PAGE = Installation.REPOSITORY.resolve("docs/migration.md");

    private static ConsoleSession session;

    @BeforeAll
    static void aFreshCloneWithFanoutOnThePath() throws IOException {
        session = ConsoleSession.freshClone(Installation.unpack());
    }

    @AfterAll
    static void stopTheServersThePageStarted() throws IOException {
        if (session != null && Files.exists(session.directory().resolve(".fanout-clickhouse-cluster"))) {
            Installation.Run r = session.type("scripts/clickhouse cluster stop");
            assertThat(r.code()).as("scripts/clickhouse cluster stop after the walk-through: %s", r.out()).isZero();
        }
        if (session != null && Files.exists(session.directory().resolve(".fanout-clickhouse"))) {
            Installation.Run r = session.type("scripts/clickhouse stop");
            assertThat(r.code()).as("scripts/clickhouse stop after the walk-through: %s", r.out()).isZero();
        }
    }

    @Test
    void everyCommandOfTheMigrationWalkthroughExitsAndPrintsAsThePageShowsAndTheDataIsExact() throws Exception {
        assertThat(Walkthrough.steps(PAGE)).as("commands in " + PAGE).hasSizeGreaterThan(10);
        Tables everything = Examples.expectation(Examples.inputs("day1", "day2"));
        Set<String> checked = new TreeSet<>();

        List<String> differences = Walkthrough.run(PAGE, session, (step, s) -> {
            String command = step.command();
            if (command.startsWith("fanout migrate --from examples/phase-1.yaml --to examples/phase-2.yaml")) {
                Examples.assertMatches(everything, duckDbFiles("trades.duckdb", "quotes.duckdb", "bars.duckdb", "bars_2025.duckdb", "main.duckdb"));
                checked.add("1 phase 2 files after migrate 1 -> 2");
            } else if (command.startsWith("fanout dlq replay --topology examples/phase-3.yaml")) {
                Tables actual = duckDbFiles("bars_2025.duckdb", "main.duckdb");
                actual.put(Examples.CLICKHOUSE, clickHouse());
                Examples.assertMatches(Examples.phase3(everything), actual);
                checked.add("2 phase 3 after dlq replay");
            } else if (command.startsWith("fanout migrate --from examples/phase-3.yaml --to examples/phase-4.yaml")) {
                Tables actual = new Tables();
                actual.put(Examples.CLICKHOUSE, clickHouse());
                Examples.assertMatches(Examples.phase4(everything), actual);
                checked.add("3 phase 4 after migrate 3 -> 4");
            } else if (command.equals("fanout migrate --from examples/phase-4.yaml --to examples/phase-5-cluster.yaml")) {
                // placement first: it synchronizes every replica, so the read through the Distributed tables sees them caught up
                ClusterPlacement.assertPlacedAsDistributedPicks(cluster(), "market", Examples.phase4(everything).get(Examples.CLICKHOUSE));
                Tables actual = new Tables();
                actual.put(Examples.CLICKHOUSE, ClusterPlacement.throughDistributed(cluster().get(0), "market"));
                Examples.assertMatches(Examples.phase4(everything), actual);
                Installation.Run again = s.type(command);
                assertThat(again.code()).as(again.out()).isZero();
                assertThat(again.out()).as("a second migrate 4 -> 5 only verifies").contains("5 of 5 moves verified")
                        .doesNotContain("rows copied");
                assertThat(again.out().lines().filter(l -> l.contains("already copied")).count()).as(again.out()).isEqualTo(5);
                checked.add("4 phase 5 after migrate 4 -> 5, and again");
            } else if (command.startsWith("fanout migrate --from examples/phase-4.yaml --to examples/phase-5-cluster.yaml --delete-source")) {
                for (String table : ClusterPlacement.TABLES) {
                    assertThat(server().scalar("SELECT count() FROM market.`" + table + "` FINAL")).as("%s left on the server", table)
                            .isEqualTo("0");
                }
                Tables actual = new Tables();
                actual.put(Examples.CLICKHOUSE, ClusterPlacement.throughDistributed(cluster().get(0), "market"));
                Examples.assertMatches(Examples.phase4(everything), actual);
                ClusterPlacement.assertAnotherClientsKeysLandOnFanoutsShards(cluster(), "market", ClusterPlacement.shardKeys(cluster(), "market"));
                checked.add("5 phase 5 after --delete-source, another client's keys");
            }
        });

        assertThat(differences).as("outputs that differ from the page (run with -Dfanout.walkthrough.update=true to write what "
                + "the commands print now into the page)").isEmpty();
        assertThat(checked).as("the data checked after the moves").containsExactly(
                "1 phase 2 files after migrate 1 -> 2", "2 phase 3 after dlq replay", "3 phase 4 after migrate 3 -> 4",
                "4 phase 5 after migrate 4 -> 5, and again", "5 phase 5 after --delete-source, another client's keys");
        assertThat(session.changes()).as("git status --porcelain in the clone after the page's commands: files .gitignore misses").isEmpty();
    }

    private static Tables duckDbFiles(String... names) throws Exception {
        Tables all = Examples.readAll(session.directory().resolve("examples/data"));
        Tables some = new Tables();
        for (String name : names) {
            assertThat(all).as("DuckDB files in examples/data").containsKey(name);
            some.put(name, all.get(name));
        }
        return some;
    }

    private static Map<String, Map<List<Object>, Map<String, Object>>> clickHouse() throws IOException {
        return Examples.readClickHouse(server(), "market");
    }

    private static ClickHouseServer server() throws IOException {
        Map<String, String> env = session.exported();
        assertThat(env).as("CH_HTTP_PORT exported by the page's eval \"$(scripts/clickhouse start)\"").containsKey("CH_HTTP_PORT");
        return ClickHouseServer.running(Integer.parseInt(env.get("CH_HTTP_PORT")));
    }

    /** The four servers of the cluster the page started with {@code scripts/clickhouse cluster start}, servers 1 and 2 shard 1. */
    private static List<ClickHouseServer> cluster() throws IOException {
        Map<String, String> env = session.exported();
        List<ClickHouseServer> servers = new java.util.ArrayList<>();
        for (int n = 1; n <= 4; n++) {
            assertThat(env).as("CH%d_HTTP_PORT exported by the page's eval \"$(scripts/clickhouse cluster start)\"", n)
                    .containsKey("CH" + n + "_HTTP_PORT");
            servers.add(ClickHouseServer.running(Integer.parseInt(env.get("CH" + n + "_HTTP_PORT"))));
        }
        return servers;
    }
}
