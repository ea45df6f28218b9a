package dev.fanout.writer.motherduck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.WriteException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real attempt to open {@code md:} through DuckDB on a machine that cannot get the motherduck
 * extension, made so on purpose: an empty extension directory and, as the destination's
 * {@code extension_repository}, a local HTTP server that answers 404 to everything. So the open
 * fails the same way on every machine, online or not, and the message the user sees is checked
 * word for word.
 */
@Timeout(120)
class MotherDuckOfflineTest {

    private static final String TOKEN = "offline-test-token-5f1e2d3c4b5a";

    @TempDir
    Path dir;

    private HttpServer repository;
    private final List<String> requested = new CopyOnWriteArrayList<>();

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
    void openWithoutTheExtensionIsAPermanentErrorSayingHowToFixItAndNeverShowsTheToken() throws Exception {
        Path extensions = Files.createDirectory(dir.resolve("extensions"));
        Destination destination = new Destination("hot", "md:market", Map.of("token", TOKEN, "extension_directory", "extensions",
                "extension_repository", repositoryUrl()), dir, Set.of("token"));

        WriteException failure;
        try (BaseWriter writer = new MotherDuckWriterProvider().create(destination)) {
            failure = catchThrowableOfType(WriteException.class, writer::open);
        }

        assertThat(failure).as("md:market opened although its extension directory is empty and its repository serves nothing")
                .isNotNull();
        assertThat(requested).as("DuckDB asked the destination's extension_repository for the extension")
                .singleElement().asString().matches("/v[0-9][^/]*/[a-z0-9_]+/motherduck\\.duckdb_extension\\.gz");
        String layout = requested.get(0).substring(1, requested.get(0).lastIndexOf('/'));
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).doesNotContain(TOKEN);
        assertThat(failure.toString()).doesNotContain(TOKEN);
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.getCause()).isNull();
        assertThat(failure.getMessage())
                .startsWith("destination hot: the motherduck DuckDB extension could not be loaded (no network access to "
                        + repositoryUrl() + "?), so MotherDuck database md:market cannot be reached. DuckDB said: ")
                .contains("Failed to download extension \"motherduck\" at URL \"" + repositoryUrl() + "/" + layout
                        + "/motherduck.duckdb_extension.gz\" (HTTP 404)")
                .contains("(extension_directory is " + extensions + "). To fix it, either pre-install the extension: on a machine "
                        + "with network access run INSTALL motherduck in DuckDB " + layout.substring(0, layout.indexOf('/')) + ", the "
                        + "version fanout bundles, copy its extension directory (~/.duckdb/extensions by default) to this machine so "
                        + "that <dir>/" + layout + "/motherduck.duckdb_extension exists, and set this destination's option "
                        + "extension_directory to that <dir>; or allow this machine network access to " + repositoryUrl() + ".")
                .doesNotContain(TOKEN)
                .doesNotContain("\n");
    }

    /**
     * An offline mirror in a local directory, written relative to the topology and with a space in
     * its name: DuckDB looks for the extension under the directory resolved against the topology (not
     * the process's working directory), and the message says where to put it.
     */
    @Test
    void aLocalExtensionRepositoryIsLookedUpUnderTheTopologyAndTheMessageSaysWhereToPutTheExtension() throws Exception {
        Path extensions = Files.createDirectory(dir.resolve("extensions"));
        Path mirror = Files.createDirectories(dir.resolve("offline mirror"));
        Destination destination = new Destination("hot", "md:market", Map.of("token", TOKEN, "extension_directory", "extensions",
                "extension_repository", "offline mirror"), dir, Set.of("token"));

        WriteException failure;
        try (BaseWriter writer = new MotherDuckWriterProvider().create(destination)) {
            failure = catchThrowableOfType(WriteException.class, writer::open);
        }

        assertThat(failure).as("md:market opened although its extension directory and its local repository are empty").isNotNull();
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.getCause()).isNull();
        Matcher looked = Pattern.compile("\"" + Pattern.quote(mirror.toString()) + "/(v[0-9][^/]*/[a-z0-9_]+)/motherduck\\.duckdb_extension\"")
                .matcher(failure.getMessage());
        assertThat(looked.find()).as("DuckDB looked for the extension under " + mirror + ": " + failure.getMessage()).isTrue();
        String layout = looked.group(1);
        assertThat(failure.getMessage())
                .startsWith("destination hot: the motherduck DuckDB extension could not be loaded (not in the local extension "
                        + "repository " + mirror + "?), so MotherDuck database md:market cannot be reached. DuckDB said: ")
                .contains("(extension_directory is " + extensions + "). To fix it, either pre-install the extension: ")
                .endsWith("; or put the extension file, uncompressed, at " + mirror + "/" + layout + "/motherduck.duckdb_extension "
                        + "(in the local directory the option extension_repository names).")
                .doesNotContain(TOKEN)
                .doesNotContain("\n");
    }
}
