package dev.fanout.api;

import java.util.List;

/**
 * Decides where a packet goes. A route may send the whole packet to one destination or split its
 * rows (a date range on a column) across several; parts keep the packet's id, version and row order.
 * Implementations are immutable and thread-safe.
 */
@FunctionalInterface
public interface Router {

    /** One part per destination that receives rows of {@code packet}; never two parts for one destination. */
    List<RoutedPart> route(FramePacket packet);

    /**
     * Rows of a packet bound for one destination.
     *
     * @param destination the destination name from the topology
     * @param packet      the rows for it: the whole packet, or a selection of its rows
     */
    record RoutedPart(String destination, FramePacket packet) {
    }
}
