package dev.fanout.core.dispatch;

import java.util.OptionalLong;

/**
 * One destination's totals since its metrics were created, for a run report. Flush percentiles are
 * the latency of successful {@code writer.write} calls, sampled uniformly over the whole run.
 *
 * @param destination    the destination name
 * @param rows           rows committed: received by the writer in batches that it wrote
 * @param packets        packet parts committed
 * @param batches        successful writes
 * @param failures       packet parts failed: neither committed nor parked
 * @param deadLettered   packet parts parked in the dead-letter queue
 * @param retries        retried write attempts
 * @param circuit        the circuit breaker's state when the summary was taken
 * @param p50FlushMillis median write latency, ms
 * @param p95FlushMillis 95th percentile write latency, ms
 * @param p99FlushMillis 99th percentile write latency, ms
 * @param health         whether the writer is open when the summary was taken, and why not
 * @param applied        of the rows committed, those the writer counted as applied (inserted or
 *                       replacing a stored row); empty when a committed batch's writer did not count
 *                       ({@link dev.fanout.api.BaseWriter#writeCounted})
 * @param skipped        of the rows committed, those the writer counted as skipped (superseded within
 *                       their batch, or not newer than the stored row); empty when {@code applied} is
 */
public record LaneSummary(String destination, long rows, long packets, long batches, long failures, long deadLettered,
                          long retries, CircuitState circuit, double p50FlushMillis, double p95FlushMillis,
                          double p99FlushMillis, DestinationHealth health, OptionalLong applied, OptionalLong skipped) {

    /** A summary without applied and skipped counts. */
    public LaneSummary(String destination, long rows, long packets, long batches, long failures, long deadLettered,
                       long retries, CircuitState circuit, double p50FlushMillis, double p95FlushMillis,
                       double p99FlushMillis, DestinationHealth health) {
        this(destination, rows, packets, batches, failures, deadLettered, retries, circuit, p50FlushMillis, p95FlushMillis,
                p99FlushMillis, health, OptionalLong.empty(), OptionalLong.empty());
    }

    /** A summary of an open destination, as before health was reported. */
    public LaneSummary(String destination, long rows, long packets, long batches, long failures, long deadLettered,
                       long retries, CircuitState circuit, double p50FlushMillis, double p95FlushMillis,
                       double p99FlushMillis) {
        this(destination, rows, packets, batches, failures, deadLettered, retries, circuit, p50FlushMillis, p95FlushMillis,
                p99FlushMillis, new DestinationHealth(destination, true, true, null, null));
    }

    /** {@code up} or {@code down}, as the run summary prints it. */
    public String state() {
        return health.up() ? "up" : "down";
    }
}
