package dev.fanout.core.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.Destination;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.testplugin.FsProvider;
import dev.fanout.core.testplugin.MemProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopologyValidatorTest {

    @TempDir
    Path dir;

    private final WriterRegistry registry = WriterRegistry.of(List.of(new FsProvider(), new MemProvider()));

    private Topology load(String yaml) throws IOException {
        return load(yaml, Map.of());
    }

    private Topology load(String yaml, Map<String, String> env) throws IOException {
        Path file = dir.resolve("topology.yaml");
        Files.writeString(file, yaml);
        return TopologyLoader.load(file, env::get);
    }

    private List<String> problems(Topology t) {
        return new TopologyValidator(registry).problems(t).stream()
                .map(p -> p.where().line() + ":" + p.where().column() + " " + p.message())
                .toList();
    }

    @Test
    void acceptsAUsableTopology() throws IOException {
        Topology t = load("""
                version: 1
                destinations:
                  a: { uri: "fs:data/a.db" }
                  b: { uri: "fs:data/b.db" }
                  m: { uri: "MEM:one" }
                default: a
                """);
        assertThat(problems(t)).isEmpty();
        assertThatCode(() -> new TopologyValidator(registry).validate(t)).doesNotThrowAnyException();
    }

    @Test
    void reportsEveryDestinationProblemWithItsLocation() throws IOException {
        Topology t = load("""
                version: 1
                destinations:
                  a: { uri: "fs:data/a.db" }
                  b: { uri: "fs:./data/../data/a.db" }
                  plain: { uri: "data/x.duckdb" }
                  hot: { uri: "ch://127.0.0.1:8123/market" }
                  empty: { uri: "fs:", options: { colour: blue } }
                  m: { uri: "mem:one" }
                default: a
                """);
        Path target = dir.resolve("data/a.db").toAbsolutePath().normalize();

        assertThat(problems(t)).containsExactly(
                "4:3 destinations 'a' (" + t.file() + ":3:3) and 'b' name the same physical target " + target
                        + "; each target takes exactly one writer: point one of them elsewhere, or route their tables"
                        + " to one destination",
                "5:3 unknown scheme in the uri of destination 'plain': write it as scheme:target, e.g."
                        + " duckdb:data/plain.duckdb; installed: fs, mem",
                "6:3 no writer plugin for scheme 'ch' (destination hot); installed: fs, mem — add the plugin's jar under plugins/",
                "7:3 destination empty: the fs uri has no path; write fs:<file>",
                "7:3 destination empty: unknown option 'colour'");

        TopologyException e = catchThrowableOfType(TopologyException.class, () -> new TopologyValidator(registry).validate(t));
        assertThat(e.problems()).hasSize(5);
        assertThat(e.getMessage()).startsWith(t.file() + ":4:3: destinations 'a' (");
    }

    @Test
    void noPluginsInstalled() throws IOException {
        Topology t = load("""
                version: 1
                destinations:
                  a: { uri: "duckdb:a.duckdb" }
                default: a
                """);
        assertThat(new TopologyValidator(WriterRegistry.of(List.of())).problems(t)).singleElement()
                .extracting(Problem::message)
                .isEqualTo("no writer plugin for scheme 'duckdb' (destination a); installed: (none) — add the plugin's jar under plugins/");
    }

    @Test
    void aFailingPluginBecomesAProblemNotACrash() throws IOException {
        FsProvider broken = new FsProvider() {
            @Override
            public List<String> validate(Destination destination) {
                throw new IllegalStateException("boom for " + destination.option("auth_key").orElse(""));
            }
        };
        MemProvider noTarget = new MemProvider() {
            @Override
            public String physicalTarget(Destination destination) {
                throw new IllegalArgumentException("cannot parse");
            }
        };
        Topology t = load("""
                version: 1
                destinations:
                  a: { uri: "fs:a.db", options: { auth_key: hush-hush } }
                  m: { uri: "mem:x" }
                default: a
                """);
        assertThat(new TopologyValidator(WriterRegistry.of(List.of(broken, noTarget))).problems(t))
                .extracting(Problem::message).containsExactly(
                        "the fs plugin failed to check destination 'a': boom for ****",
                        "the mem plugin cannot tell the physical target of destination 'm': cannot parse");
    }

    private List<String> checked(String yaml, Map<String, String> env) throws IOException {
        Path file = dir.resolve("topology.yaml");
        Files.writeString(file, yaml);
        TopologyException e = catchThrowableOfType(TopologyException.class,
                () -> new TopologyValidator(registry).check(file, env::get));
        assertThat(e).as("check must fail").isNotNull();
        assertThat(e.getMessage().lines()).allMatch(l -> l.startsWith(file + ":"));
        return e.problems().stream().map(p -> p.where().line() + ":" + p.where().column() + " " + p.message()).toList();
    }

    @Test
    void checkReportsTheLoadersAndThePluginsProblemsInOnePass() throws IOException {
        List<String> found = checked("""
                version: 1
                destinations:
                  a: { uri: "fs:data/a.db" }
                  b: { uri: "fs:./data/a.db" }
                  pg_db: { uri: "pg://127.0.0.1/market" }
                  empty: { uri: "fs:" }
                  secret: { uri: "fs:data/s.db", options: { password: "${NO_SUCH_VAR}" } }
                routes:
                  - { match: { table: trades }, to: tradez }
                default: a
                batch: { max_age: 5 parsecs }
                colour: blue
                """, Map.of());
        Path target = dir.resolve("data/a.db").toAbsolutePath().normalize();
        assertThat(found).containsExactly(
                "4:3 destinations 'a' (" + dir.resolve("topology.yaml") + ":3:3) and 'b' name the same physical target " + target
                        + "; each target takes exactly one writer: point one of them elsewhere, or route their tables"
                        + " to one destination",
                "5:3 no writer plugin for scheme 'pg' (destination pg_db); installed: fs, mem — add the plugin's jar under plugins/",
                "6:3 destination empty: the fs uri has no path; write fs:<file>",
                "7:55 environment variable 'NO_SUCH_VAR' is not set; set it, or give a default with ${NO_SUCH_VAR:-default}",
                "9:37 route to undefined destination 'tradez'; defined destinations: a, b, pg_db, empty, secret",
                found.get(5),
                "12:1 unknown key 'colour' in the topology; expected one of version, phase, destinations, routes, default,"
                        + " tables, batch, retry, circuit, dlq, flow, metrics");
        assertThat(found.get(5)).startsWith("11:19 batch.max_age: ").contains("parsecs");
    }

    @Test
    void aBrokenEntryHidesNoOtherEntryOfItsKind() throws IOException {
        List<String> found = checked("""
                version: 1
                destinations:
                  a: { uri: "fs:", colour: red }
                  b: { uri: "fs:data/b.db", options: { shade: dark } }
                  c: { uri: "nowhere" }
                  d: { uri: "mem:x" }
                  e: { uri: "mem:x", size: 3 }
                routes:
                  - { match: { table: t1 }, to: x1 }
                  - { match: { table: t2 }, to: x2, via: y }
                  - { match: { tabel: t3 }, to: d }
                default: x3
                tables:
                  t1: { primary_key: [] }
                  t2: { key: [id] }
                """, Map.of());
        assertThat(found).extracting(f -> f.substring(0, f.indexOf(' '))).containsExactly(
                "3:3", "3:20", "4:3", "5:3", "7:3", "7:22",
                "9:33", "10:33", "10:37", "11:14", "11:16", "12:10", "14:22", "15:3", "15:9");
        // an unknown key next to a readable uri does not keep the plugin from checking that uri
        assertThat(found.get(0)).contains("destination a: the fs uri has no path");
        assertThat(found.get(1)).contains("unknown key 'colour' in destinations.a");
        assertThat(found.get(2)).contains("destination b: unknown option 'shade'");
        assertThat(found.get(3)).contains("unknown scheme in the uri of destination 'c'");
        assertThat(found.get(4)).contains("destinations 'd' (").contains("and 'e' name the same physical target mem:x");
        assertThat(found.get(5)).contains("unknown key 'size' in destinations.e");
        assertThat(found.get(6)).contains("undefined destination 'x1'");
        assertThat(found.get(7)).contains("undefined destination 'x2'");
        assertThat(found.get(8)).contains("unknown key 'via' in routes[1]");
        assertThat(found.get(9)).contains("routes[2].match has no criteria");
        assertThat(found.get(10)).contains("unknown key 'tabel' in routes[2].match");
        assertThat(found.get(11)).contains("default destination 'x3' is not defined");
        assertThat(found.get(12)).contains("primary_key of table 't1' is empty");
        assertThat(found.get(13)).contains("table 't2' has no 'primary_key'");
        assertThat(found.get(14)).contains("unknown key 'key' in tables.t2");
    }

    @Test
    void aSyntaxErrorStopsTheCheckAndSaysSo() throws IOException {
        assertThat(checked("""
                version: 1
                destinations:
                  a: { uri: "pg:x"
                default: nowhere
                """, Map.of())).singleElement().asString()
                .contains("YAML syntax error")
                .endsWith("the file cannot be parsed past this error, so nothing else in it was checked: fix it and validate again");
    }

    @Test
    void checkReturnsTheTopologyWhenNothingIsWrong() throws IOException {
        Path file = dir.resolve("ok.yaml");
        Files.writeString(file, "version: 1\ndestinations:\n  a: { uri: \"fs:data/a.db\" }\ndefault: a\n");
        assertThat(new TopologyValidator(registry).check(file, Map.<String, String>of()::get).destinations()).containsOnlyKeys("a");
    }
}
