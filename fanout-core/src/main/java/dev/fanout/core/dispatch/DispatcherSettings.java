package dev.fanout.core.dispatch;

import dev.fanout.api.FlowController;
import dev.fanout.dlq.DeadLetterSink;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a {@link Dispatcher} batches, retries, trips circuit breakers, parks what it cannot write,
 * and bounds memory. Immutable; the {@code with...} methods return modified copies.
 *
 * @param batch             when a lane writes: {@link BatchPolicy#maxRows()} rows of a table waiting,
 *                          or the oldest waiting part {@link BatchPolicy#maxAge()} old
 * @param retry             attempts and backoff for retryable write failures
 * @param queueCapacityRows per destination, the most rows admitted and not yet completed (waiting
 *                          and being written); a submit routed to a full lane blocks. A single part
 *                          larger than this is still admitted when its lane holds nothing
 * @param sleeper           how a lane waits between retries; {@link Sleeper#SYSTEM} outside tests
 * @param circuit           when a destination's circuit breaker opens, and for how long
 * @param deadLetters       where parts that cannot be written are parked; null for none, and then
 *                          they fail. Called from lane threads and, for packets refused before
 *                          routing, from the submitting thread. The dispatcher never closes it
 * @param clock             the time of dead-letter records and of circuit breaker periods;
 *                          {@link Clock#systemUTC()} outside tests
 * @param tableOptions      table name → the writer options of that table (the topology's
 *                          {@code tables.<t>.options}), put on every {@link dev.fanout.api.WriteBatch}
 *                          of the table; by default none. Called from lane threads; a null answer
 *                          means none
 * @param flowController    admission control applied to each routed part before it enters its lane
 *                          (in-flight rows and bytes, rate limit); {@link FlowController#UNLIMITED}
 *                          by default, which admits everything at once
 * @param metricsWindow     how far back the exported latency timers ({@code .flush}, backpressure
 *                          waits) look: every sample of the last window is kept, so tail quantiles
 *                          stay exact under bursts and follow the present; one minute by default
 * @param requireAllDestinations whether {@link Dispatcher#start} fails, writing nothing, when a
 *                          writer does not open on its first attempt; by default (false) such a
 *                          destination starts down and its lane keeps trying to open it before each
 *                          write attempt, parking (or failing) its packets meanwhile
 */
public record DispatcherSettings(BatchPolicy batch, RetryPolicy retry, int queueCapacityRows, Sleeper sleeper,
                                 CircuitPolicy circuit, DeadLetterSink deadLetters, Clock clock,
                                 Function<String, Map<String, String>> tableOptions, FlowController flowController,
                                 Duration metricsWindow, boolean requireAllDestinations) {

    /** The default {@link #metricsWindow()}. */
    public static final Duration DEFAULT_METRICS_WINDOW = Duration.ofMinutes(1);

    private static final Function<String, Map<String, String>> NO_TABLE_OPTIONS = table -> Map.of();

    /** Default batching, retries and breaker, room for four batches per lane, no dead-letter queue. */
    public static final DispatcherSettings DEFAULT = of(BatchPolicy.DEFAULT, RetryPolicy.DEFAULT);

    public DispatcherSettings {
        Objects.requireNonNull(batch, "batch is null");
        Objects.requireNonNull(retry, "retry is null");
        Objects.requireNonNull(sleeper, "sleeper is null");
        Objects.requireNonNull(circuit, "circuit is null");
        Objects.requireNonNull(clock, "clock is null");
        Objects.requireNonNull(tableOptions, "tableOptions is null");
        Objects.requireNonNull(flowController, "flowController is null");
        Objects.requireNonNull(metricsWindow, "metricsWindow is null");
        if (metricsWindow.isNegative() || metricsWindow.isZero()) {
            throw new IllegalArgumentException("metrics window must be positive, got " + metricsWindow);
        }
        if (queueCapacityRows < 1) {
            throw new IllegalArgumentException("queue capacity must be at least 1 row, got " + queueCapacityRows);
        }
    }

    /** Settings where a destination that cannot open starts down instead of failing the start. */
    public DispatcherSettings(BatchPolicy batch, RetryPolicy retry, int queueCapacityRows, Sleeper sleeper,
                              CircuitPolicy circuit, DeadLetterSink deadLetters, Clock clock,
                              Function<String, Map<String, String>> tableOptions, FlowController flowController,
                              Duration metricsWindow) {
        this(batch, retry, queueCapacityRows, sleeper, circuit, deadLetters, clock, tableOptions, flowController, metricsWindow, false);
    }

    /** Settings with the default metrics window. */
    public DispatcherSettings(BatchPolicy batch, RetryPolicy retry, int queueCapacityRows, Sleeper sleeper,
                              CircuitPolicy circuit, DeadLetterSink deadLetters, Clock clock,
                              Function<String, Map<String, String>> tableOptions, FlowController flowController) {
        this(batch, retry, queueCapacityRows, sleeper, circuit, deadLetters, clock, tableOptions, flowController, DEFAULT_METRICS_WINDOW);
    }

    /** Settings without flow control. */
    public DispatcherSettings(BatchPolicy batch, RetryPolicy retry, int queueCapacityRows, Sleeper sleeper,
                              CircuitPolicy circuit, DeadLetterSink deadLetters, Clock clock,
                              Function<String, Map<String, String>> tableOptions) {
        this(batch, retry, queueCapacityRows, sleeper, circuit, deadLetters, clock, tableOptions, FlowController.UNLIMITED);
    }

    /** Settings without table options. */
    public DispatcherSettings(BatchPolicy batch, RetryPolicy retry, int queueCapacityRows, Sleeper sleeper,
                              CircuitPolicy circuit, DeadLetterSink deadLetters, Clock clock) {
        this(batch, retry, queueCapacityRows, sleeper, circuit, deadLetters, clock, NO_TABLE_OPTIONS);
    }

    /** Settings with the default breaker, the system clock and no dead-letter queue. */
    public DispatcherSettings(BatchPolicy batch, RetryPolicy retry, int queueCapacityRows, Sleeper sleeper) {
        this(batch, retry, queueCapacityRows, sleeper, CircuitPolicy.DEFAULT, null, Clock.systemUTC());
    }

    /** Settings that sleep for real between retries, with the default breaker and no dead-letter queue. */
    public DispatcherSettings(BatchPolicy batch, RetryPolicy retry, int queueCapacityRows) {
        this(batch, retry, queueCapacityRows, Sleeper.SYSTEM);
    }

    /** Settings whose lanes hold up to four batches ({@code 4 × batch.maxRows}) each. */
    public static DispatcherSettings of(BatchPolicy batch, RetryPolicy retry) {
        Objects.requireNonNull(batch, "batch is null");
        return new DispatcherSettings(batch, retry, (int) Math.min(Integer.MAX_VALUE, 4L * batch.maxRows()));
    }

    public DispatcherSettings withSleeper(Sleeper sleeper) {
        return new DispatcherSettings(batch, retry, queueCapacityRows, sleeper, circuit, deadLetters, clock, tableOptions, flowController, metricsWindow, requireAllDestinations);
    }

    public DispatcherSettings withCircuit(CircuitPolicy circuit) {
        return new DispatcherSettings(batch, retry, queueCapacityRows, sleeper, circuit, deadLetters, clock, tableOptions, flowController, metricsWindow, requireAllDestinations);
    }

    /** The same settings parking failed parts in {@code deadLetters}; null turns the dead-letter queue off. */
    public DispatcherSettings withDeadLetters(DeadLetterSink deadLetters) {
        return new DispatcherSettings(batch, retry, queueCapacityRows, sleeper, circuit, deadLetters, clock, tableOptions, flowController, metricsWindow, requireAllDestinations);
    }

    public DispatcherSettings withClock(Clock clock) {
        return new DispatcherSettings(batch, retry, queueCapacityRows, sleeper, circuit, deadLetters, clock, tableOptions, flowController, metricsWindow, requireAllDestinations);
    }

    /** The same settings putting {@code tableOptions.apply(table)} on each batch of {@code table}. */
    public DispatcherSettings withTableOptions(Function<String, Map<String, String>> tableOptions) {
        return new DispatcherSettings(batch, retry, queueCapacityRows, sleeper, circuit, deadLetters, clock, tableOptions, flowController, metricsWindow, requireAllDestinations);
    }

    /** The same settings with latency timers keeping every sample of the last {@code metricsWindow}. */
    public DispatcherSettings withMetricsWindow(Duration metricsWindow) {
        return new DispatcherSettings(batch, retry, queueCapacityRows, sleeper, circuit, deadLetters, clock, tableOptions, flowController, metricsWindow, requireAllDestinations);
    }

    /** The same settings admitting parts through {@code flowController}. */
    public DispatcherSettings withFlowController(FlowController flowController) {
        return new DispatcherSettings(batch, retry, queueCapacityRows, sleeper, circuit, deadLetters, clock, tableOptions, flowController, metricsWindow, requireAllDestinations);
    }

    /**
     * The same settings where {@link Dispatcher#start} opens every writer first and, when one does not
     * open, closes them all and throws (true), or starts a destination that cannot open as down (false).
     */
    public DispatcherSettings withRequireAllDestinations(boolean requireAllDestinations) {
        return new DispatcherSettings(batch, retry, queueCapacityRows, sleeper, circuit, deadLetters, clock, tableOptions, flowController, metricsWindow, requireAllDestinations);
    }
}
