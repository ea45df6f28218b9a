package dev.fanout.core.dispatch;

/**
 * The state of a destination's circuit breaker, as reported by {@link LaneSummary#circuit()} and the
 * {@code fanout.destination.<d>.circuit} gauge ({@link #gaugeValue()}).
 */
public enum CircuitState {
    /** The writer is called; retryable failures are retried. */
    CLOSED(0),
    /** The writer is not called: parts are dead-lettered (or fail) at once. */
    OPEN(1),
    /** The open period is over: the next batch is a probe with one attempt. */
    HALF_OPEN(2);

    private final int gaugeValue;

    CircuitState(int gaugeValue) {
        this.gaugeValue = gaugeValue;
    }

    /** 0 closed, 1 open, 2 half-open. */
    public int gaugeValue() {
        return gaugeValue;
    }
}
