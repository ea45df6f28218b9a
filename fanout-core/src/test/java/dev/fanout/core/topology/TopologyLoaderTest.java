package dev.fanout.core.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.Destination;
import dev.fanout.core.dispatch.BatchPolicy;
import dev.fanout.core.dispatch.CircuitPolicy;
import dev.fanout.core.dispatch.RetryPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopologyLoaderTest {

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("topology.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private Topology load(String yaml, Map<String, String> env) throws IOException {
        return TopologyLoader.load(write(yaml), env::get);
    }

    private TopologyException failure(String yaml, Map<String, String> env) throws IOException {
        Path file = write(yaml);
        TopologyException e = catchThrowableOfType(TopologyException.class, () -> TopologyLoader.load(file, env::get));
        assertThat(e).as("loading should fail").isNotNull();
        return e;
    }

    /** Problems as "line:column message". */
    private List<String> problems(String yaml) throws IOException {
        return problems(yaml, Map.of());
    }

    private List<String> problems(String yaml, Map<String, String> env) throws IOException {
        return failure(yaml, env).problems().stream()
                .map(p -> p.where().line() + ":" + p.where().column() + " " + p.message())
                .toList();
    }

    @Test
    void loadsEveryPartOfATopology() throws IOException {
        Topology t = load("""
                version: 1
                phase: fanout-local
                destinations:
                  trades_db: { uri: "duckdb:data/trades.duckdb" }
                  hot: { uri: "ch://127.0.0.1:8123/market", options: { user: default, password: "${CH_PASSWORD:-}" } }
                  ref_db: { uri: "duckdb:data/ref.duckdb" }
                  archive_db: { uri: "duckdb:data/archive.duckdb" }
                  main_db: { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: trades_db }
                  - { match: { table: "quotes_*" }, to: hot }
                  - { match: { domain: reference }, to: ref_db }
                  - { match: { table: bars, column: ts, before: "2026-01-01" }, to: archive_db }
                  - { match: { table: bars, column: ts, from: "2026-01-01T12:00:00Z" }, to: hot }
                  - { match: { table: bars }, to: main_db }
                default: main_db
                tables:
                  trades: { primary_key: [trade_id], version_column: updated_at }
                  bars:   { primary_key: [symbol, day] }
                batch: { max_rows: 50000, max_age: 200ms }
                retry: { max_attempts: 6, initial_backoff: 100ms, max_backoff: 10s }
                dlq: { path: data/dlq }
                """, Map.of());

        assertThat(t.file()).isEqualTo(dir.resolve("topology.yaml"));
        assertThat(t.version()).isEqualTo(1);
        assertThat(t.phase()).isEqualTo("fanout-local");
        assertThat(t.destinations().keySet()).containsExactly("trades_db", "hot", "ref_db", "archive_db", "main_db");
        DestinationSpec hot = t.destinations().get("hot");
        assertThat(hot.uri()).isEqualTo("ch://127.0.0.1:8123/market");
        assertThat(hot.options()).containsExactly(Map.entry("user", "default"), Map.entry("password", ""));
        assertThat(hot.where()).isEqualTo(new SourceLocation(t.file(), 5, 3));

        assertThat(t.routes()).extracting(RouteRule::to)
                .containsExactly("trades_db", "hot", "ref_db", "archive_db", "hot", "main_db");
        assertThat(t.routes().get(1).match().tableGlob()).isEqualTo("quotes_*");
        assertThat(t.routes().get(2).match().domain()).isEqualTo("reference");
        RouteMatch archive = t.routes().get(3).match();
        assertThat(archive.column()).isEqualTo("ts");
        assertThat(archive.before().instant()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(archive.from()).isNull();
        assertThat(t.routes().get(4).match().from().instant()).isEqualTo(Instant.parse("2026-01-01T12:00:00Z"));
        assertThat(t.routes().get(0).where()).isEqualTo(new SourceLocation(t.file(), 10, 5));

        assertThat(t.defaultDestination()).contains("main_db");
        assertThat(t.tables().keySet()).containsExactly("trades", "bars");
        assertThat(t.table("trades")).contains(new TableSpec(List.of("trade_id"), Optional.of("updated_at")));
        assertThat(t.table("bars")).contains(new TableSpec(List.of("symbol", "day"), Optional.empty()));
        assertThat(t.table("nope")).isEmpty();
        assertThat(t.batch()).isEqualTo(new BatchPolicy(50_000, Duration.ofMillis(200)));
        assertThat(t.retry()).isEqualTo(new RetryPolicy(6, Duration.ofMillis(100), Duration.ofSeconds(10)));
        assertThat(t.dlqPath()).contains(dir.resolve("data/dlq").toAbsolutePath().normalize());

        Destination trades = t.destination("trades_db", Set.of());
        assertThat(trades.uri()).isEqualTo("duckdb:data/trades.duckdb");
        assertThat(trades.baseDirectory()).isEqualTo(dir.toAbsolutePath().normalize());
    }

    @Test
    void tableOptionsAreStringsWithVariablesSubstituted() throws IOException {
        Topology t = load("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                tables:
                  bars:
                    primary_key: [symbol, day]
                    version_column: v
                    options: { partition_by: "toYYYYMM(day)", settings.index_granularity: "${GRANULARITY:-8192}", n: 3 }
                  trades: { primary_key: [id], options: }
                """, Map.of("GRANULARITY", "1024"));

        assertThat(t.table("bars").orElseThrow().options()).containsExactly(Map.entry("partition_by", "toYYYYMM(day)"),
                Map.entry("settings.index_granularity", "1024"), Map.entry("n", "3"));
        assertThat(t.table("bars")).contains(new TableSpec(List.of("symbol", "day"), Optional.of("v"),
                Map.of("partition_by", "toYYYYMM(day)", "settings.index_granularity", "1024", "n", "3")));
        assertThat(t.table("trades").orElseThrow().options()).isEmpty();
    }

    @Test
    void tableOptionsMustBeAMappingOfSingleValues() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                tables:
                  a: { primary_key: [id], options: { partition_by: [day] } }
                  b: { primary_key: [id], options: [partition_by] }
                  c: { primary_key: [id], option: { partition_by: day } }
                """)).containsExactly(
                "6:52 option 'partition_by' of table 'a' must be a single value, found a list",
                "7:36 tables.b.options must be a mapping, e.g. { partition_by: \"toYYYYMM(day)\" }; found a list",
                "8:27 unknown key 'option' in tables.c; expected one of primary_key, version_column, options");
    }

    @Test
    void absentOptionalSectionsTakeDefaults() throws IOException {
        Topology t = load("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                """, Map.of());

        assertThat(t.phase()).isNull();
        assertThat(t.routes()).isEmpty();
        assertThat(t.tables()).isEmpty();
        assertThat(t.batch()).isEqualTo(BatchPolicy.DEFAULT);
        assertThat(t.retry()).isEqualTo(RetryPolicy.DEFAULT);
        assertThat(t.circuit()).isEqualTo(CircuitPolicy.DEFAULT);
        assertThat(t.dlqPath()).isEmpty();
    }

    @Test
    void partialPolicySectionsKeepDefaultsForTheRest() throws IOException {
        Topology t = load("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                batch: { max_rows: 10_000 }
                retry: { max_backoff: 1m }
                """, Map.of());

        assertThat(t.batch()).isEqualTo(new BatchPolicy(10_000, BatchPolicy.DEFAULT.maxAge()));
        assertThat(t.retry()).isEqualTo(new RetryPolicy(6, Duration.ofMillis(100), Duration.ofMinutes(1)));
    }

    @Test
    void unknownTopLevelKeyIsLocatedAtTheKey() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                batchh: { max_rows: 5 }
                """)).containsExactly("5:1 unknown key 'batchh' in the topology; expected one of version, phase, "
                + "destinations, routes, default, tables, batch, retry, circuit, dlq, flow, metrics");
    }

    @Test
    void unknownKeyInARouteIsLocatedAtTheKey() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                routes:
                  - matches: { table: t }
                    to: main
                """)).containsExactly(
                "5:5 unknown key 'matches' in routes[0]; expected one of match, to",
                "5:5 routes[0] has no 'match'; add match: { table: name } (or domain, or a column range)");
    }

    @Test
    void unknownKeyInAFlowStyleMatch() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                routes:
                  - { match: { tabel: trades }, to: main }
                """)).containsExactly(
                "5:14 routes[0].match has no criteria; give table, domain, or column with before/from",
                "5:16 unknown key 'tabel' in routes[0].match; expected one of table, domain, column, before, from");
    }

    @Test
    void unknownKeysInDestinationsTablesAndPolicies() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { url: "mem:main", uri: "mem:main" }
                default: main
                tables:
                  t: { primary_key: [id], version: v }
                batch: { rows: 5 }
                retry: { attempts: 5 }
                dlq: { path: d, dir: e }
                """)).containsExactly(
                "3:11 unknown key 'url' in destinations.main; expected one of uri, options",
                "6:27 unknown key 'version' in tables.t; expected one of primary_key, version_column, options",
                "7:10 unknown key 'rows' in batch; expected one of max_rows, max_age",
                "8:10 unknown key 'attempts' in retry; expected one of max_attempts, initial_backoff, max_backoff",
                "9:17 unknown key 'dir' in dlq; expected one of path");
    }

    @Test
    void routeToUndefinedDestinationNamesTheDefinedOnes() throws IOException {
        TopologyException e = failure("""
                version: 1
                destinations:
                  trades_db: { uri: "mem:trades" }
                  main_db: { uri: "mem:main" }
                routes:
                  - match: { table: trades }
                    to: tradez
                """, Map.of());

        assertThat(e.getMessage()).isEqualTo(dir.resolve("topology.yaml")
                + ":7:9: route to undefined destination 'tradez'; defined destinations: trades_db, main_db");
    }

    @Test
    void missingOrUnsupportedVersion() throws IOException {
        assertThat(problems("""
                destinations:
                  main: { uri: "mem:main" }
                default: main
                """)).containsExactly("1:1 missing 'version'; start the file with 'version: 1'");
        assertThat(problems("""
                version: 2
                destinations:
                  main: { uri: "mem:main" }
                default: main
                """)).containsExactly("1:10 unsupported version '2'; this fanout reads version 1");
    }

    @Test
    void destinationWithoutUri() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                  hot: { options: { user: x } }
                  cold:
                  blank: { uri: "" }
                default: main
                """)).containsExactly(
                "4:3 destination 'hot' has no 'uri'; write hot: { uri: \"scheme:target\" }, e.g. uri: \"duckdb:data/hot.duckdb\"",
                "5:3 destination 'cold' has no 'uri'; write cold: { uri: \"scheme:target\" }, e.g. uri: \"duckdb:data/cold.duckdb\"",
                "6:17 destinations.blank.uri is empty; give it a value");
    }

    @Test
    void noDestinationsAtAll() throws IOException {
        assertThat(problems("""
                version: 1
                destinations: {}
                default: main
                """)).containsExactly(
                "2:1 no destinations defined; add one, e.g. destinations: { main: { uri: \"duckdb:data/main.duckdb\" } }",
                "3:10 default destination 'main' is not defined; defined destinations: (none)");
    }

    @Test
    void undefinedDefault() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: nowhere
                """)).containsExactly("4:10 default destination 'nowhere' is not defined; defined destinations: main");
    }

    @Test
    void neitherRoutesNorDefault() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                """)).containsExactly(
                "1:1 no 'routes' and no 'default': nothing can be routed; add routes or a default destination");
    }

    @Test
    void matchWithoutCriteria() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                routes:
                  - { match: {}, to: main }
                  - { to: main }
                """)).containsExactly(
                "5:14 routes[0].match has no criteria; give table, domain, or column with before/from",
                "6:5 routes[1] has no 'match'; add match: { table: name } (or domain, or a column range)");
    }

    @Test
    void inconsistentColumnRanges() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                routes:
                  - match: { table: bars, before: "2026-01-01" }
                    to: main
                  - match: { table: bars, column: day }
                    to: main
                  - match: { table: bars, column: day, from: "2026-02-01", before: "2026-01-01" }
                    to: main
                  - match: { table: bars, column: day, from: "2026-01-01", before: "2026-01-01" }
                    to: main
                  - match: { table: bars, column: day, before: soon }
                    to: main
                """)).containsExactly(
                "5:27 'before' needs 'column' naming the date or timestamp column it bounds; add column: <name> to this match",
                "7:27 'column' needs a bound: add before: <date> (rows with column < date), from: <date> (rows with"
                        + " column >= date), or both",
                "9:46 empty range: 'from' 2026-02-01 is not before 'before' 2026-01-01; no row could match, so make"
                        + " 'from' earlier than 'before'",
                "11:46 empty range: 'from' 2026-01-01 is not before 'before' 2026-01-01; no row could match, so make"
                        + " 'from' earlier than 'before'",
                "13:48 routes[4].match.before: 'soon' is neither an ISO date like 2026-01-01 nor an ISO instant like"
                        + " 2026-01-01T12:00:00Z");
    }

    @Test
    void badNumbersAndDurations() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                batch: { max_rows: lots, max_age: 2 sec }
                retry: { max_attempts: 0, initial_backoff: -1s }
                """)).containsExactly(
                "5:20 bad number 'lots' for batch.max_rows; write a whole number like 50000",
                "5:35 batch.max_age: bad duration '2 sec'; write it like 250ms, 2s, 1m, 1h or PT2S",
                "6:24 retry.max_attempts must be at least 1, got 0",
                "6:44 retry.initial_backoff: bad duration '-1s'; write it like 250ms, 2s, 1m, 1h or PT2S");
    }

    @Test
    void circuitSectionIsRead() throws IOException {
        Topology t = load("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                circuit:
                  failure_threshold: 3
                  open_for: 1m
                dlq: { path: data/dlq }
                """, Map.of());

        assertThat(t.circuit()).isEqualTo(new CircuitPolicy(3, Duration.ofMinutes(1)));
        assertThat(t.dlqPath()).contains(dir.resolve("data/dlq").toAbsolutePath().normalize());
        assertThat(load("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                circuit: { open_for: PT2M }
                """, Map.of()).circuit()).isEqualTo(new CircuitPolicy(5, Duration.ofMinutes(2)));
    }

    @Test
    void badCircuitValuesAndUnknownKeysAreLocated() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                circuit: { failure_threshold: 0, open_for: soon }
                """)).containsExactly(
                "5:31 circuit.failure_threshold must be at least 1, got 0",
                "5:44 circuit.open_for: bad duration 'soon'; write it like 250ms, 2s, 1m, 1h or PT2S");
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                circuit:
                  failure_threshold: five
                  open_for: 0s
                  threshold: 5
                """)).containsExactly(
                "6:22 bad number 'five' for circuit.failure_threshold; write a whole number like 5",
                "7:13 circuit.open_for must be positive; give the destination time to recover, e.g. 30s",
                "8:3 unknown key 'threshold' in circuit; expected one of failure_threshold, open_for");
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                circuit: 5
                """)).containsExactly(
                "5:10 circuit must be a mapping, e.g. { failure_threshold: 5, open_for: 30s }; found a value");
    }

    @Test
    void backoffsOutOfOrder() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                retry: { initial_backoff: 5s, max_backoff: 1s }
                """)).containsExactly("5:44 retry.initial_backoff must not exceed retry.max_backoff; raise max_backoff"
                + " or lower initial_backoff");
    }

    @Test
    void primaryKeyProblems() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                tables:
                  trades: { primary_key: [] }
                  bars: { version_column: ts }
                  quotes: { primary_key: symbol }
                  fills: { primary_key: [id, id] }
                """)).containsExactly(
                "6:26 primary_key of table 'trades' is empty; name at least one column",
                "7:3 table 'bars' has no 'primary_key'; add primary_key: [column, ...]",
                "8:26 primary_key of table 'quotes' must be a list of columns, e.g. [id]; found a value",
                "9:30 column 'id' appears twice in primary_key of table 'fills'");
    }

    @Test
    void sectionsOfTheWrongShape() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                routes: { table: t }
                default: [main]
                batch: 5
                """)).containsExactly(
                "4:9 routes must be a list of { match: { table: name }, to: destination }; found a mapping",
                "5:10 default must be a single value, found a list",
                "6:8 batch must be a mapping, e.g. { max_rows: 50000, max_age: 200ms }; found a value");
    }

    @Test
    void yamlSyntaxErrorIsLocated() throws IOException {
        List<String> found = problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main", options: { user: x }
                default: main
                """);
        assertThat(found).hasSize(1);
        assertThat(found.get(0)).startsWith("4:1 YAML syntax error: expected ',' or '}', but got <scalar>")
                .contains("while parsing a flow mapping started at line 3, column 9");
    }

    @Test
    void tabIndentationIsASyntaxError() throws IOException {
        assertThat(problems("version: 1\ndestinations:\n\tmain: { uri: \"mem:main\" }\n"))
                .singleElement().asString().startsWith("3:1 YAML syntax error: found character '\\t(TAB)'");
    }

    @Test
    void duplicateKeysAreRefused() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:a" }
                  main: { uri: "mem:b" }
                default: main
                """)).containsExactly("4:3 duplicate key 'main' (first at line 3); keep one");
    }

    @Test
    void emptyFileAndSecondDocument() throws IOException {
        assertThat(problems("# nothing\n")).containsExactly(
                "1:1 the topology file is empty; start it with 'version: 1' and a 'destinations' section");
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                ---
                version: 1
                """)).containsExactly("6:1 a topology file holds one YAML document; remove the second one");
    }

    @Test
    void anchorsAndAliasesAreResolved() throws IOException {
        Topology t = load("""
                version: 1
                destinations:
                  a: { uri: "mem:a", options: &common { user: reader } }
                  b: { uri: "mem:b", options: *common }
                default: a
                """, Map.of());
        assertThat(t.destinations().get("b").options()).containsExactly(Map.entry("user", "reader"));
    }

    @Test
    void allProblemsAreCollectedAndListedInFileOrder() throws IOException {
        Path file = write("""
                version: 3
                destinations:
                  main: { uri: "mem:main" }
                routes:
                  - { match: { table: t }, to: elsewhere }
                default: main
                """);
        TopologyException e = catchThrowableOfType(TopologyException.class, () -> TopologyLoader.load(file, k -> null));

        assertThat(e.getMessage()).isEqualTo(
                file + ":1:10: unsupported version '3'; this fanout reads version 1\n"
                + file + ":5:32: route to undefined destination 'elsewhere'; defined destinations: main");
    }

    @Test
    void unreadableFile() {
        Path missing = dir.resolve("missing.yaml");
        TopologyException e = catchThrowableOfType(TopologyException.class, () -> TopologyLoader.load(missing));
        assertThat(e.getMessage()).isEqualTo(missing + ":1:1: cannot read the topology file: no such file; check the path");
    }

    @Test
    void environmentVariablesAreSubstitutedInValues() throws IOException {
        Topology t = load("""
                version: 1
                destinations:
                  main: { uri: "mem:${DB_NAME}", options: { user: "${DB_USER:-reader}", password: "${DB_PASSWORD}" } }
                default: main
                batch: { max_rows: "${ROWS:-100}" }
                dlq: { path: "${DATA:-data}/dlq", }
                """, Map.of("DB_NAME", "trades", "DB_PASSWORD", "pw", "DB_USER", ""));

        DestinationSpec main = t.destinations().get("main");
        assertThat(main.uri()).isEqualTo("mem:trades");
        assertThat(main.options()).containsExactly(Map.entry("user", "reader"), Map.entry("password", "pw"));
        assertThat(t.batch().maxRows()).isEqualTo(100);
        assertThat(t.dlqPath()).contains(dir.resolve("data/dlq").toAbsolutePath().normalize());
    }

    @Test
    void unsetVariableWithoutDefaultIsNamedAndLocated() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:${DB_NAME}", options: { user: "${DB_USER:-reader}", password: "${DB_PASSWORD}" } }
                default: main
                """)).containsExactly(
                "3:16 environment variable 'DB_NAME' is not set; set it, or give a default with ${DB_NAME:-default}",
                "3:83 environment variable 'DB_PASSWORD' is not set; set it, or give a default with ${DB_PASSWORD:-default}");
    }

    @Test
    void substitutionLeavesKeysAloneAndHonoursEscapes() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                ${SECTION}: { max_rows: 5 }
                """, Map.of("SECTION", "batch"))).containsExactly("5:1 unknown key '${SECTION}' in the topology; expected one of "
                + "version, phase, destinations, routes, default, tables, batch, retry, circuit, dlq, flow, metrics");

        Topology t = load("""
                version: 1
                destinations:
                  main: { uri: "mem:main", options: { template: "$${NOT_A_VAR} and $$ alone" } }
                default: main
                """, Map.of());
        assertThat(t.destinations().get("main").options().get("template")).isEqualTo("${NOT_A_VAR} and $$ alone");
    }

    @Test
    void malformedVariableReferences() throws IOException {
        assertThat(problems("""
                version: 1
                destinations:
                  main: { uri: "mem:${1BAD}" }
                  other: { uri: "mem:${OPEN" }
                default: main
                """)).containsExactly(
                "3:16 bad variable reference '${1BAD}'; write ${NAME} or ${NAME:-default}",
                "4:17 unterminated '${' in value; close it with '}' or write '$${' for a literal '${'");
    }

    @Test
    void durationForms() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Durations.parse("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("PT2S")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Durations.parse("pt0.5s")).isEqualTo(Duration.ofMillis(500));
        for (String bad : List.of("", "2", "2 sec", "1.5s", "-1s", "PT-1S", "99999999999999999999s")) {
            assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> Durations.parse(bad)))
                    .as(bad).hasMessageContaining("write it like 250ms, 2s, 1m, 1h or PT2S");
        }
    }

    @Test
    void durationsInTheFile() throws IOException {
        Topology t = load("""
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                batch: { max_age: 1m }
                retry: { initial_backoff: 2s, max_backoff: PT1H }
                """, Map.of());
        assertThat(t.batch().maxAge()).isEqualTo(Duration.ofMinutes(1));
        assertThat(t.retry().initialBackoff()).isEqualTo(Duration.ofSeconds(2));
        assertThat(t.retry().maxBackoff()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void rangeBounds() {
        assertThat(RangeBound.parse("2026-01-01").instant()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(RangeBound.parse("2026-01-01T12:00:00Z").instant()).isEqualTo(Instant.parse("2026-01-01T12:00:00Z"));
        assertThat(RangeBound.parse("2026-01-01T12:00:00+01:00").instant()).isEqualTo(Instant.parse("2026-01-01T11:00:00Z"));
        assertThat(RangeBound.parse("2026-01-01").toString()).isEqualTo("2026-01-01");
    }

    @Test
    void sourceLocationPrintsFileLineColumn() {
        assertThat(new SourceLocation(Path.of("path/phase-2.yaml"), 7, 5)).hasToString("path/phase-2.yaml:7:5");
    }
}
