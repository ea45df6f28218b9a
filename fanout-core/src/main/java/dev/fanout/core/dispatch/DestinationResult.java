package dev.fanout.core.dispatch;

import java.util.Objects;
import java.util.Optional;

/**
 * What became of a packet's rows at one destination.
 *
 * @param destination the destination name
 * @param committed   whether the rows are durable there
 * @param error       why they are not: a sentence a person can act on; null when committed
 * @param retryable   whether the last failure was transient (replaying later may succeed); false when committed
 */
public record DestinationResult(String destination, boolean committed, String error, boolean retryable) {

    public DestinationResult {
        Objects.requireNonNull(destination, "destination is null");
        if (committed == (error != null)) {
            throw new IllegalArgumentException("a committed result has no error and a failed one has one");
        }
        if (committed && retryable) {
            throw new IllegalArgumentException("a committed result is not retryable");
        }
    }

    public static DestinationResult committed(String destination) {
        return new DestinationResult(destination, true, null, false);
    }

    public static DestinationResult failed(String destination, String error, boolean retryable) {
        return new DestinationResult(destination, false, Objects.requireNonNull(error, "error is null"), retryable);
    }

    /** The error, empty when committed. */
    public Optional<String> failure() {
        return Optional.ofNullable(error);
    }
}
