package dev.fanout.cli;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fanout validate} reports every problem of a topology in one run — the loader's (keys,
 * references, values) and the plugins' (schemes, each writer's own checks, two destinations on one
 * physical target) together, in file order — and the commands that load a topology share that path.
 */
class ValidateOnePassTest {

    /** Six different mistakes, one per line 4, 5, 6, 9, 11 and 12. */
    private static final String SIX_ERRORS = """
            version: 1
            destinations:
              trades_db: { uri: "duckdb:data/trades.duckdb" }
              quotes_db: { uri: "duckdb:./data/trades.duckdb" }
              legacy:    { uri: "pg://127.0.0.1:5432/market" }
              hot:       { uri: "ch://127.0.0.1:8123" }
            routes:
              - { match: { table: trades }, to: trades_db }
              - { match: { table: quotes }, to: quote_db }
            default: trades_db
            batch: { max_rows: 50000, max_age: 5 parsecs }
            retries: { max_attempts: 3 }
            """;

    @TempDir
    Path dir;

    private Path write(String name, String yaml) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, yaml);
        return file;
    }

    /**
     * {@code err}'s lines without the command's prefix and with the list of installed plugins (this
     * module's tests add their own) shortened to "…".
     */
    private static List<String> lines(String err) {
        return err.lines().map(l -> l.replaceFirst("^fanout [a-z ]+: ", "").replaceFirst("installed: [^—]+ —", "installed: … —")).toList();
    }

    /** The six lines, as {@code file:line:column: message}. */
    private List<String> sixProblems(Path t) {
        return List.of(
                t + ":4:3: destinations 'trades_db' (" + t + ":3:3) and 'quotes_db' name the same physical target "
                        + dir.resolve("data/trades.duckdb").toAbsolutePath().normalize()
                        + "; each target takes exactly one writer: point one of them elsewhere, or route their tables to one destination",
                t + ":5:3: no writer plugin for scheme 'pg' (destination legacy); installed: … — add the plugin's jar under plugins/",
                t + ":6:3: destination hot: the URI names no database — write ch://host:port/database or ch://host:port/database/table",
                t + ":9:37: route to undefined destination 'quote_db'; defined destinations: trades_db, quotes_db, legacy, hot",
                t + ":11:36: batch.max_age: bad duration '5 parsecs'; write it like 250ms, 2s, 1m, 1h or PT2S",
                t + ":12:1: unknown key 'retries' in the topology; expected one of version, phase, destinations, routes, default,"
                        + " tables, batch, retry, circuit, dlq, flow, metrics");
    }

    @Test
    void validateListsEveryProblemOfATopologyWithSixDifferentErrorsInOneRun() throws IOException {
        Path t = write("six.yaml", SIX_ERRORS);
        CliRun r = fanout("validate", t.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(lines(r.err())).containsExactlyElementsOf(sixProblems(t));
        assertThat(Files.exists(dir.resolve("data"))).as("validate creates nothing").isFalse();
    }

    @Test
    void validateConnectReportsTheSameProblemsAndConnectsNowhere() throws IOException {
        Path t = write("six.yaml", SIX_ERRORS);
        CliRun r = fanout("validate", "--connect", t.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.out()).doesNotContain("connecting:");
        assertThat(lines(r.err())).containsExactlyElementsOf(sixProblems(t));
        assertThat(Files.exists(dir.resolve("data"))).isFalse();
    }

    @Test
    void aProblemInOneDestinationHidesNoProblemInAnother() throws IOException {
        Path t = write("many.yaml", """
                version: 1
                destinations:
                  a: { uri: "ch://127.0.0.1:8123", colour: red }
                  b: { uri: "ch://127.0.0.1:8123/db", options: { colour: blue } }
                  c: { uri: "pg:x" }
                  d: { uri: "oracle:y" }
                  e: { uri: "duckdb:e.duckdb" }
                  f: { uri: "duckdb:e.duckdb", size: 3 }
                  g: { uri: "duckdb:g.duckdb" }
                  h: { uri: "duckdb:g.duckdb" }
                default: a
                """);
        CliRun r = fanout("validate", t.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        List<String> lines = r.err().lines().toList();
        assertThat(lines).extracting(l -> l.substring(t.toString().length() + 1, l.indexOf(": ", t.toString().length())))
                .containsExactly("3:3", "3:36", "4:3", "5:3", "6:3", "8:3", "8:32", "10:3");
        assertThat(lines.get(0)).endsWith("destination a: the URI names no database — write ch://host:port/database or ch://host:port/database/table");
        assertThat(lines.get(1)).contains("unknown key 'colour' in destinations.a");
        assertThat(lines.get(2)).contains("unknown option 'colour'");
        assertThat(lines.get(3)).contains("no writer plugin for scheme 'pg' (destination c)");
        assertThat(lines.get(4)).contains("no writer plugin for scheme 'oracle' (destination d)");
        assertThat(lines.get(5)).contains("destinations 'e' (").contains("and 'f' name the same physical target");
        assertThat(lines.get(6)).contains("unknown key 'size' in destinations.f");
        assertThat(lines.get(7)).contains("destinations 'g' (").contains("and 'h' name the same physical target");
    }

    @Test
    void aProblemInOneRouteOrTableHidesNoProblemInAnother() throws IOException {
        Path t = write("routes.yaml", """
                version: 1
                destinations:
                  main: { uri: "duckdb:main.duckdb" }
                routes:
                  - { match: { table: t1 }, to: nowhere1 }
                  - { match: { table: t2 }, to: nowhere2 }
                  - { match: { tabel: t3 }, to: main }
                tables:
                  t1: { primary_key: [] }
                  t2: { key: [id] }
                default: nowhere3
                """);
        CliRun r = fanout("validate", t.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err().lines()).hasSize(8);
        assertThat(r.err()).contains(t + ":5:33: route to undefined destination 'nowhere1'",
                t + ":6:33: route to undefined destination 'nowhere2'",
                t + ":7:16: unknown key 'tabel' in routes[2].match",
                t + ":9:22: primary_key of table 't1' is empty",
                t + ":10:3: table 't2' has no 'primary_key'",
                t + ":10:9: unknown key 'key' in tables.t2",
                t + ":11:10: default destination 'nowhere3' is not defined");
    }

    @Test
    void aMissingEnvironmentVariableIsOneMoreLineNotTheOnlyOne() throws IOException {
        Path t = write("env.yaml", """
                version: 1
                destinations:
                  main: { uri: "duckdb:${FANOUT_TEST_SURELY_UNSET_VAR}/main.duckdb" }
                  hot:  { uri: "ch://127.0.0.1:8123" }
                default: main
                """);
        CliRun r = fanout("validate", t.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err().lines()).hasSize(2);
        assertThat(r.err()).contains(t + ":3:16: environment variable 'FANOUT_TEST_SURELY_UNSET_VAR' is not set",
                t + ":4:3: destination hot: the URI names no database");
    }

    @Test
    void aYamlSyntaxErrorIsTheOneProblemThatStopsEarlyAndSaysSo() throws IOException {
        Path t = write("syntax.yaml", """
                version: 1
                destinations:
                  main: { uri: "pg:x"
                default: nowhere
                """);
        CliRun r = fanout("validate", t.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err().lines()).singleElement().asString().startsWith(t + ":4:1: YAML syntax error:")
                .endsWith("the file cannot be parsed past this error, so nothing else in it was checked: fix it and validate again");
    }

    @Test
    void ingestPlanMigrateAndDlqReportTheSameSixProblemsAndExitTwo() throws IOException {
        Path t = write("six.yaml", SIX_ERRORS);
        Path ok = write("ok.yaml", """
                version: 1
                destinations:
                  main: { uri: "duckdb:data/main.duckdb" }
                default: main
                dlq: { path: data/dlq }
                """);
        Path csv = dir.resolve("trades.csv");
        Files.writeString(csv, "id,v\n1,a\n");
        List<CliRun> runs = List.of(
                fanout("ingest", "--no-progress", "--topology", t.toString(), "--primary-key", "id", csv.toString()),
                fanout("plan", ok.toString(), t.toString()),
                fanout("migrate", "--from", ok.toString(), "--to", t.toString(), "--dry-run"),
                fanout("dlq", "--topology", t.toString(), "list"));
        for (CliRun r : runs) {
            assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.USAGE);
            assertThat(lines(r.err())).as(r.err()).containsAll(sixProblems(t));
        }
        assertThat(Files.exists(dir.resolve("data"))).as("nothing was opened").isFalse();
    }
}
