package dev.fanout.api;

import java.util.Objects;

/**
 * Thrown by a {@link FlowController} whose policy is to refuse rather than wait when a limit is
 * reached. Nothing of the refused packet was written or queued: the caller should back off and
 * submit it again later. Unchecked, so a pipeline that only uses blocking controllers need not
 * handle it.
 */
public class FlowRejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String destination;
    private final String limit;

    /**
     * @param destination the destination the refused part was routed to
     * @param limit       the limit that was reached, e.g. {@code max_in_flight_rows}
     * @param message     a complete sentence naming the limit, its value and the destination
     */
    public FlowRejectedException(String destination, String limit, String message) {
        super(Objects.requireNonNull(message, "message is null"));
        this.destination = destination;
        this.limit = limit;
    }

    /** The destination the refused part was routed to. */
    public String destination() {
        return destination;
    }

    /** The name of the limit that was reached, e.g. {@code max_in_flight_rows_per_destination}. */
    public String limit() {
        return limit;
    }
}
