package dev.fanout.core.dispatch;

import dev.fanout.api.FramePacket;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The acknowledgement of one submitted packet. Immutable.
 *
 * <p>{@link Status#COMMITTED} and {@link Status#DEAD_LETTERED} are both durable: every part is
 * either at its destination or in the dead-letter queue, so a producer may commit its source offsets.
 * {@link Status#FAILED} means some part is in neither place and the producer must resend it.
 * {@link #destinations()} says what happened where, {@link #reason()} says why in one line. A packet
 * refused before any lane took it (invalid data, a routing error, a name that differs only by case
 * from one already sent to a case-insensitive destination) has no destination results; when parked,
 * {@link #deadLetterId()} names its record.
 */
public final class PacketOutcome {

    /** The fate of a whole packet, or of one part at one destination; declared best first, and a packet takes its worst part's. */
    public enum Status {
        /** Every part is durable at its destination. */
        COMMITTED,
        /** Every part is durable, at its destination or, at least one, in the dead-letter queue. */
        DEAD_LETTERED,
        /** At least one part was neither written nor parked: rejected data without a dead-letter queue, a write failure, or a failed park. */
        FAILED
    }

    private final String packetId;
    private final String table;
    private final int rows;
    private final Status status;
    private final Map<String, DestinationResult> destinations;
    private final String reason;
    private final String deadLetterId;

    private PacketOutcome(String packetId, String table, int rows, Status status,
                          Map<String, DestinationResult> destinations, String reason, String deadLetterId) {
        this.packetId = packetId;
        this.table = table;
        this.rows = rows;
        this.status = status;
        this.destinations = destinations;
        this.reason = reason;
        this.deadLetterId = deadLetterId;
    }

    /**
     * The outcome of a packet whose parts all went to their lanes, from their results in routing order:
     * FAILED if any part failed, else DEAD_LETTERED if any was parked, else COMMITTED.
     */
    public static PacketOutcome of(FramePacket packet, List<DestinationResult> results) {
        Objects.requireNonNull(packet, "packet is null");
        Objects.requireNonNull(results, "results is null");
        Map<String, DestinationResult> byDestination = new LinkedHashMap<>();
        Status status = Status.COMMITTED;
        for (DestinationResult r : results) {
            if (byDestination.put(r.destination(), r) != null) {
                throw new IllegalArgumentException("two results for destination " + r.destination());
            }
            if (r.status().compareTo(status) > 0) {
                status = r.status();
            }
        }
        String reason = results.stream().filter(r -> !r.committed())
                .map(r -> DestinationResult.prefixed(r.destination(), r.error()))
                .collect(Collectors.joining("; "));
        if (results.isEmpty()) {
            status = Status.FAILED;
            reason = "no destination";
        }
        return new PacketOutcome(packet.packetId(), packet.table(), packet.rowCount(), status,
                Collections.unmodifiableMap(byDestination), reason.isEmpty() ? null : reason, null);
    }

    /** A packet refused before any write, e.g. invalid data or a routing error, and not parked. */
    public static PacketOutcome rejected(FramePacket packet, String reason) {
        Objects.requireNonNull(packet, "packet is null");
        Objects.requireNonNull(reason, "reason is null");
        return new PacketOutcome(packet.packetId(), packet.table(), packet.rowCount(), Status.FAILED, Map.of(), reason, null);
    }

    /** A packet refused before any write and parked whole, as record {@code deadLetterId}, with no destination. */
    public static PacketOutcome deadLettered(FramePacket packet, String deadLetterId, String reason) {
        Objects.requireNonNull(packet, "packet is null");
        Objects.requireNonNull(deadLetterId, "deadLetterId is null");
        Objects.requireNonNull(reason, "reason is null");
        return new PacketOutcome(packet.packetId(), packet.table(), packet.rowCount(), Status.DEAD_LETTERED, Map.of(),
                reason, deadLetterId);
    }

    public String packetId() {
        return packetId;
    }

    public String table() {
        return table;
    }

    /** Rows in the submitted packet, across all its parts. */
    public int rows() {
        return rows;
    }

    public Status status() {
        return status;
    }

    public boolean isCommitted() {
        return status == Status.COMMITTED;
    }

    /** Committed or dead-lettered: nothing of the packet needs resending, so its source offsets may be committed. */
    public boolean isDurable() {
        return status != Status.FAILED;
    }

    /** Per destination, in routing order; empty when the packet was refused before any lane took it. */
    public Map<String, DestinationResult> destinations() {
        return destinations;
    }

    /** Why the packet is not committed, naming destinations, rows and columns where known; empty when committed. */
    public Optional<String> reason() {
        return Optional.ofNullable(reason);
    }

    /** The record id of a packet parked whole before routing; empty otherwise (see {@link #deadLetterIds()}). */
    public Optional<String> deadLetterId() {
        return Optional.ofNullable(deadLetterId);
    }

    /** Every dead-letter record holding rows of this packet: the whole packet's, or one per parked part. */
    public List<String> deadLetterIds() {
        List<String> ids = new ArrayList<>();
        if (deadLetterId != null) {
            ids.add(deadLetterId);
        }
        destinations.values().forEach(r -> r.deadLetter().ifPresent(ids::add));
        return List.copyOf(ids);
    }

    @Override
    public String toString() {
        return "PacketOutcome[" + packetId + ", table " + table + ", " + rows + " rows, " + status
                + (reason == null ? "" : ": " + reason) + "]";
    }
}
