package dev.fanout.core.dispatch;

import java.util.Objects;
import java.util.Optional;

/**
 * What became of a packet's rows at one destination: committed, parked in the dead-letter queue, or
 * failed (neither). Immutable.
 *
 * @param destination  the destination name
 * @param committed    whether the rows are durable there
 * @param error        why they are not: a sentence a person can act on; null when committed
 * @param retryable    whether the last failure was transient (replaying later may succeed); false when committed
 * @param deadLetterId the id of the dead-letter record holding the rows; null unless they were parked
 */
public record DestinationResult(String destination, boolean committed, String error, boolean retryable,
                                String deadLetterId) {

    public DestinationResult {
        Objects.requireNonNull(destination, "destination is null");
        if (committed == (error != null)) {
            throw new IllegalArgumentException("a committed result has no error and a failed one has one");
        }
        if (committed && (retryable || deadLetterId != null)) {
            throw new IllegalArgumentException("a committed result is neither retryable nor dead-lettered");
        }
    }

    public static DestinationResult committed(String destination) {
        return new DestinationResult(destination, true, null, false, null);
    }

    /** Not written and not parked: the producer must resend. */
    public static DestinationResult failed(String destination, String error, boolean retryable) {
        return new DestinationResult(destination, false, Objects.requireNonNull(error, "error is null"), retryable, null);
    }

    /** Not written, but durable in the dead-letter queue as record {@code deadLetterId}. */
    public static DestinationResult deadLettered(String destination, String deadLetterId, String error, boolean retryable) {
        Objects.requireNonNull(deadLetterId, "deadLetterId is null");
        return new DestinationResult(destination, false, Objects.requireNonNull(error, "error is null"), retryable,
                deadLetterId);
    }

    /** {@link PacketOutcome.Status#COMMITTED}, {@link PacketOutcome.Status#DEAD_LETTERED} or {@link PacketOutcome.Status#FAILED}. */
    public PacketOutcome.Status status() {
        if (committed) {
            return PacketOutcome.Status.COMMITTED;
        }
        return deadLetterId != null ? PacketOutcome.Status.DEAD_LETTERED : PacketOutcome.Status.FAILED;
    }

    /** The error, empty when committed. */
    public Optional<String> failure() {
        return Optional.ofNullable(error);
    }

    /** The dead-letter record id, empty unless parked. */
    public Optional<String> deadLetter() {
        return Optional.ofNullable(deadLetterId);
    }

    /** {@code message} led by "destination NAME: ", unless the writer already put it there. */
    static String prefixed(String destination, String message) {
        String prefix = "destination " + destination + ": ";
        return message != null && message.startsWith(prefix) ? message : prefix + message;
    }
}
