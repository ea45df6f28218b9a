package dev.fanout.core.topology;

import java.util.Comparator;
import java.util.Objects;

/**
 * One thing wrong with a topology, located in its file.
 *
 * @param where   where to look
 * @param message what is wrong and what to do about it; never holds a secret
 */
public record Problem(SourceLocation where, String message) {

    /** By file, line and column; problems at one spot keep the order they were found in. */
    public static final Comparator<Problem> FILE_ORDER = Comparator.comparing(Problem::where);

    public Problem {
        Objects.requireNonNull(where, "where is null");
        Objects.requireNonNull(message, "message is null");
    }

    /** {@code file:line:column: message}. */
    @Override
    public String toString() {
        return where + ": " + message;
    }
}
