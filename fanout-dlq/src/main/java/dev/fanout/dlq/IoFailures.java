package dev.fanout.dlq;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Why a file operation failed, in words. Java's {@link FileSystemException}s often carry only the
 * path as their message ({@code AccessDeniedException: data/dlq}); this says the reason the
 * operating system gave, or what the exception's class means, and the file concerned.
 */
final class IoFailures {

    private IoFailures() {
    }

    /**
     * The reason {@code e} gives, e.g. {@code "/srv/x: permission denied"}, {@code "/srv/x: a file
     * (not a directory) is in the way"}, {@code "/srv/x: Read-only file system"}, or its message for
     * other {@link IOException}s.
     */
    static String reason(IOException e) {
        if (!(e instanceof FileSystemException f)) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        String why = f.getReason();
        if (why == null || why.isBlank()) {
            why = byClass(f);
        }
        String file = f.getFile();
        String other = f.getOtherFile();
        return (file == null ? "" : file + (other == null ? "" : " -> " + other) + ": ") + why;
    }

    private static String byClass(FileSystemException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file (not a directory) is in the way";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        return e.getClass().getSimpleName();
    }
}
