package dev.fanout.core.dispatch;

import java.time.Duration;
import java.util.Objects;

/**
 * How a lane coalesces packets before a write: it writes as soon as {@code maxRows} rows of one
 * table are waiting, or when the oldest waiting packet is {@code maxAge} old, whichever comes first.
 *
 * @param maxRows rows that trigger a write (a single larger packet is written whole)
 * @param maxAge  longest time a packet waits for company
 */
public record BatchPolicy(int maxRows, Duration maxAge) {
    public static final BatchPolicy DEFAULT = new BatchPolicy(50_000, Duration.ofMillis(200));

    public BatchPolicy {
        Objects.requireNonNull(maxAge, "maxAge is null");
        if (maxRows < 1) {
            throw new IllegalArgumentException("batch.max_rows must be at least 1, got " + maxRows);
        }
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("batch.max_age must not be negative, got " + maxAge);
        }
    }
}
