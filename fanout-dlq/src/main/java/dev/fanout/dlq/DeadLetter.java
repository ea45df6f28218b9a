package dev.fanout.dlq;

import dev.fanout.api.FramePacket;

import java.time.Instant;
import java.util.Objects;

/**
 * A packet (or the part of one bound for one destination) that could not be written, with what is
 * needed to understand and replay it. Immutable.
 *
 * @param id             the record id, unique within the store; stable across replay attempts
 * @param packet         the rows exactly as submitted (every logical type round-trips)
 * @param destination    the destination the rows were bound for, or null when they failed before routing
 * @param errorClass     the failure's kind, e.g. {@code WriteException}, {@code DataError}, {@code Unroutable}, {@code NameClash}
 * @param message        why, in words a person can act on; never holds secrets
 * @param retryable      whether the last failure was transient
 * @param attempts       write attempts so far (0 for data errors caught before any write)
 * @param firstFailureAt when the rows first failed
 * @param lastFailureAt  when they last failed
 */
public record DeadLetter(String id, FramePacket packet, String destination, String errorClass, String message,
                         boolean retryable, int attempts, Instant firstFailureAt, Instant lastFailureAt) {
    public DeadLetter {
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(packet, "packet is null");
        Objects.requireNonNull(errorClass, "errorClass is null");
        Objects.requireNonNull(message, "message is null");
        Objects.requireNonNull(firstFailureAt, "firstFailureAt is null");
        Objects.requireNonNull(lastFailureAt, "lastFailureAt is null");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative");
        }
    }

    public String table() {
        return packet.table();
    }

    /** The same record after one more failed attempt at {@code at}. */
    public DeadLetter failedAgain(String errorClass, String message, boolean retryable, Instant at) {
        return new DeadLetter(id, packet, destination, errorClass, message, retryable, attempts + 1, firstFailureAt, at);
    }
}
