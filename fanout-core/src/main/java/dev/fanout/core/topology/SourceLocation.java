package dev.fanout.core.topology;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.Objects;

/**
 * Where something was written in a topology file, so every message can send the reader to the
 * exact spot. Lines and columns count from 1.
 *
 * @param file   the topology file as it was given to the loader
 * @param line   1-based line
 * @param column 1-based column
 */
public record SourceLocation(Path file, int line, int column) implements Comparable<SourceLocation> {

    private static final Comparator<SourceLocation> ORDER = Comparator
            .comparing((SourceLocation l) -> l.file.toString())
            .thenComparingInt(SourceLocation::line)
            .thenComparingInt(SourceLocation::column);

    public SourceLocation {
        Objects.requireNonNull(file, "file is null");
        if (line < 1 || column < 1) {
            throw new IllegalArgumentException("line and column count from 1, got " + line + ":" + column);
        }
    }

    /** The start of {@code file}: for problems with the file as a whole. */
    public static SourceLocation startOf(Path file) {
        return new SourceLocation(file, 1, 1);
    }

    @Override
    public int compareTo(SourceLocation other) {
        return ORDER.compare(this, other);
    }

    /** {@code file:line:column}, the form editors and terminals turn into a link. */
    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
