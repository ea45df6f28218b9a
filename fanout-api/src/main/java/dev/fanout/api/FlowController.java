package dev.fanout.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Admission control in front of the writers: bounds what is in flight (admitted and not yet
 * committed, parked or failed) and how fast rows are admitted. A pipeline may pass its own
 * implementation; fanout's core ships a default one ({@code InFlightFlowController}).
 *
 * <p><b>Lifecycle.</b> For every routed part of a submitted packet, the dispatcher calls
 * {@link #acquire} after routing and before handing the part to its destination, and calls
 * {@link Permit#release()} exactly once when that part completes — committed, dead-lettered or
 * failed — or when the packet is abandoned before being written (another part was rejected, the
 * producer was interrupted, the destination is closing). The dispatcher asks for all parts of a
 * packet at once with {@link #acquireAll}, in destination-name order, before any part is handed over;
 * {@link #acquire} is what the default {@code acquireAll} calls for each part.
 *
 * <p><b>Threading.</b> Implementations must be thread-safe: {@link #acquire} is called from any
 * number of producer threads at once, and {@link Permit#release()} from the destinations' lane
 * threads (or from a producer when it abandons a packet). {@code release} must not block and must
 * not call back into the dispatcher.
 *
 * <p><b>Bytes.</b> The byte figure is an estimate, not a measurement: fanout's core uses a cheap
 * per-value estimate of the heap a packet's values take (see {@code PacketSizes} in the core).
 */
public interface FlowController {

    /**
     * Admits {@code rows} rows estimated at {@code bytes} bytes for {@code destination}, waiting or
     * refusing when a limit is reached, as the implementation's policy says.
     *
     * @param destination the destination name the part is routed to
     * @param rows        rows of the part, at least 0
     * @param bytes       estimated size of the part, at least 0
     * @return the permit to release when the part completes
     * @throws InterruptedException   when interrupted while waiting; nothing was admitted
     * @throws FlowRejectedException when the policy refuses instead of waiting; nothing was admitted
     */
    Permit acquire(String destination, long rows, long bytes) throws InterruptedException, FlowRejectedException;

    /**
     * Admits every part of one packet together: one permit per request, in the order given (the
     * dispatcher gives them in destination-name order, each destination once). Either all are
     * admitted or, when this throws, none is held.
     *
     * <p>The default acquires part by part with {@link #acquire} and releases what it took when one
     * throws. An implementation with a shared (global) limit should override it to wait until all
     * parts fit at once, as fanout's {@code InFlightFlowController} does: part by part, two
     * producers could each hold what the other waits for.
     *
     * @throws InterruptedException   when interrupted while waiting; nothing was admitted
     * @throws FlowRejectedException when the policy refuses instead of waiting; nothing was admitted
     */
    default List<Permit> acquireAll(List<Request> requests) throws InterruptedException, FlowRejectedException {
        List<Permit> taken = new ArrayList<>(requests.size());
        boolean admitted = false;
        try {
            for (Request r : requests) {
                taken.add(Objects.requireNonNull(acquire(r.destination(), r.rows(), r.bytes()),
                        "the flow controller returned a null permit"));
            }
            admitted = true;
            return List.copyOf(taken);
        } finally {
            if (!admitted) {
                taken.forEach(Permit::release);
            }
        }
    }

    /**
     * One routed part of a packet asking for admission.
     *
     * @param destination the destination name the part is routed to
     * @param rows        rows of the part, at least 0
     * @param bytes       estimated size of the part, at least 0
     */
    record Request(String destination, long rows, long bytes) {
        public Request {
            Objects.requireNonNull(destination, "destination is null");
            if (rows < 0 || bytes < 0) {
                throw new IllegalArgumentException("rows and bytes must be at least 0, got " + rows + " rows, " + bytes + " bytes");
            }
        }
    }

    /** What {@link #acquire} admitted; give it back with {@link #release()}. */
    interface Permit {
        /** Returns the admitted rows and bytes. Idempotent, thread-safe, never blocks. */
        void release();
    }

    /** A controller that admits everything at once: no limit, no waiting (the default). */
    FlowController UNLIMITED = new FlowController() {
        private final Permit none = () -> { };

        @Override
        public Permit acquire(String destination, long rows, long bytes) {
            return none;
        }

        @Override
        public String toString() {
            return "FlowController.UNLIMITED";
        }
    };
}
