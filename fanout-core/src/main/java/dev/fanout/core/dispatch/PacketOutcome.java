package dev.fanout.core.dispatch;

import dev.fanout.api.FramePacket;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The acknowledgement of one submitted packet: a producer may commit its source offsets once it
 * holds an outcome, whatever the status. Immutable.
 *
 * <p>{@link Status#COMMITTED} means every part of the packet is durable at its destination. Any
 * other status means at least one part is not; {@link #destinations()} says which, and
 * {@link #reason()} says why in one line. A packet rejected before routing (invalid data, a routing
 * error) has no destination results.
 */
public final class PacketOutcome {

    /** The fate of a whole packet. New statuses (parked in a dead-letter queue) may be added. */
    public enum Status {
        /** Every part is durable at its destination. */
        COMMITTED,
        /** At least one part was not written: rejected data, a routing error, or a write failure. */
        FAILED
    }

    private final String packetId;
    private final String table;
    private final int rows;
    private final Status status;
    private final Map<String, DestinationResult> destinations;
    private final String reason;

    private PacketOutcome(String packetId, String table, int rows, Status status,
                          Map<String, DestinationResult> destinations, String reason) {
        this.packetId = packetId;
        this.table = table;
        this.rows = rows;
        this.status = status;
        this.destinations = destinations;
        this.reason = reason;
    }

    /** The outcome of a packet whose parts all went to their lanes, from their results in routing order. */
    public static PacketOutcome of(FramePacket packet, List<DestinationResult> results) {
        Objects.requireNonNull(packet, "packet is null");
        Objects.requireNonNull(results, "results is null");
        Map<String, DestinationResult> byDestination = new LinkedHashMap<>();
        for (DestinationResult r : results) {
            if (byDestination.put(r.destination(), r) != null) {
                throw new IllegalArgumentException("two results for destination " + r.destination());
            }
        }
        String reason = results.stream().filter(r -> !r.committed())
                .map(r -> "destination " + r.destination() + ": " + r.error())
                .collect(Collectors.joining("; "));
        Status status = reason.isEmpty() && !results.isEmpty() ? Status.COMMITTED : Status.FAILED;
        if (results.isEmpty()) {
            reason = "no destination";
        }
        return new PacketOutcome(packet.packetId(), packet.table(), packet.rowCount(), status,
                Collections.unmodifiableMap(byDestination), reason.isEmpty() ? null : reason);
    }

    /** A packet refused before any write, e.g. invalid data or a routing error. */
    public static PacketOutcome rejected(FramePacket packet, String reason) {
        Objects.requireNonNull(packet, "packet is null");
        Objects.requireNonNull(reason, "reason is null");
        return new PacketOutcome(packet.packetId(), packet.table(), packet.rowCount(), Status.FAILED, Map.of(), reason);
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

    /** Per destination, in routing order; empty when the packet was rejected before routing. */
    public Map<String, DestinationResult> destinations() {
        return destinations;
    }

    /** Why the packet is not committed, naming destinations, rows and columns where known; empty when committed. */
    public Optional<String> reason() {
        return Optional.ofNullable(reason);
    }

    @Override
    public String toString() {
        return "PacketOutcome[" + packetId + ", table " + table + ", " + rows + " rows, " + status
                + (reason == null ? "" : ": " + reason) + "]";
    }
}
