package dev.fanout.core.dispatch;

/**
 * One destination's totals since its metrics were created, for a run report. Flush percentiles are
 * the latency of successful {@code writer.write} calls, sampled uniformly over the whole run.
 *
 * @param destination    the destination name
 * @param rows           rows committed
 * @param packets        packet parts committed
 * @param batches        successful writes
 * @param failures       packet parts failed: neither committed nor parked
 * @param deadLettered   packet parts parked in the dead-letter queue
 * @param retries        retried write attempts
 * @param circuit        the circuit breaker's state when the summary was taken
 * @param p50FlushMillis median write latency, ms
 * @param p95FlushMillis 95th percentile write latency, ms
 * @param p99FlushMillis 99th percentile write latency, ms
 */
public record LaneSummary(String destination, long rows, long packets, long batches, long failures, long deadLettered,
                          long retries, CircuitState circuit, double p50FlushMillis, double p95FlushMillis,
                          double p99FlushMillis) {
}
