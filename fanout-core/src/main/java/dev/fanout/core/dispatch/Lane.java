package dev.fanout.core.dispatch;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.codahale.metrics.SlidingTimeWindowArrayReservoir;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.FramePacket;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriteOutcome;
import dev.fanout.core.TargetClaims;
import dev.fanout.core.WriterFailures;
import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ServiceConfigurationError;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;

/**
 * One destination: a queue bounded in rows and the one platform thread, {@code fanout-lane-<d>},
 * that is the only caller of its writer ({@code open}, {@code write}, {@code close}).
 *
 * <p><b>Admission.</b> Producers {@link #admit} parts from any thread. Capacity counts the rows of
 * every part admitted and not yet completed — waiting or being written — so a lane holds at most
 * {@code queueCapacityRows} (or one larger part alone). Producers blocked on a full lane are let in
 * strictly in arrival order, so a large part cannot be starved by small ones.
 *
 * <p><b>Coalescing.</b> Waiting parts are kept per table in arrival order. A table is ready when
 * {@code batch.maxRows} of its rows wait, when its oldest part has waited {@code batch.maxAge}, or
 * at once while a flush is requested, a producer is blocked, or the lane is closing. The lane takes
 * every waiting part of the ready tables and cuts them into batches of consecutive parts with one
 * schema and at most {@code maxRows} rows (a larger part alone). A table's batches are written in
 * order; tables are independent of each other.
 *
 * <p><b>Failures.</b> A retryable {@link WriteException} retries the same batch per
 * {@link RetryPolicy}. A permanent one (or any {@link RuntimeException} from the writer) on a batch
 * of several parts splits it in halves, recursively, so only the poisoned parts fail: a single
 * poisoned part among n costs about 2·log2(n) extra writes. A {@link LinkageError} from
 * {@code write} (a class or native library of the plugin that does not load) fails the whole batch
 * permanently, without splitting — every part would fail the same way — for the reason
 * {@link WriterFailures#describe} gives, naming the class. No writer failure stops the thread, nor
 * does a writer's failure to close.
 *
 * <p><b>Opening.</b> The lane thread opens the writer first thing. When that fails the lane serves
 * anyway, as a failing destination: before each write attempt, while the writer is not open, it
 * calls {@code open} again, and an open failure is that attempt's failure — retried when retryable,
 * counted by the circuit breaker, and in the end parked or failed with the open error as the reason,
 * for every part of the batch alike (no splitting). Once {@code open} returns, writes go on as usual.
 * {@link #health()} says whether the writer is open, and the last open error while it is not.
 *
 * <p><b>One writer per physical target.</b> The lane claims in {@link TargetClaims} every identity its
 * writer reports ({@link BaseWriter#targetIdentity()}): before the first {@code open}, after
 * {@code open} returned, and before later writes while the writer has not told one. An identity
 * another destination of this process holds refuses this destination for good: its writer is not
 * opened (or is closed again at once), and every part is parked or failed, permanently, with a
 * reason naming both destinations. Lanes started together take their turns in start order (see
 * {@link #claimAfter}), so the later destination is the refused one.
 *
 * <p><b>Circuit breaker.</b> Batches that still fail retryably after their retries count towards
 * the {@link CircuitPolicy}; once open, the lane takes parts as they arrive (no waiting for a batch)
 * and settles them without calling the writer until the open period is over; the next batch is
 * then a single-attempt probe.
 *
 * <p><b>Dead letters.</b> With a {@link DeadLetterSink}, a part that would fail is parked instead,
 * one record per part, and completed only after {@code park} returned; when {@code park} throws,
 * the part fails with both errors. Without one, it fails. Parts abandoned because the thread dies of
 * any other {@link Error} (out of memory, a fault of the core) fail without parking: no I/O is
 * attempted on the way out.
 *
 * <p><b>Logging.</b> One line per failed attempt, per parked or failed batch and per open failure,
 * naming the destination and the reason. The cause's stack trace follows only when this class logs
 * at debug ({@code fanout --verbose}), or when the writer failed with an unexpected runtime exception
 * or linkage error (a fault of the plugin). The writers' failures reach the lane with the
 * destination's secrets masked ({@code dev.fanout.core.SecretMaskingWriter}), stack traces included.
 */
final class Lane {

    private static final Logger log = LoggerFactory.getLogger(Lane.class);
    private static final int IDS_LOGGED = 5;

    /** A packet part admitted to this lane; completed exactly once, on the lane thread. */
    static final class Part {
        final FramePacket packet;
        /** Estimated heap the part's values take ({@link PacketSizes}), for the bytes meter. */
        final long bytes;
        private final Consumer<DestinationResult> completion;
        private long enqueuedNanos;
        private boolean done;
        /** Lane thread only: writes that included this part, and when the first of them failed. */
        private int attempts;
        private Instant firstFailureAt;

        Part(FramePacket packet, long bytes, Consumer<DestinationResult> completion) {
            this.packet = packet;
            this.bytes = bytes;
            this.completion = completion;
        }
    }

    private static final class TableQueue {
        final ArrayDeque<Part> parts = new ArrayDeque<>();
        long rows;
    }

    /**
     * Why parts were not written.
     *
     * @param errorClass the dead-letter record's error class: {@code WriteException}, {@code CircuitOpen},
     *                   the writer's runtime exception or linkage error class, ...
     */
    private record Failure(String message, boolean retryable, String errorClass, Throwable cause, boolean atOpen) {
        Failure(String message, boolean retryable, String errorClass, Throwable cause) {
            this(message, retryable, errorClass, cause, false);
        }

        static Failure of(WriteException e) {
            return new Failure(messageOf(e), e.retryable(), "WriteException", e);
        }

        /** Why {@code open} failed: a failure of every part of any batch. */
        static Failure ofOpen(Throwable e) {
            if (e instanceof WriteException w) {
                return new Failure(messageOf(w), w.retryable(), "WriteException", w, true);
            }
            return new Failure(WriterFailures.describe(e), false, e.getClass().getSimpleName(), e, true);
        }

        /**
         * A linkage error or an open failure, which fails every part of a batch alike: splitting it
         * would not isolate a poisoned part.
         */
        boolean failsEveryPart() {
            return atOpen || cause instanceof LinkageError || cause instanceof ServiceConfigurationError;
        }
    }

    private final String destination;
    private final BaseWriter writer;
    private final int maxRows;
    private final long maxAgeNanos;
    private final RetryPolicy retryPolicy;
    private final Sleeper sleeper;
    private final long capacityRows;
    private final CircuitBreaker breaker;
    private final DeadLetterSink deadLetters;
    private final Clock clock;

    private final Tally committedRows;
    private final Meter committedBytes;
    private final MetricRegistry metrics;
    private final Tally committedPackets;
    private final Tally batches;
    private final Tally failures;
    private final Tally deadLettered;
    private final Tally retries;
    /** Rows the writer counted as applied and as skipped ({@link BaseWriter#writeCounted}). */
    private final Tally applied;
    private final Tally skipped;
    /** Committed batches whose writer did not count; while any, the run's applied and skipped are unknown. */
    private final LongAdder unreportedBatches = new LongAdder();
    /** Lane thread only: what the last successful write reported, for {@link #commit}. */
    private WriteOutcome lastOutcome;
    private final Timer flushes;
    /** Every successful write's latency in µs over the whole run, for {@link #summary()}: exact to 3 significant digits. */
    private final Histogram runFlushMicros = new ConcurrentHistogram(3);

    /**
     * A registry meter or counter, and this lane's own count of the same events for {@link #summary()}:
     * the registry's metrics outlive a Fanout, and a later one on the same registry adds to them.
     */
    private static final class Tally {
        private final LongConsumer registry;
        private final LongAdder run = new LongAdder();

        Tally(LongConsumer registry) {
            this.registry = registry;
        }

        void add(long n) {
            registry.accept(n);
            run.add(n);
        }

        long runTotal() {
            return run.sum();
        }
    }

    private final Thread thread;
    /** Completed by the lane thread's first open attempt: null when the writer opened, else why not. */
    private final CompletableFuture<String> firstOpen = new CompletableFuture<>();
    /** Written by the lane thread only; read by gauges and {@link #health()}. */
    private volatile boolean writerOpen;
    private volatile String openError;
    private volatile Instant openErrorAt;
    /** Written by the lane thread only: the last batch's retryable failure, until a batch commits. */
    private volatile String writeError;
    private volatile Instant writeErrorAt;
    /** Lane thread only: open attempts that failed since the writer last opened. */
    private int failedOpens;

    private final TargetClaims claims;
    private final TargetClaims.Holder holder;
    /** Completed once this lane has claimed what its writer told before opening, or gave up. */
    private final CompletableFuture<Void> claimedBeforeOpen = new CompletableFuture<>();
    /** Completed once this lane's first open attempt, and the claim after it, are done. */
    private final CompletableFuture<Void> claimedAfterOpen = new CompletableFuture<>();
    /** The lanes before this one, whose claims go first; set before {@link #start()}. */
    private CompletableFuture<Void> turnBeforeOpen = CompletableFuture.completedFuture(null);
    private CompletableFuture<Void> turnAfterOpen = CompletableFuture.completedFuture(null);
    /** Lane thread only: set for good when another destination holds this writer's target. */
    private Failure refusal;
    /** Lane thread only: whether the writer told an identity since it opened (and it was claimed). */
    private boolean identified;

    private final Function<String, Map<String, String>> tableOptions;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition partsWaiting = lock.newCondition();
    private final Condition roomFreed = lock.newCondition();
    private final Map<String, TableQueue> waiting = new LinkedHashMap<>();
    private final ArrayDeque<Object> blockedProducers = new ArrayDeque<>();
    private int waitingParts;
    private int flushRequests;
    private boolean closing;
    /** Written under {@link #lock}, read lock-free by the gauge. */
    private volatile long heldRows;

    /** Lane thread only: the parts taken off the queue and not yet completed. */
    private List<Part> inHand = List.of();

    Lane(String destination, BaseWriter writer, DispatcherSettings settings, MetricRegistry metrics, TargetClaims claims) {
        this.destination = destination;
        this.writer = writer;
        this.claims = claims;
        this.holder = new TargetClaims.Holder(destination);
        this.maxRows = settings.batch().maxRows();
        this.maxAgeNanos = RetryPolicy.saturatedNanos(settings.batch().maxAge());
        this.retryPolicy = settings.retry();
        this.sleeper = settings.sleeper();
        this.capacityRows = settings.queueCapacityRows();
        this.deadLetters = settings.deadLetters();
        this.clock = settings.clock();
        this.tableOptions = settings.tableOptions();
        this.breaker = new CircuitBreaker(destination, settings.circuit(), clock);

        String prefix = metricPrefix(destination);
        this.metrics = metrics;
        this.committedRows = new Tally(metrics.meter(prefix + "rows")::mark);
        this.committedBytes = metrics.meter(prefix + "bytes");
        this.committedPackets = new Tally(metrics.meter(prefix + "packets")::mark);
        this.batches = new Tally(metrics.meter(prefix + "batches")::mark);
        this.failures = new Tally(metrics.counter(prefix + "failures")::inc);
        this.deadLettered = new Tally(metrics.counter(prefix + "dead_lettered")::inc);
        this.retries = new Tally(metrics.counter(prefix + "retries")::inc);
        this.applied = new Tally(metrics.counter(prefix + "applied")::inc);
        this.skipped = new Tally(metrics.counter(prefix + "skipped")::inc);
        Duration window = settings.metricsWindow();
        this.flushes = metrics.timer(prefix + "flush",
                () -> new Timer(new SlidingTimeWindowArrayReservoir(window.toNanos(), TimeUnit.NANOSECONDS)));
        metrics.remove(prefix + "queue.rows");
        metrics.register(prefix + "queue.rows", (Gauge<Long>) () -> heldRows);
        metrics.remove(prefix + "circuit");
        metrics.register(prefix + "circuit", (Gauge<Integer>) () -> breaker.state().gaugeValue());
        metrics.remove(prefix + "up");
        metrics.register(prefix + "up", (Gauge<Integer>) () -> health().up() ? 1 : 0);

        this.thread = new Thread(this::run, "fanout-lane-" + destination);
        this.thread.setDaemon(true);
    }

    /** Per-table metrics, all destinations together: {@code fanout.table.<t>.rows}. */
    static final String TABLE_PREFIX = "fanout.table.";

    static String metricPrefix(String destination) {
        return "fanout.destination." + destination + ".";
    }

    String destination() {
        return destination;
    }

    boolean runsOn(Thread t) {
        return thread == t;
    }

    void start() {
        thread.start();
    }

    /**
     * Makes this lane claim its writer's identities after {@code previous} claimed its own — before
     * opening, and after its first open attempt — so that of two destinations on one target the one
     * started first keeps it. Opens still run in parallel. Call before {@link #start()}.
     */
    void claimAfter(Lane previous) {
        this.turnBeforeOpen = previous.claimedBeforeOpen;
        this.turnAfterOpen = previous.claimedAfterOpen;
    }

    /** For a lane whose thread never started: lets the lanes after it take their turns. */
    void passTurns() {
        claimedBeforeOpen.complete(null);
        claimedAfterOpen.complete(null);
    }

    /** Waits for the lane thread's first attempt to open the writer; the failure message, or null when it opened. */
    String awaitFirstOpen() {
        return firstOpen.join();
    }

    /**
     * Down while the writer is not open (with the last open failure), or while the last batch failed
     * retryably after its retries (with that failure); else up.
     */
    DestinationHealth health() {
        if (!writerOpen || openError != null) {
            return new DestinationHealth(destination, false, writerOpen, openError, openErrorAt);
        }
        String error = writeError;
        Instant at = writeErrorAt;
        return error == null ? new DestinationHealth(destination, true, true, null, null)
                : new DestinationHealth(destination, false, true, error, at);
    }

    /**
     * Admits a part, blocking while the lane is full.
     *
     * @return false when the lane is closing and the part was not admitted
     * @throws InterruptedException when interrupted while blocked; the part was not admitted
     */
    boolean admit(Part part) throws InterruptedException {
        int rows = part.packet.rowCount();
        lock.lock();
        try {
            if (!blockedProducers.isEmpty() || !hasRoomFor(rows)) {
                Object turn = new Object();
                blockedProducers.addLast(turn);
                partsWaiting.signal();
                try {
                    while (!closing && (blockedProducers.peekFirst() != turn || !hasRoomFor(rows))) {
                        roomFreed.await();
                    }
                } finally {
                    blockedProducers.remove(turn);
                    roomFreed.signalAll();
                }
            }
            if (closing) {
                return false;
            }
            heldRows += rows;
            part.enqueuedNanos = System.nanoTime();
            TableQueue queue = waiting.computeIfAbsent(part.packet.table(), t -> new TableQueue());
            queue.parts.addLast(part);
            queue.rows += rows;
            waitingParts++;
            if (waitingParts == 1 || queue.rows >= maxRows || maxAgeNanos == 0 || breaker.isTripped()) {
                partsWaiting.signal();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private boolean hasRoomFor(int rows) {
        return heldRows == 0 || heldRows + rows <= capacityRows;
    }

    /** Until the matching {@link #endFlush}, the lane writes what it holds without waiting for {@code maxAge}. */
    void beginFlush() {
        lock.lock();
        try {
            flushRequests++;
            partsWaiting.signal();
        } finally {
            lock.unlock();
        }
    }

    void endFlush() {
        lock.lock();
        try {
            flushRequests--;
        } finally {
            lock.unlock();
        }
    }

    /** Stops admission; the thread writes every waiting part, closes the writer and ends. Idempotent. */
    void shutdown() {
        lock.lock();
        try {
            closing = true;
            partsWaiting.signalAll();
            roomFreed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void join() {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    LaneSummary summary() {
        Histogram h = runFlushMicros.copy();
        double microsPerMilli = 1000.0;
        return new LaneSummary(destination, committedRows.runTotal(), committedPackets.runTotal(), batches.runTotal(),
                failures.runTotal(), deadLettered.runTotal(), retries.runTotal(), breaker.state(),
                h.getValueAtPercentile(50) / microsPerMilli, h.getValueAtPercentile(95) / microsPerMilli,
                h.getValueAtPercentile(99) / microsPerMilli, health(),
                unreportedBatches.sum() > 0 ? OptionalLong.empty() : OptionalLong.of(applied.runTotal()),
                unreportedBatches.sum() > 0 ? OptionalLong.empty() : OptionalLong.of(skipped.runTotal()));
    }

    private void run() {
        log.debug("lane {} started", destination);
        try {
            Failure notOpened;
            try {
                try {
                    claimBeforeOpen();
                } finally {
                    claimedBeforeOpen.complete(null);
                }
                notOpened = openWriter();
            } finally {
                claimedAfterOpen.complete(null);
            }
            if (notOpened != null && refusal == null) {
                log.warn("destination {}: the writer did not open; its packets are {} until it does: {}", destination,
                        deadLetters == null ? "retried, then failed," : "retried, then parked,", notOpened.message(),
                        traceOf(notOpened));
            }
            firstOpen.complete(notOpened == null ? null : notOpened.message());
            serve();
        } finally {
            firstOpen.complete("lane " + destination + " stopped while opening its writer");
            abandonAll();
            try {
                writerOpen = false;
                writer.close();
            } catch (WriteException e) {
                log.warn("destination {}: writer did not close cleanly: {}", destination, messageOf(e));
            } catch (RuntimeException | LinkageError | ServiceConfigurationError e) {
                // after an open that failed on a missing class, close usually fails the same way
                log.warn("destination {}: writer did not close cleanly: {}", destination, WriterFailures.describe(e));
            } finally {
                claims.release(holder);
            }
            log.debug("lane {} stopped", destination);
        }
    }

    /**
     * Opens the writer unless it is open; null when it is, else why not. Any throwable a writer may
     * reasonably throw is caught — a {@link LinkageError} too (a plugin missing a library throws
     * {@code NoClassDefFoundError}) — so a destination that cannot open is a failing destination,
     * not a dead lane.
     */
    private Failure openWriter() {
        if (refusal != null) {
            return refusal;
        }
        if (writerOpen && identified) {
            return null;
        }
        Failure failure;
        try {
            if (!writerOpen) {
                writer.open();
                writerOpen = true;
            }
            turnAfterOpen.join();
            failure = claim(writer.targetIdentity());
        } catch (WriteException | RuntimeException | LinkageError | ServiceConfigurationError e) {
            failure = Failure.ofOpen(e);
        }
        if (failure != null) {
            failedOpens++;
            openError = failure.message();
            openErrorAt = clock.instant();
            return failure;
        }
        if (failedOpens > 0) {
            log.info("destination {}: the writer opened after {} failed attempt(s)", destination, failedOpens);
        }
        failedOpens = 0;
        openError = null;
        openErrorAt = null;
        return null;
    }

    /**
     * Claims what the unopened writer tells of its target, after the lanes before this one did; a
     * refusal is kept, so the writer is never opened. A writer that cannot tell yet claims after it opened.
     */
    private void claimBeforeOpen() {
        Optional<String> identity;
        try {
            identity = writer.targetIdentity();
        } catch (WriteException | RuntimeException | LinkageError | ServiceConfigurationError e) {
            log.debug("destination {}: the writer could not tell its target before opening: {}", destination, e.toString());
            identity = Optional.empty();
        } finally {
            turnBeforeOpen.join();
        }
        if (identity.isPresent()) {
            Optional<String> refused = claims.claim(identity.get(), holder);
            refused.ifPresent(this::refuse);
        }
    }

    /**
     * Claims {@code identity} told by the opened writer; null when it is claimed or not told yet (then
     * asked again before the next write), else the refusal, after which the writer is closed.
     */
    private Failure claim(Optional<String> identity) {
        if (identity.isEmpty()) {
            return null;
        }
        Optional<String> refused = claims.claim(identity.get(), holder);
        if (refused.isEmpty()) {
            identified = true;
            return null;
        }
        refuse(refused.get());
        try {
            writer.close();
        } catch (WriteException | RuntimeException | LinkageError | ServiceConfigurationError e) {
            log.warn("destination {}: writer did not close cleanly: {}", destination, e.toString());
        }
        writerOpen = false;
        return refusal;
    }

    private void refuse(String reason) {
        refusal = new Failure(reason, false, "TargetInUse", null, true);
        openError = reason;
        openErrorAt = clock.instant();
        log.warn("destination {}: not opened; its packets are {} with the reason: {}", destination,
                deadLetters == null ? "failed" : "parked", reason);
    }

    private void serve() {
        List<Part> ready;
        while ((ready = takeReady()) != null) {
            inHand = ready;
            try {
                for (List<Part> batch : cut(ready)) {
                    writeSplitting(batch);
                }
            } catch (RuntimeException e) {
                log.error("lane {}: unexpected failure; settling the {} parts in hand as failed", destination, ready.size(), e);
                List<Part> open = ready.stream().filter(p -> !p.done).toList();
                settleFailed(open, new Failure("fanout lane failed unexpectedly: " + e, false, "LaneFailure", e));
            }
            inHand = List.of();
        }
    }

    /** Blocks until some table is ready; its waiting parts, tables in arrival order; null when closed and empty. */
    private List<Part> takeReady() {
        lock.lock();
        try {
            while (true) {
                if (waitingParts == 0) {
                    if (closing) {
                        return null;
                    }
                    partsWaiting.awaitUninterruptibly();
                    continue;
                }
                boolean urgent = closing || flushRequests > 0 || !blockedProducers.isEmpty() || breaker.isTripped();
                long now = System.nanoTime();
                long waitNanos = Long.MAX_VALUE;
                List<Part> ready = new ArrayList<>();
                for (Iterator<TableQueue> it = waiting.values().iterator(); it.hasNext(); ) {
                    TableQueue queue = it.next();
                    long age = now - queue.parts.getFirst().enqueuedNanos;
                    if (urgent || queue.rows >= maxRows || age >= maxAgeNanos) {
                        ready.addAll(queue.parts);
                        waitingParts -= queue.parts.size();
                        it.remove();
                    } else {
                        waitNanos = Math.min(waitNanos, maxAgeNanos - age);
                    }
                }
                if (!ready.isEmpty()) {
                    return ready;
                }
                try {
                    partsWaiting.awaitNanos(waitNanos);
                } catch (InterruptedException e) {
                    // The dispatcher stops lanes with shutdown(), not interrupts: keep serving.
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Consecutive parts of one table and schema, at most maxRows rows each unless a part alone is larger. */
    private List<List<Part>> cut(List<Part> ready) {
        List<List<Part>> out = new ArrayList<>();
        List<Part> current = null;
        long rows = 0;
        for (Part p : ready) {
            if (current == null || !sameStream(current.get(0).packet, p.packet) || rows + p.packet.rowCount() > maxRows) {
                current = new ArrayList<>();
                out.add(current);
                rows = 0;
            }
            current.add(p);
            rows += p.packet.rowCount();
        }
        return out;
    }

    private static boolean sameStream(FramePacket a, FramePacket b) {
        return a.table().equals(b.table()) && (a.schema() == b.schema() || a.schema().equals(b.schema()));
    }

    /** Writes a batch as the breaker permits; a permanent failure of several parts splits it in halves. */
    private void writeSplitting(List<Part> parts) {
        CircuitBreaker.Permit permit = breaker.permit();
        if (permit == CircuitBreaker.Permit.REFUSE) {
            settleFailed(parts, new Failure(breaker.refusal(), true, "CircuitOpen", null));
            return;
        }
        boolean probe = permit == CircuitBreaker.Permit.PROBE;
        Failure failure = writeWithRetries(parts, probe ? 1 : retryPolicy.maxAttempts());
        if (failure == null) {
            if (probe) {
                log.info("destination {}: probe write succeeded, circuit closed", destination);
            }
            breaker.recordSuccess();
            writeError = null;
            writeErrorAt = null;
            commit(parts);
        } else if (failure.retryable()) {
            if (writerOpen) {
                writeErrorAt = clock.instant();
                writeError = failure.message();
            }
            if (breaker.recordRetryableFailure(failure.message())) {
                log.warn("destination {}: circuit open for {} ms after {} consecutive failed batches; until then parts {} "
                        + "without a write: {}", destination, breaker.openFor().toMillis(), breaker.consecutiveFailures(),
                        deadLetters == null ? "fail" : "go to the dead-letter queue", failure.message());
            }
            settleFailed(parts, failure);
        } else {
            breaker.recordPermanentFailure();
            if (parts.size() > 1 && !failure.failsEveryPart()) {
                int half = parts.size() / 2;
                log.debug("destination {} table {}: splitting a failed batch of {} packets to isolate the poisoned ones",
                        destination, parts.get(0).packet.table(), parts.size());
                writeSplitting(parts.subList(0, half));
                writeSplitting(parts.subList(half, parts.size()));
            } else {
                settleFailed(parts, failure);
            }
        }
    }

    /** Writes one batch in up to {@code maxAttempts} attempts; null when it committed, else the last failure. */
    private Failure writeWithRetries(List<Part> parts, int maxAttempts) {
        FramePacket first = parts.get(0).packet;
        WriteBatch batch = new WriteBatch(first.table(), first.schema(), parts.stream().map(p -> p.packet).toList(),
                tableOptions.apply(first.table()));
        for (int attempt = 1; ; attempt++) {
            Failure failure;
            for (Part p : parts) {
                p.attempts++;
            }
            failure = openWriter();
            if (failure == null) {
                long start = System.nanoTime();
                try {
                    lastOutcome = writer.writeCounted(batch);
                    long took = System.nanoTime() - start;
                    flushes.update(took, TimeUnit.NANOSECONDS);
                    runFlushMicros.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(took)));
                    return null;
                } catch (WriteException e) {
                    failure = Failure.of(e);
                } catch (RuntimeException e) {
                    failure = new Failure("writer failed unexpectedly: " + e, false, e.getClass().getSimpleName(), e);
                } catch (LinkageError | ServiceConfigurationError e) {
                    failure = new Failure(WriterFailures.describe(e), false, e.getClass().getSimpleName(), e);
                }
            }
            Instant now = clock.instant();
            for (Part p : parts) {
                if (p.firstFailureAt == null) {
                    p.firstFailureAt = now;
                }
            }
            if (!failure.retryable() || attempt >= maxAttempts) {
                return failure;
            }
            retries.add(1);
            Duration pause = retryPolicy.backoff(attempt, ThreadLocalRandom.current().nextDouble());
            log.warn("destination {} table {}: {} of {} packets (first {}) failed, attempt {} of {}, retrying in {} ms: {}",
                    destination, first.table(), failure.atOpen() ? "opening the writer for a write" : "write", parts.size(),
                    first.packetId(), attempt, maxAttempts,
                    pause.toMillis(), failure.message(), traceOf(failure));
            try {
                sleeper.sleep(pause);
            } catch (InterruptedException e) {
                return failure;
            }
        }
    }

    private void commit(List<Part> parts) {
        long rows = 0;
        long bytes = 0;
        for (Part p : parts) {
            rows += p.packet.rowCount();
            bytes += p.bytes;
        }
        committedRows.add(rows);
        WriteOutcome outcome = lastOutcome;
        if (outcome != null && outcome.reported()) {
            applied.add(outcome.applied().getAsLong());
            skipped.add(outcome.skipped().getAsLong());
        } else {
            unreportedBatches.increment();
        }
        committedBytes.mark(bytes);
        metrics.meter(TABLE_PREFIX + parts.get(0).packet.table() + ".rows").mark(rows);
        committedPackets.add(parts.size());
        batches.add(1);
        complete(parts, DestinationResult.committed(destination));
    }

    /** Parks each part when there is a dead-letter queue, else fails them; every part is completed. */
    private void settleFailed(List<Part> parts, Failure failure) {
        if (parts.isEmpty()) {
            return;
        }
        String ids = parts.stream().limit(IDS_LOGGED).map(p -> p.packet.packetId()).collect(Collectors.joining(", "))
                + (parts.size() > IDS_LOGGED ? " and " + (parts.size() - IDS_LOGGED) + " more" : "");
        String message = "destination {} table {}: {} packet(s) {} ({}): {}";
        String fate = deadLetters == null ? "failed" : "go to the dead-letter queue";
        if (failure.cause() instanceof RuntimeException || failure.cause() instanceof LinkageError
                || failure.cause() instanceof ServiceConfigurationError) {
            log.warn(message, destination, parts.get(0).packet.table(), parts.size(), fate, ids, failure.message(), failure.cause());
        } else {
            log.warn(message, destination, parts.get(0).packet.table(), parts.size(), fate, ids, failure.message(), traceOf(failure));
        }
        if (deadLetters == null) {
            failures.add(parts.size());
            complete(parts, DestinationResult.failed(destination, failure.message(), failure.retryable()));
            return;
        }
        for (Part p : parts) {
            complete(List.of(p), park(p, failure));
        }
    }

    private DestinationResult park(Part part, Failure failure) {
        Instant now = clock.instant();
        DeadLetter letter = new DeadLetter(UUID.randomUUID().toString(), part.packet, destination, failure.errorClass(),
                failure.message(), failure.retryable(), part.attempts, part.firstFailureAt != null ? part.firstFailureAt : now, now);
        try {
            parkUninterrupted(deadLetters, letter);
        } catch (IOException | RuntimeException e) {
            failures.add(1);
            log.warn("destination {} table {}: packet {} was not written and could not be dead-lettered either: {}",
                    destination, part.packet.table(), part.packet.packetId(), e.toString());
            return DestinationResult.failed(destination, failure.message()
                    + "; parking it in the dead-letter queue failed too: " + e, failure.retryable());
        }
        deadLettered.add(1);
        return DestinationResult.deadLettered(destination, letter.id(), failure.message(), failure.retryable());
    }

    /**
     * Parks {@code letter} with the calling thread's interrupt flag cleared, then restores it: a store
     * writing through an interruptible channel would otherwise be closed, for every lane, by one
     * interrupted caller.
     */
    static void parkUninterrupted(DeadLetterSink sink, DeadLetter letter) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            sink.park(letter);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Frees the parts' room, then hands out the result: dependents of a future run here, on the lane thread. */
    private void complete(List<Part> parts, DestinationResult result) {
        long rows = 0;
        for (Part p : parts) {
            rows += p.packet.rowCount();
        }
        lock.lock();
        try {
            heldRows -= rows;
            if (!blockedProducers.isEmpty()) {
                roomFreed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        for (Part p : parts) {
            p.done = true;
            try {
                p.completion.accept(result);
            } catch (RuntimeException e) {
                log.error("destination {}: completing packet {} failed", destination, p.packet.packetId(), e);
            }
        }
    }

    /** On the way out of the thread: refuses new parts and fails any not completed (only after an Error the lane does not handle). */
    private void abandonAll() {
        List<Part> left = new ArrayList<>();
        lock.lock();
        try {
            closing = true;
            for (TableQueue q : waiting.values()) {
                left.addAll(q.parts);
            }
            waiting.clear();
            waitingParts = 0;
            roomFreed.signalAll();
        } finally {
            lock.unlock();
        }
        inHand.stream().filter(p -> !p.done).forEach(left::add);
        if (left.isEmpty()) {
            return;
        }
        log.warn("destination {}: lane stopped with {} packet(s) not written", destination, left.size());
        failures.add(left.size());
        complete(left, DestinationResult.failed(destination, "lane " + destination + " stopped before writing this packet", true));
    }

    /** The failure's cause, for its stack trace after the log line, when this class logs at debug; else null (one line). */
    private static Throwable traceOf(Failure failure) {
        return log.isDebugEnabled() ? failure.cause() : null;
    }

    private static String messageOf(WriteException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName() + " without a message";
    }
}
