package dev.fanout.core.migrate;

import java.util.Optional;

/**
 * The rows of a move at its source, or why they could not be counted (the source is locked by
 * another process, unreachable, cannot be read), secrets masked.
 */
public record SourceCount(long rows, Optional<String> unavailable) {

    static SourceCount of(long rows) {
        return new SourceCount(rows, Optional.empty());
    }

    static SourceCount unavailable(String reason) {
        return new SourceCount(-1, Optional.of(reason));
    }
}
