package dev.fanout.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fanout validate --connect} on a DuckDB topology (every writer opens) and on an md: one whose
 * motherduck extension cannot be had (it fails with the offline message, masked), and the phase-3
 * MotherDuck example under the static checks. Needs the md plugin (writer-motherduck) on the test
 * class path.
 */
@Timeout(120)
class ValidateConnectTest {

    private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();
    private static final String TOKEN = "cli-test-token-9a8b7c6d5e4f";

    @TempDir
    Path dir;

    @Test
    void phase3MotherDuckExampleValidatesWithoutConnecting() {
        CliRun r = CliRun.fanout("validate", EXAMPLES.resolve("phase-3-motherduck.yaml").toString());

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

        CliRun r = CliRun.fanout("validate", "--connect", t.toString());

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(0);
        assertThat(r.out()).contains("connecting:").contains("  trades_db: ok").contains("  main_db: ok");
        assertThat(dir.resolve("data/trades.duckdb")).exists();
    }

    /**
     * The motherduck extension made unobtainable on purpose, whatever the machine's network: an empty
     * extension directory and an extension repository (a local HTTP server) that answers 404.
     */
    @Test
    void connectReportsTheOfflineExtensionErrorMaskedAndExitsTwo() throws IOException {
        HttpServer repository = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        repository.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        repository.start();
        String url = "http://127.0.0.1:" + repository.getAddress().getPort();
        Path t = dir.resolve("md.yaml");
        Files.writeString(t, """
                version: 1
                destinations:
                  motherduck: { uri: "md:market", options: { token: "%s", extension_directory: ext, extension_repository: "%s" } }
                  main_db: { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: motherduck }
                default: main_db
                """.formatted(TOKEN, url));
        Files.createDirectory(dir.resolve("ext"));

        CliRun r;
        try {
            r = CliRun.fanout("validate", "--connect", t.toString());
        } finally {
            repository.stop(0);
        }

        assertThat(r.out() + r.err() + r.console()).doesNotContain(TOKEN);
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("1 of 2 destinations could not be opened\n");
        assertThat(r.out()).contains("\n  main_db: ok\n");
        assertThat(r.out().lines().filter(l -> l.startsWith("  motherduck: ")).toList()).singleElement().asString()
                .startsWith("  motherduck: failed (permanent): the motherduck DuckDB extension could not be loaded (no network access to "
                        + url + "?), so MotherDuck database md:market cannot be reached. DuckDB said: ")
                .contains("Failed to download extension \"motherduck\" at URL \"" + url + "/")
                .contains("(extension_directory is " + dir.resolve("ext") + "). To fix it, either pre-install the extension: on a "
                        + "machine with network access run INSTALL motherduck in DuckDB ")
                .endsWith("and set this destination's option extension_directory to that <dir>; or allow this machine network access to "
                        + url + ".");
    }
}
