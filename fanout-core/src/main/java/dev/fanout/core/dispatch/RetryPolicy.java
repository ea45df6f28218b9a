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

    /**
     * The pause before retry number {@code retry} (1 for the second attempt): full jitter over
     * {@code min(maxBackoff, initialBackoff * 2^(retry-1))}, so many lanes retrying one server spread out.
     *
     * @param retry  1-based retry number
     * @param jitter a uniform random number in [0, 1)
     */
    public Duration backoff(int retry, double jitter) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry must be at least 1, got " + retry);
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
        long initial = saturatedNanos(initialBackoff);
        long max = saturatedNanos(maxBackoff);
        long ceiling = retry > 62 || initial > (max >> (retry - 1)) ? max : Math.min(max, initial << (retry - 1));
        return Duration.ofNanos((long) (ceiling * jitter));
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
