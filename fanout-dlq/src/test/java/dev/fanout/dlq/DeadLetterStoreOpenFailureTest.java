package dev.fanout.dlq;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A dead-letter folder that cannot be made says what failed and why, not only a path. */
class DeadLetterStoreOpenFailureTest {

    @TempDir
    Path dir;

    @Test
    void aFileWhereAFolderShouldBeIsNamedAsSuch() throws IOException {
        Files.writeString(dir.resolve("plain"), "x");
        Path store = dir.resolve("plain/dlq");

        IOException e = catchThrowableOfType(IOException.class, () -> DeadLetterStore.open(store));

        assertThat(e.getMessage()).isEqualTo("dead-letter store " + store + ": cannot create its directory: " + dir.resolve("plain")
                + ": a file (not a directory) is in the way");
    }

    @Test
    void aReadOnlyFileSystemIsNamedAsSuch() throws IOException {
        Path mount = dir.resolve("ro");
        Files.createDirectories(mount);
        org.assertj.core.api.Assertions.assertThat(run("mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", mount.toString()))
                .as("mounting a 1 MiB tmpfs (how this test makes a real full or read-only file system) failed: the test suite needs root and mount; run it as root (scripts/test-all does on the project's machines)").isTrue();
        try {
            Path store = mount.resolve("dlq");

            IOException e = catchThrowableOfType(IOException.class, () -> DeadLetterStore.open(store));

            assertThat(e.getMessage()).isEqualTo("dead-letter store " + store + ": cannot create its directory: " + store
                    + ": Read-only file system");
        } finally {
            run("umount", "-l", mount.toString());
        }
    }

    @Test
    void reasonsSayWhatJavasPathOnlyMessagesMean() {
        assertThat(IoFailures.reason(new AccessDeniedException("/srv/dlq"))).isEqualTo("/srv/dlq: permission denied");
        assertThat(IoFailures.reason(new FileSystemException("/srv/dlq", null, "Read-only file system")))
                .isEqualTo("/srv/dlq: Read-only file system");
        assertThat(IoFailures.reason(new IOException("disk on fire"))).isEqualTo("disk on fire");
    }

    private static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
