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
}
