package dev.fanout.cli;

import dev.fanout.core.topology.DestinationSpec;
import dev.fanout.core.topology.Topology;
import dev.fanout.core.topology.TopologyLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped migration path: every {@code examples/*.yaml} but the plugin example's passes {@code fanout validate}; phases 3
 * and 4 keep phase 2's tables (keys, version columns) and differ from it only where tables move to
 * ClickHouse — the DuckDB files that stay are phase 2's own.
 */
class ExampleTopologiesTest {

    private static final Map<String, String> NO_ENVIRONMENT = Map.of();

    private static Topology load(String name) {
        return TopologyLoader.load(Examples.DIR.resolve(name), NO_ENVIRONMENT::get);
    }

    @Test
    void everyShippedTopologyValidates() throws IOException {
        List<Path> shipped;
        try (Stream<Path> files = Files.list(Examples.DIR)) {
            // *-sqlite.yaml needs the example plugin (examples/writer-sqlite), whose end-to-end test runs it
            shipped = files.filter(p -> p.getFileName().toString().endsWith(".yaml") && !p.getFileName().toString().endsWith("-sqlite.yaml"))
                    .sorted().toList();
        }
        assertThat(shipped).extracting(p -> p.getFileName().toString())
                .contains("phase-1.yaml", "phase-2.yaml", "phase-3.yaml", "phase-4.yaml");
        for (Path topology : shipped) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                    .execute("validate", topology.toString());
            assertThat(code).as(topology + ": " + err).isEqualTo(0);
            assertThat(out.toString()).contains("valid");
        }
    }

    @Test
    void phase3MovesTheHotTablesAndRecentBarsToClickHouseAndKeepsPhase2sOtherFiles() {
        Topology phase2 = load("phase-2.yaml");
        Topology phase3 = load("phase-3.yaml");
        assertThat(phase3.tables()).isEqualTo(phase2.tables());
        assertThat(phase3.destinations().keySet()).containsExactlyInAnyOrder("clickhouse", "bars_archive", "main_db");
        DestinationSpec ch = phase3.destinations().get("clickhouse");
        assertThat(ch.uri()).isEqualTo("ch://127.0.0.1:8123/market");
        assertThat(ch.options()).isEqualTo(Map.of("user", "default", "password", ""));
        for (String kept : List.of("bars_archive", "main_db")) {
            assertThat(phase3.destinations().get(kept).uri()).isEqualTo(phase2.destinations().get(kept).uri());
        }
        assertThat(phase3.defaultDestination()).contains("main_db");
        assertThat(phase3.routes()).extracting(r -> r.to()).containsExactly("clickhouse", "clickhouse", "bars_archive", "clickhouse");
    }

    @Test
    void phase4SendsEveryTableToOneClickHouseDatabase() {
        Topology phase4 = load("phase-4.yaml");
        assertThat(phase4.tables()).isEqualTo(load("phase-2.yaml").tables());
        assertThat(phase4.destinations().values()).extracting(DestinationSpec::uri).containsExactly("ch://127.0.0.1:8123/market");
        assertThat(phase4.routes()).isEmpty();
        assertThat(phase4.defaultDestination()).contains("clickhouse");
    }

    @Test
    void clickHouseConnectionComesFromTheEnvironment() {
        Map<String, String> env = Map.of("CH_HTTP_PORT", "18123", "CH_USER", "ingest", "CH_PASSWORD", "s3cret");
        for (String name : List.of("phase-3.yaml", "phase-4.yaml")) {
            DestinationSpec ch = TopologyLoader.load(Examples.DIR.resolve(name), env::get).destinations().get("clickhouse");
            assertThat(ch.uri()).as(name).isEqualTo("ch://127.0.0.1:18123/market");
            assertThat(ch.options()).as(name).isEqualTo(Map.of("user", "ingest", "password", "s3cret"));
        }
    }
}
