package dev.fanout.writer.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DuckDB writer's {@link BaseWriter#targetIdentity()} is the file's, from the file system, before
 * and after opening: one file under a hard link's second name or through a symlinked directory has
 * one identity, a file not there yet is identified by its nearest existing directory and the rest of
 * its path (so two names of one new file agree), and once opened — created — by its own device and
 * inode, which a hard link made afterwards shares.
 */
class DuckDbTargetIdentityTest {

    @TempDir
    Path dir;

    private final DuckDbWriterProvider provider = new DuckDbWriterProvider();

    private Optional<String> identityOf(String name, String path) throws Exception {
        try (BaseWriter writer = provider.create(Destination.of(name, "duckdb:" + path, dir))) {
            return writer.targetIdentity();
        }
    }

    @Test
    void aHardLinkAndASymlinkedDirectoryNameOneFile() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        try (BaseWriter writer = provider.create(Destination.of("a", "duckdb:data/a.duckdb", dir))) {
            writer.open();
        }
        Files.createLink(data.resolve("h.duckdb"), data.resolve("a.duckdb"));
        Files.createSymbolicLink(dir.resolve("via"), data);
        Files.writeString(data.resolve("other.duckdb"), "");

        Optional<String> a = identityOf("a", "data/a.duckdb");

        assertThat(a).get().asString().matches("DuckDB file \\(device \\d+, inode \\d+\\)");
        assertThat(identityOf("h", "data/h.duckdb")).isEqualTo(a);
        assertThat(identityOf("v", "via/h.duckdb")).isEqualTo(a);
        assertThat(identityOf("o", "data/other.duckdb")).isPresent().isNotEqualTo(a);
        assertThat(provider.physicalTarget(Destination.of("h", "duckdb:data/h.duckdb", dir)))
                .as("the name-based target cannot tell").isNotEqualTo(provider.physicalTarget(Destination.of("a", "duckdb:data/a.duckdb", dir)));
    }

    @Test
    void aNewFileIsIdentifiedByItsNearestDirectoryUntilOpeningCreatesIt() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.createSymbolicLink(dir.resolve("via"), data);

        try (BaseWriter first = provider.create(Destination.of("first", "duckdb:data/deeper/new.duckdb", dir))) {
            Optional<String> before = first.targetIdentity();

            assertThat(before).get().asString().matches("new DuckDB file deeper/new\\.duckdb in the directory \\(device \\d+, inode \\d+\\)");
            assertThat(identityOf("second", "via/deeper/new.duckdb")).as("another name of the same new file").isEqualTo(before);
            assertThat(identityOf("third", "via/deeper/other.duckdb")).isNotEqualTo(before);

            first.open();
            Optional<String> after = first.targetIdentity();

            assertThat(after).get().asString().matches("DuckDB file \\(device \\d+, inode \\d+\\)");
            assertThat(identityOf("second", "via/deeper/new.duckdb")).isEqualTo(after);
            Files.createLink(data.resolve("alias.duckdb"), data.resolve("deeper/new.duckdb"));
            assertThat(identityOf("alias", "data/alias.duckdb")).as("a hard link made after the file was created").isEqualTo(after);
        }
    }
}
