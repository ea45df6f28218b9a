package dev.fanout.core.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * One destination's circuit breaker, per {@link CircuitPolicy}. Counts consecutive batches that
 * failed retryably after their retries; a success or a permanent failure (the destination answered)
 * resets the count.
 *
 * <p><b>Threading.</b> Only the lane thread calls {@link #permit} and the {@code record} methods;
 * {@link #state()} and {@link #isTripped()} may be read from any thread.
 */
final class CircuitBreaker {

    /** What the lane may do with the next batch. */
    enum Permit {
        /** Write it with the retry policy's attempts. */
        WRITE,
        /** Write it once: the probe of a half-open breaker. */
        PROBE,
        /** Do not call the writer; {@link #refusal()} says why. */
        REFUSE
    }

    private final String destination;
    private final CircuitPolicy policy;
    private final Clock clock;

    private volatile CircuitState state = CircuitState.CLOSED;
    private volatile Instant openUntil = Instant.MIN;
    private int consecutiveFailures;
    private String lastError;

    CircuitBreaker(String destination, CircuitPolicy policy, Clock clock) {
        this.destination = destination;
        this.policy = policy;
        this.clock = clock;
    }

    /** Decides about the next batch; an open breaker whose period is over becomes half-open here. */
    Permit permit() {
        CircuitState s = state;
        if (s == CircuitState.CLOSED) {
            return Permit.WRITE;
        }
        if (s == CircuitState.OPEN && clock.instant().isBefore(openUntil)) {
            return Permit.REFUSE;
        }
        state = CircuitState.HALF_OPEN;
        return Permit.PROBE;
    }

    /** Why batches are refused while open; names the destination, the count and the last error. */
    String refusal() {
        return "circuit open for destination " + destination + " after " + consecutiveFailures
                + " consecutive failures: " + lastError;
    }

    void recordSuccess() {
        consecutiveFailures = 0;
        lastError = null;
        state = CircuitState.CLOSED;
    }

    /** A permanent failure: the destination answered, so it counts as alive. */
    void recordPermanentFailure() {
        recordSuccess();
    }

    /**
     * A batch failed retryably after its attempts.
     *
     * @return true when this opened (or re-opened) the breaker
     */
    boolean recordRetryableFailure(String error) {
        consecutiveFailures++;
        lastError = error;
        if (state == CircuitState.HALF_OPEN || consecutiveFailures >= policy.failureThreshold()) {
            openUntil = clock.instant().plus(policy.openFor());
            state = CircuitState.OPEN;
            return true;
        }
        return false;
    }

    /** Whether batches skip the usual wait for company: the breaker is open or half-open. */
    boolean isTripped() {
        return state != CircuitState.CLOSED;
    }

    /** The state now: an open breaker whose period is over reports half-open. */
    CircuitState state() {
        CircuitState s = state;
        if (s == CircuitState.OPEN && !clock.instant().isBefore(openUntil)) {
            return CircuitState.HALF_OPEN;
        }
        return s;
    }

    Duration openFor() {
        return policy.openFor();
    }

    int consecutiveFailures() {
        return consecutiveFailures;
    }
}
