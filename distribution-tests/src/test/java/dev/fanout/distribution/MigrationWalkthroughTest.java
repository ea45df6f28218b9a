package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.cli.Examples;
import dev.fanout.cli.Examples.Tables;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/migration.md}, run command by command as a user runs it from a fresh clone: its
 * {@code ```console} blocks ({@link Walkthrough}) executed in order by {@code bash} in a copy of the
 * repository's {@code examples/} and {@code scripts/}, with the unpacked tarball's {@code bin/} on
 * {@code PATH} and the environment carried from one command to the next (so {@code eval "$(scripts/clickhouse start)"}
 * sets {@code CH_HTTP_PORT} for the commands after it, as in a terminal). Each command must exit as
 * the page says and print what the page shows; after the moves, every destination is compared row
 * by row with the expectation computed from the input files ({@link Examples}), ClickHouse read with
 * {@code FINAL}.
 *
 * <p>To bring the page up to date after a deliberate change of output, run this test with
 * {@code -Dfanout.walkthrough.update=true}: it writes what the commands printed into the page (paths
 * and ports as the page shows them), and still fails on a wrong exit code or wrong data.
 */
class MigrationWalkthroughTest {

    private static final Path PAGE = Installation.REPOSITORY.resolve("docs/migration.md");
    private static final Pattern EXPORT = Pattern.compile("^declare -x (\\w+)=\"(.*)\"$");

    private static Installation installation;
    private static Path work;
    private static Path environment;

    @BeforeAll
    static void aFreshCloneWithFanoutOnThePath() throws IOException {
        installation = Installation.unpack();
        work = Files.createTempDirectory("fanout walkthrough ");
        copy(Installation.REPOSITORY.resolve("scripts"), work.resolve("scripts"));
        Files.createDirectories(work.resolve("examples"));
        try (Stream<Path> files = Files.list(Installation.REPOSITORY.resolve("examples"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                Files.copy(f, work.resolve("examples").resolve(f.getFileName()));
            }
        }
        copy(Installation.REPOSITORY.resolve("examples/input"), work.resolve("examples/input"));
        environment = work.resolve(".walkthrough-environment");
        Files.writeString(environment, "export PATH=\"" + installation.home().resolve("bin") + ":$PATH\"\n");
    }

    @AfterAll
    static void stopTheServerTheWalkthroughStarted() throws IOException {
        if (work != null && Files.exists(work.resolve("scripts/clickhouse"))) {
            Installation.run(work, Map.of(), List.of("sh", "scripts/clickhouse", "stop"));
        }
    }

    @Test
    void everyCommandOfTheMigrationWalkthroughExitsAndPrintsAsThePageShowsAndTheDataIsExact() throws Exception {
        List<Walkthrough.Step> steps = Walkthrough.steps(PAGE);
        assertThat(steps).as("commands in " + PAGE).hasSizeGreaterThan(10);
        Tables everything = Examples.expectation(Examples.inputs("day1", "day2"));
        List<List<String>> printed = new ArrayList<>();
        List<String> differences = new ArrayList<>();
        Set<String> checked = new java.util.TreeSet<>();
        boolean update = Boolean.getBoolean("fanout.walkthrough.update");
        try {
            runAll(steps, everything, printed, differences, checked);
        } finally {
            if (update) {
                for (int i = printed.size(); i < steps.size(); i++) {
                    printed.add(steps.get(i).expectedOutput());
                }
                Files.writeString(PAGE, Walkthrough.rewritten(PAGE, printed));
            }
        }
        if (!update) {
            assertThat(differences).as("outputs that differ from the page (run with -Dfanout.walkthrough.update=true to rewrite "
                    + "the page with what the commands print now)").isEmpty();
        }
        assertThat(checked).as("the data checked after the moves").containsExactly(
                "phase 2 files after migrate 1 -> 2", "phase 3 after dlq replay", "phase 4 after migrate 3 -> 4");
    }

    private static void runAll(List<Walkthrough.Step> steps, Tables everything, List<List<String>> printed, List<String> differences,
                               Set<String> checked) throws Exception {
        for (Walkthrough.Step step : steps) {
            Installation.Run r = shell(step.command());
            Map<String, String> env = exported();
            List<String> output = Walkthrough.asOnPage(r.out(), work, env.get("CH_HTTP_PORT"), env.get("CH_TCP_PORT"));
            printed.add(output);
            assertThat(r.code()).as("%s:%s exit code; it printed:%n%s", PAGE, step, r.out()).isEqualTo(step.expectedExit());
            if (!Walkthrough.comparable(output).equals(Walkthrough.comparable(step.expectedOutput()))) {
                differences.add(PAGE + ":" + step + "\n--- the page shows\n" + String.join("\n", step.expectedOutput())
                        + "\n--- it printed\n" + String.join("\n", output));
            }
            String command = step.command();
            if (command.startsWith("fanout migrate --from examples/phase-1.yaml --to examples/phase-2.yaml")) {
                Examples.assertMatches(everything, duckDbFiles("trades.duckdb", "quotes.duckdb", "bars.duckdb", "bars_2025.duckdb", "main.duckdb"));
                checked.add("phase 2 files after migrate 1 -> 2");
            } else if (command.startsWith("fanout dlq replay --topology examples/phase-3.yaml")) {
                Tables actual = duckDbFiles("bars_2025.duckdb", "main.duckdb");
                actual.put(Examples.CLICKHOUSE, clickHouse(env));
                Examples.assertMatches(Examples.phase3(everything), actual);
                checked.add("phase 3 after dlq replay");
            } else if (command.startsWith("fanout migrate --from examples/phase-3.yaml --to examples/phase-4.yaml")) {
                Tables actual = new Tables();
                actual.put(Examples.CLICKHOUSE, clickHouse(env));
                Examples.assertMatches(Examples.phase4(everything), actual);
                checked.add("phase 4 after migrate 3 -> 4");
            }
        }
    }

    /** {@code command} in bash in the work directory with the environment the commands before it left; output and errors together. */
    private static Installation.Run shell(String command) throws IOException {
        String script = ". \"$FANOUT_WALKTHROUGH_ENV\"\ncd \"$FANOUT_WALKTHROUGH_DIR\"\n{\n" + command + "\n} 2>&1\ncode=$?\n"
                + "export -p > \"$FANOUT_WALKTHROUGH_ENV\"\nexit $code\n";
        return Installation.run(work, Map.of("FANOUT_WALKTHROUGH_ENV", environment.toString(), "FANOUT_WALKTHROUGH_DIR", work.toString()),
                List.of("bash", "-c", script));
    }

    /** The variables the commands so far exported. */
    private static Map<String, String> exported() throws IOException {
        Map<String, String> env = new java.util.HashMap<>();
        for (String line : Files.readAllLines(environment)) {
            Matcher m = EXPORT.matcher(line);
            if (m.matches()) {
                env.put(m.group(1), m.group(2));
            }
        }
        return env;
    }

    private static Tables duckDbFiles(String... names) throws Exception {
        Tables all = Examples.readAll(work.resolve("examples/data"));
        Tables some = new Tables();
        for (String name : names) {
            assertThat(all).as("DuckDB files in examples/data").containsKey(name);
            some.put(name, all.get(name));
        }
        return some;
    }

    private static Map<String, Map<List<Object>, Map<String, Object>>> clickHouse(Map<String, String> env) throws IOException {
        assertThat(env).as("CH_HTTP_PORT exported by the page's eval \"$(scripts/clickhouse start)\"").containsKey("CH_HTTP_PORT");
        return Examples.readClickHouse(ClickHouseServer.running(Integer.parseInt(env.get("CH_HTTP_PORT"))), "market");
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
