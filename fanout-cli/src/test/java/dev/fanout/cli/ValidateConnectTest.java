package dev.fanout.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fanout validate --connect} on a DuckDB topology (every writer opens) and on an md: one (the
 * motherduck extension cannot be downloaded on the test machines, so it fails with the offline
 * message, masked), and the phase-3 MotherDuck example under the static checks. Needs the md
 * plugin (writer-motherduck) on the test class path.
 */
@Timeout(120)
class ValidateConnectTest {

    private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();
    private static final String TOKEN = "cli-test-token-9a8b7c6d5e4f";

    @TempDir
    Path dir;

    /** What a command printed: its out and err, and whatever reached the process's stdout and stderr (logs). */
    private record Run(int code, String out, String err, String console) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(console, true, StandardCharsets.UTF_8);
        int code;
        System.setOut(capture);
        System.setErr(capture);
        try {
            code = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new Run(code, out.toString(), err.toString(), console.toString(StandardCharsets.UTF_8));
    }

    @Test
    void phase3MotherDuckExampleValidatesWithoutConnecting() {
        Run r = run("validate", EXAMPLES.resolve("phase-3-motherduck.yaml").toString());

        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("valid").contains("phase hybrid-motherduck").contains("motherduck").contains("md:market")
                .contains("bars_archive");
    }

    @Test
    void connectOpensEachDuckDbDestination() throws IOException {
        Path t = dir.resolve("local.yaml");
        Files.writeString(t, """
                version: 1
                destinations:
                  trades_db: { uri: "duckdb:data/trades.duckdb" }
                  main_db: { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: trades_db }
                default: main_db
                """);

        Run r = run("validate", "--connect", t.toString());

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(0);
        assertThat(r.out()).contains("connecting:").contains("  trades_db: ok").contains("  main_db: ok");
        assertThat(dir.resolve("data/trades.duckdb")).exists();
    }

    @Test
    void connectReportsTheOfflineExtensionErrorMaskedAndExitsTwo() throws IOException {
        Path t = dir.resolve("md.yaml");
        Files.writeString(t, """
                version: 1
                destinations:
                  motherduck: { uri: "md:market", options: { token: "%s", extension_directory: ext } }
                  main_db: { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: motherduck }
                default: main_db
                """.formatted(TOKEN));

        Run r = run("validate", "--connect", t.toString());

        assertThat(r.out() + r.err() + r.console()).doesNotContain(TOKEN);
        Assumptions.assumeFalse(r.code() == 0, "md:market opened: this machine reached MotherDuck");
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.out()).contains("  main_db: ok").contains("  motherduck: failed (");
        assertThat(r.err()).contains("1 of 2 destinations could not be opened");
        Assumptions.assumeTrue(r.out().contains("Failed to download extension"), "the motherduck extension loaded here: " + r.out());
        assertThat(r.out()).contains("  motherduck: failed (permanent): the motherduck DuckDB extension could not be loaded (no network "
                + "access to extensions.duckdb.org?), so MotherDuck database md:market cannot be reached.")
                .contains("INSTALL motherduck").contains("extension_directory");
    }
}
