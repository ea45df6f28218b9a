package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MotherDuck's offline error from the unpacked tarball: {@code fanout validate --connect} on a
 * topology with an {@code md:market} destination, the motherduck extension directory an empty
 * directory (so no extension installed on this machine is found) and a made-up token. Where the
 * extension cannot be downloaded — the machines this project is tested on — the md line is the
 * documented permanent failure saying how to pre-install the extension, the exit is 2 and the
 * token shows nowhere. A machine that can download the extension fails this test, saying so.
 */
class MotherDuckOfflineCommandTest {

    private static final String TOKEN = "distribution-test-token-0f1e2d3c4b5a";
    private static final String EXTENSIONS_HOST = "extensions.duckdb.org";

    private static Installation installation;

    @TempDir
    Path work;

    @BeforeAll
    static void unpack() throws Exception {
        installation = Installation.unpack();
    }

    /** Whether this machine opens a TCP connection to the DuckDB extension repository (HTTPS), for the failure message. */
    private static String networkProbe() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(EXTENSIONS_HOST, 443), 3000);
            return "this machine DOES reach " + EXTENSIONS_HOST + ":443, so DuckDB can download the motherduck extension and the "
                    + "offline error cannot be produced here: run this test on a machine without network access to " + EXTENSIONS_HOST;
        } catch (IOException e) {
            return EXTENSIONS_HOST + ":443 is not reachable from here (" + e + ")";
        }
    }

    @Test
    void validateConnectReportsTheMissingExtensionAndHowToPreInstallItAndExitsTwo() throws Exception {
        Path extensions = Files.createDirectories(work.resolve("empty-extensions"));
        Files.writeString(work.resolve("md.yaml"), """
                version: 1
                destinations:
                  motherduck: { uri: "md:market", options: { token: "%s", extension_directory: empty-extensions } }
                  main_db:    { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: motherduck }
                default: main_db
                """.formatted(TOKEN));
        Map<String, String> env = SampleWork.environment(null);
        env.put("HOME", work.toString());
        env.put("motherduck_token", "");
        env.put("MOTHERDUCK_TOKEN", "");

        Installation.Run r = installation.fanout(work, env, "validate", "--connect", "md.yaml");

        assertThat(r.out() + r.err()).as("the token").doesNotContain(TOKEN);
        assertThat(r.out().lines().filter(l -> l.startsWith("  motherduck: ")))
                .as(() -> networkProbe() + "\n" + r.output())
                .singleElement().asString()
                .startsWith("  motherduck: failed (permanent): the motherduck DuckDB extension could not be loaded (no network access to "
                        + "extensions.duckdb.org?), so MotherDuck database md:market cannot be reached. DuckDB said: ")
                .contains("Failed to download extension \"motherduck\"")
                .contains("(extension_directory is " + extensions + ")")
                .contains("on a machine with network access run INSTALL motherduck in DuckDB")
                .contains("set this destination's option extension_directory to that <dir>")
                .endsWith("or allow this machine network access to extensions.duckdb.org.");
        assertThat(r.out()).as(r.output()).contains("\n  main_db: ok\n");
        assertThat(r.code()).as(r.output()).isEqualTo(2);
        assertThat(r.err()).as(r.output()).contains("1 of 2 destinations could not be opened");
    }
}
