package dev.fanout.core.dispatch;

import java.time.Duration;
import java.util.Objects;

/**
 * Retries of a batch that failed with a retryable {@link dev.fanout.api.WriteException}: exponential
 * backoff from {@code initialBackoff}, doubled per attempt up to {@code maxBackoff}, with full jitter,
 * at most {@code maxAttempts} attempts in all (1 means no retry).
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(6, Duration.ofMillis(100), Duration.ofSeconds(10));

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff is null");
        Objects.requireNonNull(maxBackoff, "maxBackoff is null");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("retry.max_attempts must be at least 1, got " + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("retry backoffs must satisfy 0 <= initial_backoff <= max_backoff");
        }
    }
}
