package dev.fanout.core.dispatch;

import java.time.Duration;

/**
 * Waits between retry attempts on a lane thread. Injected through {@link DispatcherSettings} so
 * tests can observe backoffs without sleeping; the default is {@link #SYSTEM}.
 */
@FunctionalInterface
public interface Sleeper {

    /** Sleeps with {@link Thread#sleep}. */
    Sleeper SYSTEM = duration -> {
        long nanos = RetryPolicy.saturatedNanos(duration);
        if (nanos > 0) {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        }
    };

    /** Blocks the calling thread for {@code duration}; may return early only by throwing. */
    void sleep(Duration duration) throws InterruptedException;
}
