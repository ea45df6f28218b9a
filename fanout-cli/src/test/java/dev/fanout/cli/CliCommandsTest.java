package dev.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/** Exit codes and messages of validate, plugins and ingest's up-front checks. */
class CliCommandsTest {

    private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    /** A topology sending every table to {@code data/main.duckdb} next to it. */
    private Path oneDuckDbFile() throws IOException {
        Path t = dir.resolve("t.yaml");
        Files.writeString(t, """
                version: 1
                destinations:
                  main_db: { uri: "duckdb:data/main.duckdb" }
                default: main_db
                """);
        return t;
    }

    @Test
    void shippedTopologiesAreValid() {
        for (String name : new String[] {"phase-1.yaml", "phase-2.yaml"}) {
            CliRun r = fanout("validate", EXAMPLES.resolve(name).toString());
            assertThat(r.code()).as(r.err()).isEqualTo(0);
            assertThat(r.out()).contains("valid");
        }
        assertThat(fanout("validate", EXAMPLES.resolve("phase-2.yaml").toString()).out())
                .contains("trades_db", "bars_archive", "duckdb");
    }

    @Test
    void invalidTopologyExitsTwoNamingFileLineAndColumn() throws IOException {
        Path t = dir.resolve("broken.yaml");
        Files.writeString(t, """
                version: 1
                destinations:
                  main_db: { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: tradez }
                default: main_db
                """);
        CliRun r = fanout("validate", t.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("broken.yaml:5:").contains("tradez");
    }

    @Test
    void twoDestinationsOnOneDuckDbFileAreRefused() throws IOException {
        Path t = dir.resolve("twice.yaml");
        Files.writeString(t, """
                version: 1
                destinations:
                  a: { uri: "duckdb:data/x.duckdb" }
                  b: { uri: "duckdb:./data/../data/x.duckdb" }
                default: a
                """);
        CliRun r = fanout("validate", t.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("twice.yaml:").contains("x.duckdb").contains("a").contains("b");
    }

    @Test
    void pluginsWithoutAPluginDirectoryListsTheWritersOnTheClassPathWithTheirDescriptors() {
        CliRun r = fanout("plugins");
        assertThat(r.code()).isEqualTo(0);
        assertThat(r.out()).startsWith("writer plugins from the class path:");
        assertThat(r.out().lines()).anyMatch(l -> l.matches("duckdb +duckdb +\\S+ +\\d+\\.\\d+ +read, schema evolution, copy from same engine, export rows +\\(class path\\) +.*"));
    }

    @Test
    void ingestWithoutAPrimaryKeyIsAUsageError() throws IOException {
        Path t = oneDuckDbFile();
        Path csv = dir.resolve("orders.csv");
        Files.writeString(csv, "id,amount\n1,2.5\n");
        CliRun r = fanout("ingest", "--no-progress", "--topology", t.toString(), csv.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("orders.csv").contains("'orders'").contains("--primary-key");
        assertThat(Files.exists(dir.resolve("data/main.duckdb"))).as("nothing written").isFalse();
    }

    @Test
    void ingestOfAMissingFileIsAUsageErrorNamingIt() throws IOException {
        Path t = oneDuckDbFile();
        CliRun r = fanout("ingest", "--no-progress", "--topology", t.toString(), "--primary-key", "id", dir.resolve("nope.csv").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("nope.csv").contains("no such file");
    }

    @Test
    void ingestWithKeyFromTheFlagCommitsAndReportsEveryDestination() throws IOException {
        Path t = oneDuckDbFile();
        Path csv = dir.resolve("orders.csv");
        Files.writeString(csv, "id,amount\n1,2.5\n2,3.5\n1,4.5\n");
        CliRun r = fanout("ingest", "--no-progress", "--topology", t.toString(), "--primary-key", "id", csv.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("main_db").contains("3 rows committed");
    }
}
