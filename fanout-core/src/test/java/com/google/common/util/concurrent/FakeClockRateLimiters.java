package com.google.common.util.concurrent;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Test-only access to Guava's package-private {@code RateLimiter.create(rate, SleepingStopwatch)}:
 * a real {@link RateLimiter} on a fake clock that "sleeps" by moving the clock forward.
 */
public final class FakeClockRateLimiters {

    private FakeClockRateLimiters() {
    }

    /** A fake clock in microseconds; sleeping advances it and records the total slept. */
    public static final class FakeClock {
        private final AtomicLong micros = new AtomicLong();
        private final AtomicLong slept = new AtomicLong();

        public long micros() {
            return micros.get();
        }

        /** Total microseconds the limiter asked to sleep. */
        public long sleptMicros() {
            return slept.get();
        }

        public void advanceMicros(long delta) {
            micros.addAndGet(delta);
        }
    }

    /** A bursty Guava limiter of {@code permitsPerSecond} on {@code clock}. */
    public static RateLimiter create(double permitsPerSecond, FakeClock clock) {
        return RateLimiter.create(permitsPerSecond, new RateLimiter.SleepingStopwatch() {
            @Override
            protected long readMicros() {
                return clock.micros();
            }

            @Override
            protected void sleepMicrosUninterruptibly(long micros) {
                if (micros > 0) {
                    clock.slept.addAndGet(micros);
                    clock.micros.addAndGet(micros);
                }
            }
        });
    }
}
