package dev.fanout.core.dispatch;

import java.util.Objects;

/**
 * How a {@link Dispatcher} batches, retries and bounds memory.
 *
 * @param batch             when a lane writes: {@link BatchPolicy#maxRows()} rows of a table waiting,
 *                          or the oldest waiting part {@link BatchPolicy#maxAge()} old
 * @param retry             attempts and backoff for retryable write failures
 * @param queueCapacityRows per destination, the most rows admitted and not yet committed or failed
 *                          (waiting and being written); a submit routed to a full lane blocks. A
 *                          single part larger than this is still admitted when its lane holds nothing
 * @param sleeper           how a lane waits between retries; {@link Sleeper#SYSTEM} outside tests
 */
public record DispatcherSettings(BatchPolicy batch, RetryPolicy retry, int queueCapacityRows, Sleeper sleeper) {

    /** Default batching and retries, with room for four batches per lane. */
    public static final DispatcherSettings DEFAULT = of(BatchPolicy.DEFAULT, RetryPolicy.DEFAULT);

    public DispatcherSettings {
        Objects.requireNonNull(batch, "batch is null");
        Objects.requireNonNull(retry, "retry is null");
        Objects.requireNonNull(sleeper, "sleeper is null");
        if (queueCapacityRows < 1) {
            throw new IllegalArgumentException("queue capacity must be at least 1 row, got " + queueCapacityRows);
        }
    }

    /** Settings that sleep for real between retries. */
    public DispatcherSettings(BatchPolicy batch, RetryPolicy retry, int queueCapacityRows) {
        this(batch, retry, queueCapacityRows, Sleeper.SYSTEM);
    }

    /** Settings whose lanes hold up to four batches ({@code 4 × batch.maxRows}) each. */
    public static DispatcherSettings of(BatchPolicy batch, RetryPolicy retry) {
        Objects.requireNonNull(batch, "batch is null");
        return new DispatcherSettings(batch, retry, (int) Math.min(Integer.MAX_VALUE, 4L * batch.maxRows()));
    }

    /** The same settings with another {@link Sleeper}. */
    public DispatcherSettings withSleeper(Sleeper sleeper) {
        return new DispatcherSettings(batch, retry, queueCapacityRows, sleeper);
    }
}
