package dev.fanout.dlq;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Owner-only permissions for everything a store creates: 0700 directories, 0600 files (POSIX only). */
final class Permissions {

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private Permissions() {
    }

    static FileAttribute<?>[] ownerFile() {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
    }

    static FileAttribute<?>[] ownerDirectory() {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))}
                : new FileAttribute<?>[0];
    }

    static Set<OpenOption> fileOptions(OpenOption... options) {
        return Set.of(options);
    }

    /** Makes a directory entry durable (a created, renamed or deleted file); a no-op where unsupported. */
    static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            DeadLetterStore.LOG.log(System.Logger.Level.DEBUG, "cannot fsync directory {0}: {1}", dir, e.toString());
        }
    }
}
