package dev.fanout.writer.motherduck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.WriteException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real attempt to open {@code md:} through DuckDB. The test machines cannot download the
 * motherduck extension, so open fails with the offline message; should a machine ever load the
 * extension, MotherDuck refuses the made-up token instead, and only the no-leak checks apply.
 */
@Timeout(120)
class MotherDuckOfflineTest {

    private static final String TOKEN = "offline-test-token-5f1e2d3c4b5a";

    @TempDir
    Path dir;

    @Test
    void openWithoutTheExtensionIsAPermanentErrorSayingHowToFixItAndNeverShowsTheToken() throws Exception {
        Destination destination = new Destination("hot", "md:market", Map.of("token", TOKEN, "extension_directory", "extensions"), dir,
                Set.of("token"));
        WriteException failure = null;
        try (BaseWriter writer = new MotherDuckWriterProvider().create(destination)) {
            writer.open();
        } catch (WriteException e) {
            failure = e;
        }
        Assumptions.assumeTrue(failure != null, "md:market opened: this machine reached MotherDuck, nothing to check offline");

        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).doesNotContain(TOKEN);
        assertThat(failure.getMessage()).doesNotContain(TOKEN);
        assertThat(failure.toString()).doesNotContain(TOKEN);

        Assumptions.assumeTrue(MotherDuckFailure.isExtensionMissing(failure.getMessage()),
                "the motherduck extension loaded here (network access?): " + failure.getMessage());
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.getCause()).isNull();
        assertThat(failure.getMessage())
                .startsWith("destination hot: the motherduck DuckDB extension could not be loaded (no network access to "
                        + "extensions.duckdb.org?), so MotherDuck database md:market cannot be reached. DuckDB said: ")
                .contains("Failed to download extension \"motherduck\"")
                .contains("(extension_directory is " + dir.resolve("extensions") + ")")
                .contains("INSTALL motherduck")
                .contains("set this destination's option extension_directory")
                .endsWith("or allow this machine network access to extensions.duckdb.org.")
                .doesNotContain("\n");
    }
}
