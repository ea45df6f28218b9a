package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MotherDuck's offline error from the unpacked tarball: {@code fanout validate --connect} on a
 * topology with an {@code md:market} destination, a made-up token, the motherduck extension
 * directory an empty directory (so no extension installed on this machine is found) and, as
 * {@code extension_repository}, a local HTTP server that answers 404 to everything. So the extension
 * cannot be downloaded on any machine, online or not: DuckDB must ask that server for it, the md
 * line is the documented permanent failure (naming that repository) saying how to pre-install the
 * extension, the exit is 2 and the token shows nowhere — nor in {@code ingest --verbose}'s stack traces.
 */
class MotherDuckOfflineCommandTest {

    private static final String TOKEN = "distribution-test-token-0f1e2d3c4b5a";

    private static Installation installation;

    @TempDir
    Path work;

    private HttpServer repository;
    private final List<String> requested = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void unpack() throws Exception {
        installation = Installation.unpack();
    }

    @BeforeEach
    void repositoryThatServesNothing() throws IOException {
        repository = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        repository.createContext("/", exchange -> {
            requested.add(exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        repository.start();
    }

    @AfterEach
    void stopRepository() {
        repository.stop(0);
    }

    private String repositoryUrl() {
        return "http://127.0.0.1:" + repository.getAddress().getPort();
    }

    @Test
    void validateConnectReportsTheMissingExtensionAndHowToPreInstallItAndExitsTwo() throws Exception {
        Path extensions = Files.createDirectories(work.resolve("empty-extensions"));
        Files.writeString(work.resolve("md.yaml"), """
                version: 1
                destinations:
                  motherduck: { uri: "md:market", options: { token: "%s", extension_directory: empty-extensions, extension_repository: "%s" } }
                  main_db:    { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: motherduck }
                default: main_db
                """.formatted(TOKEN, repositoryUrl()));
        Map<String, String> env = SampleWork.environment(null);
        env.put("HOME", work.toString());
        env.put("motherduck_token", "");
        env.put("MOTHERDUCK_TOKEN", "");

        Installation.Run r = installation.fanout(work, env, "validate", "--connect", "md.yaml");

        assertThat(r.out() + r.err()).as("the token").doesNotContain(TOKEN);
        assertThat(requested).as("DuckDB asked the topology's extension_repository for the extension\n" + r.output())
                .singleElement().asString().matches("/v[0-9][^/]*/[a-z0-9_]+/motherduck\\.duckdb_extension\\.gz");
        String layout = requested.get(0).substring(1, requested.get(0).lastIndexOf('/'));
        assertThat(r.out().lines().filter(l -> l.startsWith("  motherduck: ")))
                .as(r.output())
                .singleElement().asString()
                .startsWith("  motherduck: failed (permanent): the motherduck DuckDB extension could not be loaded (no network access to "
                        + repositoryUrl() + "?), so MotherDuck database md:market cannot be reached. DuckDB said: ")
                .contains("Failed to download extension \"motherduck\" at URL \"" + repositoryUrl() + "/" + layout
                        + "/motherduck.duckdb_extension.gz\"")
                .contains("(extension_directory is " + extensions + ")")
                .contains("on a machine with network access run INSTALL motherduck in DuckDB")
                .contains("that <dir>/" + layout + "/motherduck.duckdb_extension exists")
                .contains("set this destination's option extension_directory to that <dir>")
                .endsWith("or allow this machine network access to " + repositoryUrl() + ".");
        assertThat(r.out()).as(r.output()).contains("\n  main_db: ok\n");
        assertThat(r.code()).as(r.output()).isEqualTo(2);
        assertThat(r.err()).as(r.output()).contains("1 of 2 destinations could not be opened");
    }

    /**
     * {@code fanout --verbose ingest} with the same unreachable extension: the trades are parked
     * with the open error, whose log line is followed by its stack trace, and the token shows
     * nowhere — not on stdout, stderr (stack traces included), nor in the dead-letter files.
     */
    @Test
    void ingestWithVerboseParksTheTradesWithTheOpenErrorsStackTraceAndNeverShowsTheToken() throws Exception {
        SampleWork.copyExamples(installation, work);
        Files.createDirectories(work.resolve("empty-extensions"));
        Files.writeString(work.resolve("md-ingest.yaml"), """
                version: 1
                destinations:
                  motherduck: { uri: "md:market", options: { token: "%s", extension_directory: empty-extensions, extension_repository: "%s" } }
                  main_db:    { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: motherduck }
                default: main_db
                tables:
                  trades: { primary_key: [trade_id], version_column: updated_at }
                dlq: { path: data/dlq }
                """.formatted(TOKEN, repositoryUrl()));
        Map<String, String> env = SampleWork.environment(null);
        env.put("HOME", work.toString());
        env.put("motherduck_token", "");
        env.put("MOTHERDUCK_TOKEN", "");

        Installation.Run r = installation.fanout(work, env, "--verbose", "ingest", "--no-progress", "--topology", "md-ingest.yaml",
                "input/day1/trades.csv");

        assertThat(r.code()).as(r.output()).isEqualTo(1);
        List<String> lines = r.err().lines().toList();
        int open = lines.indexOf(lines.stream().filter(l -> l.contains("WARN dev.fanout.core.dispatch.Lane - destination motherduck: "
                + "the writer did not open")).findFirst().orElseThrow(() -> new AssertionError(r.output())));
        assertThat(lines.get(open)).as(r.output()).contains("the motherduck DuckDB extension could not be loaded");
        assertThat(lines.get(open + 1)).as(r.output()).startsWith("dev.fanout.api.WriteException: ");
        assertThat(lines.get(open + 2)).as(r.output()).startsWith("\tat ");
        assertThat(r.out() + r.err()).as("the token").doesNotContain(TOKEN);
        StringBuilder dlq = new StringBuilder();
        try (Stream<Path> files = Files.walk(work.resolve("data/dlq"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                dlq.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        assertThat(dlq).as("dead-letter files").contains("motherduck DuckDB extension").doesNotContain(TOKEN);
    }
}
