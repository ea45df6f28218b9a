package dev.fanout.core.topology;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A minimal valid topology plus one section under test, parsed without files or environment. */
final class TopologySnippets {

    private static final Path FILE = Path.of("/tmp/fanout-snippet/topology.yaml");
    private static final String HEAD = """
            version: 1
            destinations:
              main: { uri: "mem:main" }
            default: main
            """;

    private TopologySnippets() {
    }

    /** The topology with {@code yaml} appended to a valid head of four lines. */
    static Topology parse(String yaml) {
        return TopologyLoader.parse(HEAD + yaml, FILE, Map.<String, String>of()::get);
    }

    /** Problems as "line:column message"; fails the test when {@code yaml} parses. */
    static List<String> problems(String yaml) {
        TopologyException e = catchThrowableOfType(TopologyException.class, () -> parse(yaml));
        assertThat(e).as("parsing should fail").isNotNull();
        return e.problems().stream().map(p -> p.where().line() + ":" + p.where().column() + " " + p.message()).toList();
    }
}
