package dev.fanout.api;

/**
 * Admission control in front of the writers: bounds what is in flight (admitted and not yet
 * committed, parked or failed) and how fast rows are admitted. A pipeline may pass its own
 * implementation; fanout's core ships a default one ({@code InFlightFlowController}).
 *
 * <p><b>Lifecycle.</b> For every routed part of a submitted packet, the dispatcher calls
 * {@link #acquire} after routing and before handing the part to its destination, and calls
 * {@link Permit#release()} exactly once when that part completes — committed, dead-lettered or
 * failed — or when the packet is abandoned before being written (another part was rejected, the
 * producer was interrupted, the destination is closing). A packet routed to several destinations
 * acquires one permit per destination, in destination-name order, before any part is handed over.
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
