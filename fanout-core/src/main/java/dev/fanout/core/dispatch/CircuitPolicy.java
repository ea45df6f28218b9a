package dev.fanout.core.dispatch;

import java.time.Duration;
import java.util.Objects;

/**
 * When a destination's circuit breaker opens and for how long: after {@code failureThreshold}
 * consecutive batches that failed retryably (each after its retries), the lane stops calling the
 * writer for {@code openFor} and parks (or fails) what arrives at once, so a dead destination costs
 * neither retries nor blocked producers. Then one batch is written as a probe, with a single attempt:
 * success closes the breaker, a retryable failure opens it again.
 *
 * @param failureThreshold consecutive retryably failed batches that open the breaker, at least 1
 * @param openFor          how long the breaker stays open before a probe, positive
 */
public record CircuitPolicy(int failureThreshold, Duration openFor) {
    public static final CircuitPolicy DEFAULT = new CircuitPolicy(5, Duration.ofSeconds(30));

    public CircuitPolicy {
        Objects.requireNonNull(openFor, "openFor is null");
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("circuit.failure_threshold must be at least 1, got " + failureThreshold);
        }
        if (openFor.isNegative() || openFor.isZero()) {
            throw new IllegalArgumentException("circuit.open_for must be positive, got " + openFor);
        }
    }
}
