package dev.fanout.core.flow;

import com.google.common.util.concurrent.RateLimiter;
import dev.fanout.api.FlowController;
import dev.fanout.api.FlowRejectedException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * fanout's default {@link FlowController}: admission by in-flight rows and estimated bytes, all
 * destinations together and per destination, plus an optional rate limit in rows per second
 * (Guava's {@link RateLimiter}; see {@link RowRateLimiter} for how it treats large packets).
 *
 * <p><b>Limits.</b> A part is admitted when, in each scope — global and its destination — what is
 * in flight plus the part stays within the limit (0: unlimited), <em>or</em> nothing is in flight
 * in that scope: a part larger than a limit is admitted alone rather than never, so no packet size
 * can deadlock. A stalled destination therefore holds at most its per-destination limit (or one
 * part) of the global budget; give it a per-destination limit below the global one so other
 * destinations keep being admitted.
 *
 * <p><b>Policy.</b> {@link FlowLimits.WhenFull#BLOCK}: {@code acquire} first waits for the rate
 * limiter (uninterruptibly, holding nothing), then waits, interruptibly, until the part fits.
 * Waiters are woken on every release and re-check; there is no queue, so a large part may wait
 * while smaller ones pass. {@link FlowLimits.WhenFull#REJECT}: {@code acquire} throws
 * {@link FlowRejectedException} at once when a limit is reached or the rate limiter would make it
 * wait, having taken nothing (rate permits are only taken when the in-flight check passed).
 *
 * <p><b>Packets with several destinations</b> are admitted whole ({@link #acquireAll}): the
 * producer waits until every part fits at once, and takes all its permits in one step. No producer
 * ever holds part of a packet's budget while waiting for the rest, so producers cannot wait on each
 * other, whatever the limits. The global limits see the packet's rows and bytes summed; the rate
 * limiter is charged the summed rows once.
 *
 * <p>Thread-safe; {@link Permit#release()} is idempotent and never blocks for long.
 */
public final class InFlightFlowController implements FlowController {

    private static final class InFlight {
        long rows;
        long bytes;
    }

    private final FlowLimits limits;
    private final RowRateLimiter rateLimiter;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private final InFlight total = new InFlight();
    private final Map<String, InFlight> byDestination = new HashMap<>();

    /** A controller with {@code limits}, rate-limited by a Guava {@link RateLimiter} when the limits ask for one. */
    public InFlightFlowController(FlowLimits limits) {
        this(limits, limits.rateLimitRowsPerSecond() > 0
                ? RowRateLimiter.of(RateLimiter.create(limits.rateLimitRowsPerSecond())) : null);
    }

    /**
     * A controller with {@code limits} whose rate limit is {@code rateLimiter} (null: none, whatever
     * {@link FlowLimits#rateLimitRowsPerSecond()} says); for tests on a fake clock and for callers
     * sharing one limiter between several pipelines.
     */
    public InFlightFlowController(FlowLimits limits, RowRateLimiter rateLimiter) {
        this.limits = Objects.requireNonNull(limits, "limits is null");
        this.rateLimiter = rateLimiter;
    }

    public FlowLimits limits() {
        return limits;
    }

    @Override
    public Permit acquire(String destination, long rows, long bytes) throws InterruptedException {
        return acquireAll(List.of(new Request(destination, rows, bytes))).get(0);
    }

    @Override
    public List<Permit> acquireAll(List<Request> requests) throws InterruptedException {
        Objects.requireNonNull(requests, "requests is null");
        if (requests.stream().map(Request::destination).distinct().count() != requests.size()) {
            throw new IllegalArgumentException("one request per destination, got " + requests);
        }
        if (requests.isEmpty()) {
            return List.of();
        }
        long rows = requests.stream().mapToLong(Request::rows).sum();
        if (limits.whenFull() == FlowLimits.WhenFull.REJECT) {
            return acquireOrReject(requests, rows);
        }
        if (rateLimiter != null && rows > 0) {
            rateLimiter.acquire(rows);
        }
        lock.lockInterruptibly();
        try {
            while (exceeded(requests) != null) {
                released.await();
            }
            return reserve(requests);
        } finally {
            lock.unlock();
        }
    }

    private List<Permit> acquireOrReject(List<Request> requests, long rows) {
        List<Permit> permits;
        lock.lock();
        try {
            Exceeded limit = exceeded(requests);
            if (limit != null) {
                throw rejection(limit);
            }
            permits = reserve(requests);
        } finally {
            lock.unlock();
        }
        if (rateLimiter != null && rows > 0 && !rateLimiter.tryAcquire(rows)) {
            permits.forEach(Permit::release);
            String destination = requests.get(0).destination();
            throw new FlowRejectedException(destination, "rate_limit_rows_per_s", "flow control refused " + rows
                    + " rows for destination '" + destination + "': rate_limit_rows_per_s (" + rateLimiter.rate()
                    + ") reached; nothing was written, submit again after a pause");
        }
        return permits;
    }

    /** A limit a request would exceed. */
    private record Exceeded(Request request, long rows, long bytes, String limit, String who) {
        Exceeded(Request request, long rows, long bytes, String limit) {
            this(request, rows, bytes, limit, "destination '" + request.destination() + "'");
        }
    }

    /**
     * The first limit the packet would exceed, or null when all its parts fit together: the global
     * limits against the parts' sums, each destination's against its part. Under {@link #lock}.
     */
    private Exceeded exceeded(List<Request> requests) {
        long rows = 0;
        long bytes = 0;
        for (Request r : requests) {
            rows += r.rows();
            bytes += r.bytes();
        }
        String all = requests.size() == 1 ? "destination '" + requests.get(0).destination() + "'"
                : "destinations " + requests.stream().map(r -> "'" + r.destination() + "'").collect(Collectors.joining(", "));
        Request first = requests.isEmpty() ? null : requests.get(0);
        if (over(total.rows, rows, limits.maxInFlightRows())) {
            return new Exceeded(first, rows, bytes, "max_in_flight_rows", all);
        }
        if (over(total.bytes, bytes, limits.maxInFlightBytes())) {
            return new Exceeded(first, rows, bytes, "max_in_flight_bytes", all);
        }
        for (Request r : requests) {
            InFlight d = byDestination.get(r.destination());
            if (d != null && over(d.rows, r.rows(), limits.maxInFlightRowsPerDestination())) {
                return new Exceeded(r, r.rows(), r.bytes(), "max_in_flight_rows_per_destination");
            }
            if (d != null && over(d.bytes, r.bytes(), limits.maxInFlightBytesPerDestination())) {
                return new Exceeded(r, r.rows(), r.bytes(), "max_in_flight_bytes_per_destination");
            }
        }
        return null;
    }

    /** Full when something is in flight and the part would take it past a set limit. */
    private static boolean over(long inFlight, long more, long limit) {
        return limit > 0 && inFlight > 0 && inFlight + more > limit;
    }

    private FlowRejectedException rejection(Exceeded exceeded) {
        String destination = exceeded.request().destination();
        long rows = exceeded.rows();
        long bytes = exceeded.bytes();
        String limit = exceeded.limit();
        InFlight d = byDestination.get(destination);
        String state = switch (limit) {
            case "max_in_flight_rows" -> total.rows + " rows in flight, limit " + limits.maxInFlightRows();
            case "max_in_flight_bytes" -> "about " + total.bytes + " bytes in flight, limit " + limits.maxInFlightBytes();
            case "max_in_flight_rows_per_destination" -> d.rows + " rows in flight to '" + destination + "', limit "
                    + limits.maxInFlightRowsPerDestination();
            default -> "about " + d.bytes + " bytes in flight to '" + destination + "', limit "
                    + limits.maxInFlightBytesPerDestination();
        };
        return new FlowRejectedException(destination, limit, "flow control refused " + rows + " rows (about " + bytes
                + " bytes) for " + exceeded.who() + ": " + limit + " reached (" + state
                + "); nothing was written, submit again once in-flight packets complete");
    }

    private List<Permit> reserve(List<Request> requests) {
        List<Permit> permits = new ArrayList<>(requests.size());
        for (Request r : requests) {
            permits.add(reserve(r.destination(), r.rows(), r.bytes()));
        }
        return List.copyOf(permits);
    }

    private Permit reserve(String destination, long rows, long bytes) {
        InFlight d = byDestination.computeIfAbsent(destination, k -> new InFlight());
        total.rows += rows;
        total.bytes += bytes;
        d.rows += rows;
        d.bytes += bytes;
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                free(destination, rows, bytes);
            }
        };
    }

    private void free(String destination, long rows, long bytes) {
        lock.lock();
        try {
            total.rows -= rows;
            total.bytes -= bytes;
            InFlight d = byDestination.get(destination);
            if (d != null) {
                d.rows -= rows;
                d.bytes -= bytes;
                if (d.rows == 0 && d.bytes == 0) {
                    byDestination.remove(destination);
                }
            }
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Rows admitted and not yet released, all destinations together. */
    public long inFlightRows() {
        lock.lock();
        try {
            return total.rows;
        } finally {
            lock.unlock();
        }
    }

    /** Estimated bytes admitted and not yet released, all destinations together. */
    public long inFlightBytes() {
        lock.lock();
        try {
            return total.bytes;
        } finally {
            lock.unlock();
        }
    }

    /** Rows admitted for {@code destination} and not yet released. */
    public long inFlightRows(String destination) {
        lock.lock();
        try {
            InFlight d = byDestination.get(destination);
            return d == null ? 0 : d.rows;
        } finally {
            lock.unlock();
        }
    }

    /** Estimated bytes admitted for {@code destination} and not yet released. */
    public long inFlightBytes(String destination) {
        lock.lock();
        try {
            InFlight d = byDestination.get(destination);
            return d == null ? 0 : d.bytes;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "InFlightFlowController" + limits;
    }
}
