package dev.fanout.dlq;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Another process (or another {@link DeadLetterStore} in this one) is writing the store: one writer
 * at a time keeps appends whole and ordered. The message names the directory, the holder's pid when
 * it is known, and what to do.
 */
public final class DeadLetterStoreLockedException extends IOException {

    private final Path directory;

    DeadLetterStoreLockedException(Path directory, String message) {
        super(message);
        this.directory = directory;
    }

    /** The store's directory. */
    public Path directory() {
        return directory;
    }
}
