package dev.fanout.core.flow;

import com.google.common.util.concurrent.RateLimiter;

import java.util.Objects;

/**
 * The rate limit of an {@link InFlightFlowController}, behind a tiny seam so it can be replaced
 * in tests; {@link #of(RateLimiter)} adapts Guava's {@link RateLimiter}, which is what the
 * controller uses.
 *
 * <p>Guava's limiter charges a request to the requests after it: a packet of {@code n} rows is
 * admitted at once when the limiter is idle, however large, and the next one then waits about
 * {@code n / rate} seconds — a packet larger than the burst waits, in effect, in proportion to its
 * size. Waiting is uninterruptible (Guava's choice).
 */
public interface RowRateLimiter {

    /** Waits until {@code rows} rows may be admitted and takes them. */
    void acquire(long rows);

    /** Takes {@code rows} rows when that needs no waiting; false, taking nothing, otherwise. */
    boolean tryAcquire(long rows);

    /** Rows per second. */
    double rate();

    /** Adapts {@code limiter}, whose permits are rows; requests above {@link Integer#MAX_VALUE} rows are cut. */
    static RowRateLimiter of(RateLimiter limiter) {
        Objects.requireNonNull(limiter, "limiter is null");
        return new RowRateLimiter() {
            @Override
            public void acquire(long rows) {
                for (long left = rows; left > 0; left -= Integer.MAX_VALUE) {
                    limiter.acquire((int) Math.min(left, Integer.MAX_VALUE));
                }
            }

            @Override
            public boolean tryAcquire(long rows) {
                return rows <= 0 || limiter.tryAcquire((int) Math.min(rows, Integer.MAX_VALUE));
            }

            @Override
            public double rate() {
                return limiter.getRate();
            }
        };
    }
}
