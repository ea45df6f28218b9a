package dev.fanout.core.dispatch;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.SlidingTimeWindowArrayReservoir;
import com.codahale.metrics.Timer;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.FlowController;
import dev.fanout.api.FlowRejectedException;
import dev.fanout.api.FramePacket;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.Router;
import dev.fanout.api.Router.RoutedPart;
import dev.fanout.core.TargetClaims;
import dev.fanout.core.flow.PacketSizes;
import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Takes packets from any number of producer threads, checks their data, routes them, and writes
 * each part through its destination's {@link Lane}: one bounded queue and one platform thread
 * ({@code fanout-lane-<destination>}) per destination, the only thread that ever calls that writer.
 *
 * <p><b>Guarantees.</b>
 * <ul>
 *   <li>Every future returned by {@link #submit} completes — also across {@link #close()} — and
 *       never exceptionally: {@link PacketOutcome.Status#COMMITTED} once every part is durable at
 *       its destination; {@link PacketOutcome.Status#DEAD_LETTERED} once every part is durable there
 *       or in the dead-letter queue ({@code park} returned); otherwise
 *       {@link PacketOutcome.Status#FAILED}, saying why. Nothing is dropped silently.</li>
 *   <li>With a {@link DispatcherSettings#deadLetters() dead-letter sink}, what would fail is parked
 *       instead: parts whose retries are exhausted, poisoned parts isolated by batch splitting, parts
 *       arriving while their destination's circuit is open, and whole packets refused before any lane
 *       takes them (invalid data: error class {@code DataError}; routing errors: {@code Unroutable};
 *       both with no destination; a name that differs only by case from one already sent to a
 *       case-insensitive destination: {@code NameClash}, naming that destination; 0 attempts). If
 *       parking throws, the part fails with both errors.</li>
 *   <li>Per destination, a table's parts reach the writer in the order they were admitted; a schema
 *       change starts a new batch. Different tables, and different destinations, are independent.</li>
 *   <li>A failing or stalled destination never stops another from committing. A permanently failing
 *       batch is split until only its poisoned packets fail. A destination failing retryably batch
 *       after batch trips its circuit breaker ({@link CircuitPolicy}), so its parts are settled at
 *       once instead of holding producers up.</li>
 *   <li>Memory is bounded per lane by {@link DispatcherSettings#queueCapacityRows()}, and further by
 *       the {@link DispatcherSettings#flowController() flow controller}: each routed part holds a
 *       permit from after routing until it completes (committed, parked or failed).</li>
 * </ul>
 *
 * <p><b>Threading.</b> All methods are thread-safe. {@link #submit} blocks while a lane it routes to
 * is full (backpressure); a producer blocked on one lane cannot submit to others meanwhile, so give
 * producers of unrelated destinations their own threads when one may stall. Futures are completed on
 * lane threads, so dependents attached with non-async methods run there: keep them short, never
 * block in them, and never call {@link #flush} or {@link #close} from them (refused) or {@link #submit}
 * (it may wait on the very lane that runs it); use the {@code ...Async} variants for real work.
 *
 * <p><b>Metrics</b>, per destination {@code d} in the given registry: {@code fanout.destination.d.rows},
 * {@code .packets} and {@code .bytes} (meters of what committed; bytes are the flow controller's
 * estimate), {@code .batches} (meter of successful writes), {@code .failures} (counter of failed
 * parts), {@code .dead_lettered} (counter of parked parts), {@code .retries} (counter),
 * {@code .circuit} (gauge: 0 closed, 1 open, 2 half-open), {@code .up} (gauge: 1 while the writer is
 * open, 0 while it is not — a destination that could not open yet), {@code .flush} (timer of each successful
 * {@code writer.write}) and {@code .queue.rows} (gauge of rows admitted and not yet completed); per
 * table {@code t}, {@code fanout.table.t.rows} (meter of rows committed, all destinations together);
 * and {@code fanout.rejected} (counter of packets refused before any lane took them: invalid data,
 * routing errors, names that differ only by case) with
 * {@code fanout.rejected.dead_lettered} (those parked), {@code fanout.flow.rejected} (counter of
 * submits refused by the flow controller), {@code fanout.backpressure.wait} (timer of how long each
 * submit waited for admission — flow control and room in its lanes) and
 * {@code fanout.backpressure.waited_micros} (counter of that time, summed). Timers keep every sample
 * of the last {@link DispatcherSettings#metricsWindow()} ({@link SlidingTimeWindowArrayReservoir}):
 * a burst of slow writes shows in p99 at once, undiluted by a long calm run and not down-weighted as
 * by the default decaying reservoir. {@link #summary()} percentiles cover the whole run instead
 * (an HdrHistogram per lane).
 */
public final class Dispatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final Router router;
    private final Map<String, Lane> lanes;
    private final SentNames sentNames;
    private final DeadLetterSink deadLetters;
    private final Clock clock;
    private final Counter rejected;
    private final Counter rejectedDeadLettered;
    private final Counter flowRejected;
    private final Timer backpressureWait;
    private final Counter backpressureWaitedMicros;
    private final FlowController flowController;
    private static final FlowController.Permit NO_PERMIT = () -> { };
    private final Set<Tracker> pending = ConcurrentHashMap.newKeySet();
    private final AtomicInteger activeSubmits = new AtomicInteger();
    private final Object admissionMonitor = new Object();
    private volatile boolean closed;

    private Dispatcher(Router router, Map<String, Lane> lanes, SentNames sentNames, DispatcherSettings settings, MetricRegistry metrics) {
        this.router = router;
        this.lanes = lanes;
        this.sentNames = sentNames;
        this.deadLetters = settings.deadLetters();
        this.clock = settings.clock();
        this.rejected = metrics.counter("fanout.rejected");
        this.rejectedDeadLettered = metrics.counter("fanout.rejected.dead_lettered");
        this.flowRejected = metrics.counter("fanout.flow.rejected");
        Duration window = settings.metricsWindow();
        this.backpressureWait = metrics.timer("fanout.backpressure.wait",
                () -> new Timer(new SlidingTimeWindowArrayReservoir(window.toNanos(), TimeUnit.NANOSECONDS)));
        this.backpressureWaitedMicros = metrics.counter("fanout.backpressure.waited_micros");
        this.flowController = settings.flowController();
    }

    /**
     * Starts one lane per destination and opens every writer on its own lane thread, in parallel,
     * returning once each has made its first attempt.
     *
     * <p>A writer that does not open does not stop the start (unless
     * {@link DispatcherSettings#requireAllDestinations()}): its destination starts
     * {@link DestinationHealth#up() down}, its lane calls {@code open} again before each write
     * attempt — an open failure is that attempt's failure, retried, counted by the circuit breaker and
     * finally parked or failed with the open error as the reason — and writes once an attempt opens
     * it. The other destinations commit meanwhile.
     *
     * <p>Two destinations whose writers report one {@link BaseWriter#targetIdentity() target
     * identity} — also across dispatchers of this process ({@link TargetClaims#process()}) — are one
     * target under two names: the later one in {@code writersByDestination}'s order (or the one started
     * later) is refused, its writer never opened when the identity was known before opening, and it
     * starts down with a reason naming both; its parts are parked or failed, permanently, with it.
     *
     * @param writersByDestination one unopened writer per destination name; the dispatcher owns them
     *                             from here on and closes them. Its iteration order is the order of
     *                             {@link #summary()}.
     * @throws DispatcherStartException with {@link DispatcherSettings#requireAllDestinations()}, when
     *                                  any writer fails to open; every writer has then been closed and
     *                                  nothing was written
     */
    public static Dispatcher start(Router router, Map<String, BaseWriter> writersByDestination,
                                   DispatcherSettings settings, MetricRegistry metrics) {
        return start(router, writersByDestination, Map.of(), settings, metrics);
    }

    /**
     * Like {@link #start(Router, Map, DispatcherSettings, MetricRegistry)}, knowing how each
     * destination's engine compares names: at a {@link IdentifierComparison#CASE_INSENSITIVE}
     * destination, {@link #submit} refuses a packet naming a table or column that differs only by case
     * from one already sent there (see {@link #submit}).
     *
     * @param comparisons destination name → how its engine compares table and column names; a
     *                    destination missing here compares them {@link IdentifierComparison#EXACT exactly}
     */
    public static Dispatcher start(Router router, Map<String, BaseWriter> writersByDestination,
                                   Map<String, IdentifierComparison> comparisons, DispatcherSettings settings, MetricRegistry metrics) {
        Objects.requireNonNull(router, "router is null");
        Objects.requireNonNull(writersByDestination, "writersByDestination is null");
        Objects.requireNonNull(comparisons, "comparisons is null");
        Objects.requireNonNull(settings, "settings is null");
        Objects.requireNonNull(metrics, "metrics is null");
        if (writersByDestination.isEmpty()) {
            throw new IllegalArgumentException("a dispatcher needs at least one destination");
        }
        Map<BaseWriter, String> owners = new IdentityHashMap<>();
        Map<String, Lane> lanes = new LinkedHashMap<>();
        Lane previous = null;
        for (Map.Entry<String, BaseWriter> entry : writersByDestination.entrySet()) {
            String destination = Objects.requireNonNull(entry.getKey(), "destination name is null");
            BaseWriter writer = Objects.requireNonNull(entry.getValue(), "writer of destination " + destination + " is null");
            String other = owners.put(writer, destination);
            if (other != null) {
                throw new IllegalArgumentException("destinations " + other + " and " + destination
                        + " share one writer instance: each destination needs its own writer");
            }
            Lane lane = new Lane(destination, writer, settings, metrics, TargetClaims.process());
            if (previous != null) {
                lane.claimAfter(previous);
            }
            lanes.put(destination, lane);
            previous = lane;
        }
        try {
            lanes.values().forEach(Lane::start);
        } catch (RuntimeException | Error e) {
            lanes.values().forEach(Lane::passTurns);
            lanes.values().forEach(Lane::shutdown);
            lanes.values().forEach(Lane::join);
            throw e;
        }
        Map<String, String> failures = new LinkedHashMap<>();
        for (Lane lane : lanes.values()) {
            String problem = lane.awaitFirstOpen();
            if (problem != null) {
                failures.put(lane.destination(), problem);
            }
        }
        if (!failures.isEmpty() && settings.requireAllDestinations()) {
            lanes.values().forEach(Lane::shutdown);
            lanes.values().forEach(Lane::join);
            throw new DispatcherStartException(failures);
        }
        if (!failures.isEmpty()) {
            log.warn("dispatcher started with {} of {} destinations down: {}", failures.size(), lanes.size(), failures.keySet());
        }
        log.debug("dispatcher started with destinations {}", lanes.keySet());
        return new Dispatcher(router, Collections.unmodifiableMap(lanes), new SentNames(comparisons), settings, metrics);
    }

    /**
     * Checks, routes and enqueues a packet; blocks while a lane it routes to is full or the
     * {@link DispatcherSettings#flowController() flow controller} makes it wait.
     *
     * <p>A packet with invalid data (a value not of its column's type, a null key, a null in a
     * non-nullable or the version column) or one the router refuses is not written: its future is
     * already complete when this returns, with a reason naming table, row and column — DEAD_LETTERED
     * after it was parked whole (on this thread) when there is a dead-letter sink, else FAILED. If the
     * calling thread is interrupted while blocked, the parts not yet admitted fail (retryable, not
     * parked: the producer chose to stop) and the interrupt flag is kept.
     *
     * <p><b>Names that differ only by case.</b> At a destination whose engine compares names
     * {@link IdentifierComparison#CASE_INSENSITIVE case-insensitively}, a packet is refused the same
     * way (error class {@code NameClash}, the record naming that destination) when its table differs
     * only by case from a table already submitted there, when its schema holds two columns that differ
     * only by case, or when one of its columns differs only by case from a column already submitted
     * there for its table: the engine would write it into the other table or column. The reason names
     * both names and the destination. The first name submitted wins, and its table stays intact; a
     * packet passing this check claims its names at every destination it is routed to, even if flow
     * control then refuses it or it is parked later.
     *
     * <p><b>Flow control.</b> After routing, the parts' permits are acquired from the flow controller
     * together ({@link FlowController#acquireAll}, in destination-name order), before any part enters
     * a lane; each is released when its part
     * completes. When the controller refuses a part (its {@code reject} policy), the permits already
     * taken are released and this method throws: nothing of the packet was written or queued, and no
     * future exists for it, so the caller backs off and submits it again.
     *
     * @return completes when every part has committed, been parked, or failed; never completes exceptionally
     * @throws IllegalStateException after {@link #close()}
     * @throws FlowRejectedException  when the flow controller refused the packet; nothing was written
     */
    public CompletableFuture<PacketOutcome> submit(FramePacket packet) {
        Objects.requireNonNull(packet, "packet is null");
        activeSubmits.incrementAndGet();
        try {
            if (closed) {
                throw new IllegalStateException("the dispatcher is closed: packet " + packet.packetId()
                        + " of table " + packet.table() + " was not accepted");
            }
            PacketValidation.Rejection rejection = PacketValidation.firstProblem(packet);
            if (rejection != null) {
                log.warn("packet {} rejected, invalid value at {}", packet.packetId(), rejection.location());
                return CompletableFuture.completedFuture(refuse(packet, null, "DataError", rejection.toString()));
            }
            List<RoutedPart> parts;
            String routingProblem;
            try {
                parts = router.route(packet);
                routingProblem = routingProblem(packet, parts);
            } catch (RuntimeException e) {
                parts = List.of();
                routingProblem = "table " + packet.table() + ": routing failed: " + e.getMessage();
            }
            if (routingProblem != null) {
                log.warn("packet {} of table {} not routed: {}", packet.packetId(), packet.table(), routingProblem);
                return CompletableFuture.completedFuture(refuse(packet, null, "Unroutable", routingProblem));
            }
            Map<Integer, SentNames.Clash> clashes = sentNames.claim(parts);
            clashes.values().forEach(clash ->
                    log.warn("packet {} of table {} refused at destination {}: {}", packet.packetId(), packet.table(), clash.destination(),
                            clash.reason()));
            if (clashes.size() == parts.size()) {
                SentNames.Clash first = clashes.get(0);
                return CompletableFuture.completedFuture(refuse(packet, first.destination(), "NameClash", first.reason()));
            }
            return enqueue(packet, parts, clashes);
        } finally {
            if (activeSubmits.decrementAndGet() == 0 && closed) {
                synchronized (admissionMonitor) {
                    admissionMonitor.notifyAll();
                }
            }
        }
    }

    /**
     * The outcome of a packet refused before it entered a lane: parked whole when there is a sink,
     * else failed; {@code destination} is the one it was refused for, null when refused before routing.
     */
    private PacketOutcome refuse(FramePacket packet, String destination, String errorClass, String reason) {
        rejected.inc();
        if (deadLetters == null) {
            return PacketOutcome.rejected(packet, reason);
        }
        Instant now = clock.instant();
        DeadLetter letter = new DeadLetter(UUID.randomUUID().toString(), packet, destination, errorClass, reason, false, 0, now, now);
        try {
            Lane.parkUninterrupted(deadLetters, letter);
        } catch (IOException | RuntimeException e) {
            log.warn("packet {} of table {} was refused and could not be dead-lettered either: {}",
                    packet.packetId(), packet.table(), e.toString());
            return PacketOutcome.rejected(packet, reason + "; parking it in the dead-letter queue failed too: " + e);
        }
        rejectedDeadLettered.inc();
        return PacketOutcome.deadLettered(packet, letter.id(), reason);
    }

    /** A part whose names clash at its destination: parked there with the reason (failed when there is no sink or parking fails). */
    private DestinationResult refusePart(RoutedPart part, SentNames.Clash clash) {
        rejected.inc();
        String destination = part.destination();
        if (deadLetters == null) {
            return DestinationResult.failed(destination, clash.reason(), false);
        }
        Instant now = clock.instant();
        DeadLetter letter = new DeadLetter(UUID.randomUUID().toString(), part.packet(), destination, "NameClash", clash.reason(), false, 0,
                now, now);
        try {
            Lane.parkUninterrupted(deadLetters, letter);
        } catch (IOException | RuntimeException e) {
            log.warn("part of packet {} for destination {} was refused and could not be dead-lettered either: {}",
                    part.packet().packetId(), destination, e.toString());
            return DestinationResult.failed(destination, clash.reason() + "; parking it in the dead-letter queue failed too: " + e, false);
        }
        rejectedDeadLettered.inc();
        return DestinationResult.deadLettered(destination, letter.id(), clash.reason(), false);
    }

    private String routingProblem(FramePacket packet, List<RoutedPart> parts) {
        if (parts == null || parts.isEmpty()) {
            return "table " + packet.table() + ": no route leads to a destination";
        }
        Set<String> seen = new HashSet<>();
        for (RoutedPart part : parts) {
            if (part == null || part.destination() == null || part.packet() == null) {
                return "table " + packet.table() + ": the router returned an incomplete part " + part;
            }
            if (!lanes.containsKey(part.destination())) {
                return "table " + packet.table() + ": routed to destination '" + part.destination()
                        + "', which is not configured (destinations: " + String.join(", ", lanes.keySet()) + ")";
            }
            if (!seen.add(part.destination())) {
                return "table " + packet.table() + ": the router returned two parts for destination " + part.destination();
            }
        }
        return null;
    }

    private CompletableFuture<PacketOutcome> enqueue(FramePacket packet, List<RoutedPart> parts, Map<Integer, SentNames.Clash> clashes) {
        long waitStart = System.nanoTime();
        try {
            return admit(packet, parts, clashes);
        } finally {
            long waited = System.nanoTime() - waitStart;
            backpressureWait.update(waited, TimeUnit.NANOSECONDS);
            backpressureWaitedMicros.inc(TimeUnit.NANOSECONDS.toMicros(waited));
        }
    }

    /**
     * Admits the parts of {@code packet} into their lanes; a part in {@code clashes} (its name clashes
     * at its destination) is parked there instead, once the other parts were admitted by flow control,
     * while the others are written — one destination's refusal stops no other.
     */
    private CompletableFuture<PacketOutcome> admit(FramePacket packet, List<RoutedPart> parts, Map<Integer, SentNames.Clash> clashes) {
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            if (!clashes.containsKey(i)) {
                slots.add(i);
            }
        }
        List<RoutedPart> admitting = slots.stream().map(parts::get).toList();
        long[] bytes = new long[admitting.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = PacketSizes.estimateBytes(admitting.get(i).packet());
        }
        FlowController.Permit[] permits = new FlowController.Permit[admitting.size()];
        boolean admittedByFlow = acquirePermits(packet, admitting, bytes, permits);
        Tracker tracker = new Tracker(packet, parts);
        pending.add(tracker);
        clashes.forEach((slot, clash) -> tracker.complete(slot, refusePart(parts.get(slot), clash)));
        if (!admittedByFlow) {
            for (int slot : slots) {
                tracker.complete(slot, DestinationResult.failed(parts.get(slot).destination(),
                        "interrupted while waiting for flow control; not written", true));
            }
            return tracker.future;
        }
        for (int i = 0; i < admitting.size(); i++) {
            int slot = slots.get(i);
            String destination = admitting.get(i).destination();
            FlowController.Permit permit = permits[i];
            boolean admitted;
            try {
                admitted = lanes.get(destination).admit(new Lane.Part(admitting.get(i).packet(), bytes[i], r -> {
                    try {
                        release(permit, destination);
                    } finally {
                        tracker.complete(slot, r);
                    }
                }));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                for (int j = i; j < admitting.size(); j++) {
                    release(permits[j], admitting.get(j).destination());
                    tracker.complete(slots.get(j), DestinationResult.failed(admitting.get(j).destination(),
                            "interrupted while waiting for room in the lane; not written", true));
                }
                break;
            }
            if (!admitted) {
                release(permit, destination);
                tracker.complete(slot, DestinationResult.failed(destination,
                        "destination " + destination + " is closed; not written", true));
            }
        }
        return tracker.future;
    }

    /**
     * Acquires the flow-control permits of all parts together ({@link FlowController#acquireAll}, in
     * destination-name order) before any part enters a lane, so a refused packet leaves nothing behind.
     *
     * @return false when interrupted while waiting (nothing is held then, and the interrupt flag is kept)
     * @throws FlowRejectedException when the controller refuses the packet; nothing is held then
     */
    private boolean acquirePermits(FramePacket packet, List<RoutedPart> parts, long[] bytes, FlowController.Permit[] permits) {
        if (flowController == FlowController.UNLIMITED) {
            Arrays.fill(permits, NO_PERMIT);
            return true;
        }
        Integer[] order = new Integer[parts.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparing(i -> parts.get(i).destination()));
        List<FlowController.Request> requests = new ArrayList<>(order.length);
        for (int i : order) {
            requests.add(new FlowController.Request(parts.get(i).destination(), parts.get(i).packet().rowCount(), bytes[i]));
        }
        try {
            List<FlowController.Permit> granted = flowController.acquireAll(requests);
            if (granted == null || granted.size() != order.length || granted.stream().anyMatch(Objects::isNull)) {
                if (granted != null) {
                    granted.stream().filter(Objects::nonNull).forEach(p -> release(p, "(all)"));
                }
                throw new IllegalStateException("the flow controller " + flowController + " returned " + granted
                        + " for " + order.length + " requests; it must return one permit per request");
            }
            for (int k = 0; k < order.length; k++) {
                permits[order[k]] = granted.get(k);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (FlowRejectedException e) {
            flowRejected.inc();
            log.debug("packet {} of table {} refused by flow control: {}", packet.packetId(), packet.table(), e.getMessage());
            throw e;
        }
    }

    /** Releases {@code permit}; a failing release is logged, never allowed to keep a packet from completing. */
    private static void release(FlowController.Permit permit, String destination) {
        try {
            permit.release();
        } catch (RuntimeException e) {
            log.error("destination {}: releasing a flow-control permit failed", destination, e);
        }
    }

    /**
     * Blocks until every packet submitted before this call has completed, committed or failed; lanes
     * write what they hold without waiting for {@code batch.maxAge} meanwhile.
     *
     * @throws IllegalStateException when called on a lane thread, i.e. from a future's dependent
     */
    public void flush() throws InterruptedException {
        flush(null);
    }

    /**
     * Like {@link #flush()}, giving up after {@code timeout} (null: no limit).
     *
     * @return whether everything submitted before the call completed in time
     */
    public boolean flush(Duration timeout) throws InterruptedException {
        refuseOnLaneThread("flush()");
        CompletableFuture<?>[] settled = pending.stream().map(t -> t.settled).toArray(CompletableFuture[]::new);
        lanes.values().forEach(Lane::beginFlush);
        try {
            CompletableFuture<Void> all = CompletableFuture.allOf(settled);
            if (timeout == null) {
                all.get();
            } else {
                all.get(RetryPolicy.saturatedNanos(timeout), TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("a packet's completion failed", e.getCause());
        } finally {
            lanes.values().forEach(Lane::endFlush);
        }
    }

    /** Per destination, in the order given to {@link #start}: what committed, what failed, write latency. */
    public List<LaneSummary> summary() {
        List<LaneSummary> out = new ArrayList<>(lanes.size());
        for (Lane lane : lanes.values()) {
            out.add(lane.summary());
        }
        return out;
    }

    /**
     * Per destination, in the order given to {@link #start}: whether its writer is open now, and the
     * last open error while it is not. Immutable.
     */
    public Map<String, DestinationHealth> health() {
        Map<String, DestinationHealth> out = new LinkedHashMap<>();
        lanes.forEach((name, lane) -> out.put(name, lane.health()));
        return Collections.unmodifiableMap(out);
    }

    /**
     * Stops admission (later submits throw), waits for submits in progress, writes everything queued,
     * then closes each writer on its lane thread and joins the threads. Every submitted packet's future
     * is complete when this returns, so it waits as long as a stalled writer or a retrying batch
     * does. Idempotent; concurrent callers all wait for the end.
     *
     * @throws IllegalStateException when called on a lane thread, i.e. from a future's dependent
     */
    @Override
    public void close() {
        refuseOnLaneThread("close()");
        closed = true;
        boolean interrupted = false;
        synchronized (admissionMonitor) {
            while (activeSubmits.get() > 0) {
                try {
                    admissionMonitor.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        lanes.values().forEach(Lane::shutdown);
        lanes.values().forEach(Lane::join);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        log.debug("dispatcher closed");
    }

    private void refuseOnLaneThread(String method) {
        Thread current = Thread.currentThread();
        for (Lane lane : lanes.values()) {
            if (lane.runsOn(current)) {
                throw new IllegalStateException(method + " called on lane thread " + current.getName()
                        + ", probably from a future's dependent: it would wait for itself; use an async stage");
            }
        }
    }

    /** Collects the results of one packet's parts; the last lane to finish completes the packet. */
    private final class Tracker {
        final FramePacket packet;
        final DestinationResult[] results;
        final AtomicInteger remaining;
        final CompletableFuture<PacketOutcome> future = new CompletableFuture<>();
        /** Completed after {@link #future}, so a caller's cancel() on it cannot disturb {@link #flush}. */
        final CompletableFuture<Void> settled = new CompletableFuture<>();

        Tracker(FramePacket packet, List<RoutedPart> parts) {
            this.packet = packet;
            this.results = new DestinationResult[parts.size()];
            this.remaining = new AtomicInteger(parts.size());
        }

        void complete(int slot, DestinationResult result) {
            results[slot] = result;
            if (remaining.decrementAndGet() == 0) {
                try {
                    future.complete(PacketOutcome.of(packet, Arrays.asList(results)));
                } finally {
                    settled.complete(null);
                    pending.remove(this);
                }
            }
        }
    }
}
