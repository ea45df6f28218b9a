package dev.fanout.core.flow;

/**
 * The limits of an {@link InFlightFlowController}: the topology's {@code flow} section. A limit of 0
 * means unlimited. Immutable.
 *
 * @param maxInFlightRows                 rows admitted and not yet completed, all destinations together
 * @param maxInFlightBytes                estimated bytes admitted and not yet completed, all destinations together
 * @param maxInFlightRowsPerDestination   the same, per destination
 * @param maxInFlightBytesPerDestination  the same in estimated bytes, per destination
 * @param rateLimitRowsPerSecond          rows admitted per second, all destinations together
 * @param whenFull                        what a submit does at a limit
 */
public record FlowLimits(long maxInFlightRows, long maxInFlightBytes, long maxInFlightRowsPerDestination,
                         long maxInFlightBytesPerDestination, double rateLimitRowsPerSecond, WhenFull whenFull) {

    /** What {@code acquire} does when a limit is reached. */
    public enum WhenFull {
        /** Wait until enough in-flight parts complete (the default). */
        BLOCK,
        /** Throw {@link dev.fanout.api.FlowRejectedException} at once. */
        REJECT
    }

    /** No limit at all, blocking policy. */
    public static final FlowLimits UNLIMITED = new FlowLimits(0, 0, 0, 0, 0, WhenFull.BLOCK);

    public FlowLimits {
        requireNotNegative(maxInFlightRows, "maxInFlightRows");
        requireNotNegative(maxInFlightBytes, "maxInFlightBytes");
        requireNotNegative(maxInFlightRowsPerDestination, "maxInFlightRowsPerDestination");
        requireNotNegative(maxInFlightBytesPerDestination, "maxInFlightBytesPerDestination");
        if (!(rateLimitRowsPerSecond >= 0) || Double.isInfinite(rateLimitRowsPerSecond)) {
            throw new IllegalArgumentException("rateLimitRowsPerSecond must be finite and at least 0 (0: no rate limit), got "
                    + rateLimitRowsPerSecond);
        }
        if (whenFull == null) {
            whenFull = WhenFull.BLOCK;
        }
    }

    public FlowLimits withMaxInFlightRows(long rows) {
        return new FlowLimits(rows, maxInFlightBytes, maxInFlightRowsPerDestination, maxInFlightBytesPerDestination,
                rateLimitRowsPerSecond, whenFull);
    }

    public FlowLimits withMaxInFlightBytes(long bytes) {
        return new FlowLimits(maxInFlightRows, bytes, maxInFlightRowsPerDestination, maxInFlightBytesPerDestination,
                rateLimitRowsPerSecond, whenFull);
    }

    public FlowLimits withMaxInFlightRowsPerDestination(long rows) {
        return new FlowLimits(maxInFlightRows, maxInFlightBytes, rows, maxInFlightBytesPerDestination,
                rateLimitRowsPerSecond, whenFull);
    }

    public FlowLimits withMaxInFlightBytesPerDestination(long bytes) {
        return new FlowLimits(maxInFlightRows, maxInFlightBytes, maxInFlightRowsPerDestination, bytes,
                rateLimitRowsPerSecond, whenFull);
    }

    public FlowLimits withRateLimitRowsPerSecond(double rate) {
        return new FlowLimits(maxInFlightRows, maxInFlightBytes, maxInFlightRowsPerDestination,
                maxInFlightBytesPerDestination, rate, whenFull);
    }

    public FlowLimits withWhenFull(WhenFull whenFull) {
        return new FlowLimits(maxInFlightRows, maxInFlightBytes, maxInFlightRowsPerDestination,
                maxInFlightBytesPerDestination, rateLimitRowsPerSecond, whenFull);
    }

    private static void requireNotNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be at least 0 (0: unlimited), got " + value);
        }
    }
}
