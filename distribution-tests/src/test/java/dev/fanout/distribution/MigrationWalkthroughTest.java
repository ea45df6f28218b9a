package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

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
 * one the page starts with {@code scripts/clickhouse}.
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
    static void stopTheServerThePageStarted() throws IOException {
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
            }
        });

        assertThat(differences).as("outputs that differ from the page (run with -Dfanout.walkthrough.update=true to write what "
                + "the commands print now into the page)").isEmpty();
        assertThat(checked).as("the data checked after the moves").containsExactly(
                "1 phase 2 files after migrate 1 -> 2", "2 phase 3 after dlq replay", "3 phase 4 after migrate 3 -> 4");
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
        Map<String, String> env = session.exported();
        assertThat(env).as("CH_HTTP_PORT exported by the page's eval \"$(scripts/clickhouse start)\"").containsKey("CH_HTTP_PORT");
        return Examples.readClickHouse(ClickHouseServer.running(Integer.parseInt(env.get("CH_HTTP_PORT"))), "market");
    }
}
