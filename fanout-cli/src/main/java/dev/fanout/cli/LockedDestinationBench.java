package dev.fanout.cli;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.Router;
import dev.fanout.api.WriterProvider;
import dev.fanout.core.dispatch.BatchPolicy;
import dev.fanout.core.dispatch.CircuitPolicy;
import dev.fanout.core.dispatch.Dispatcher;
import dev.fanout.core.dispatch.DispatcherSettings;
import dev.fanout.core.dispatch.PacketOutcome;
import dev.fanout.core.dispatch.RetryPolicy;
import dev.fanout.dlq.DeadLetterStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The locked-destination cases of {@code fanout bench}: the dispatcher writing three tables to three
 * DuckDB files, once all healthy (the reference) and once with the third file held by another process
 * ({@link DuckDbLockHolder}), so its lane retries the open, trips its breaker and parks its packets.
 * Both runs route the same packets the same way, with the settings a default {@code fanout ingest}
 * uses (retry policy, circuit breaker, lane room of four batches, a dead-letter store) and, as ingest
 * has, one producer thread per table, submitting that table's packets in order.
 *
 * <p>Only the two healthy destinations count: their rows, timed from the first submit until the last
 * of their packets has completed. The third lane's retries and parking are not in the time, but
 * whatever they cost the other two — lanes sharing the dispatcher, threads, memory — is: that is
 * what the pair measures. Every healthy packet must commit, and in the locked run no
 * packet of the third destination may, else the bench fails.
 */
final class LockedDestinationBench implements AutoCloseable {

    static final String REFERENCE_CASE = "(h) dispatcher, 3 tables -> 3 DuckDB files, all healthy (reference)";
    static final String LOCKED_CASE = "(h) dispatcher, 3 tables -> 3 DuckDB files, third locked: the two healthy";
    /** The tables, {@code trades_0} to {@code trades_2}; {@code trades_i} goes to destination {@code db<i>}. */
    static final int TABLES = 3;
    private static final String THIRD = "db" + (TABLES - 1);

    private final Path lockedFile;
    private final DuckDbLockHolder holder;

    private LockedDestinationBench(Path lockedFile, DuckDbLockHolder holder) {
        this.lockedFile = lockedFile;
        this.holder = holder;
    }

    /** Starts the process that holds {@code work/locked.duckdb} for every round; {@link #close} ends it. */
    static LockedDestinationBench start(Path work) throws IOException {
        Path file = work.resolve("locked.duckdb");
        return new LockedDestinationBench(file, DuckDbLockHolder.start(file));
    }

    /** One line for the bench's header, naming the holder by its PID. */
    String describe() {
        return "(h) the third destination's file " + lockedFile + " is held by process " + holder.pid();
    }

    /**
     * rows/s of both cases on {@code packets} (tables {@code trades_0} to {@code trades_2}), each in new
     * files under {@code dir}, counting the rows routed to the first two destinations.
     */
    Map<String, Double> measure(WriterProvider duckdb, Path dir, List<FramePacket> packets, int batchRows) throws Exception {
        Map<String, Double> rates = new LinkedHashMap<>();
        Path healthy = Files.createDirectories(dir.resolve("healthy"));
        rates.put(REFERENCE_CASE, healthyRate(duckdb, healthy, healthy.resolve(THIRD + ".duckdb"), packets, batchRows, false));
        rates.put(LOCKED_CASE, healthyRate(duckdb, Files.createDirectories(dir.resolve("locked")), lockedFile, packets, batchRows, true));
        return rates;
    }

    private static double healthyRate(WriterProvider duckdb, Path dir, Path third, List<FramePacket> packets, int batchRows,
                                      boolean thirdLocked) throws Exception {
        Map<String, BaseWriter> writers = new LinkedHashMap<>();
        for (int d = 0; d < TABLES; d++) {
            String name = "db" + d;
            Path file = name.equals(THIRD) ? third : dir.resolve(name + ".duckdb");
            writers.put(name, duckdb.create(Destination.of(name, "duckdb:" + file, dir)));
        }
        Router router = packet -> List.of(new Router.RoutedPart(destinationOf(packet), packet));
        Map<String, List<FramePacket>> byTable = new LinkedHashMap<>();
        for (FramePacket p : packets) {
            byTable.computeIfAbsent(p.table(), t -> new ArrayList<>()).add(p);
        }
        List<CompletableFuture<PacketOutcome>> healthyOutcomes = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<PacketOutcome>> thirdOutcomes = Collections.synchronizedList(new ArrayList<>());
        long healthyRows = packets.stream().filter(p -> !destinationOf(p).equals(THIRD)).mapToLong(FramePacket::rowCount).sum();
        AtomicLong lastHealthyDone = new AtomicLong();
        long start;
        ExecutorService producers = Executors.newFixedThreadPool(byTable.size(), r -> new Thread(r, "bench-producer"));
        try (DeadLetterStore deadLetters = DeadLetterStores.open(dir.resolve("dlq"))) {
            DispatcherSettings settings = DispatcherSettings.of(new BatchPolicy(batchRows, Duration.ofMillis(200)), RetryPolicy.DEFAULT)
                    .withCircuit(CircuitPolicy.DEFAULT)
                    .withDeadLetters(deadLetters);
            try (Dispatcher dispatcher = Dispatcher.start(router, writers, settings, new MetricRegistry())) {
                System.gc();
                start = System.nanoTime();
                List<Future<?>> submitted = new ArrayList<>();
                for (List<FramePacket> table : byTable.values()) {
                    submitted.add(producers.submit(() -> {
                        for (FramePacket p : table) {
                            CompletableFuture<PacketOutcome> outcome = dispatcher.submit(p);
                            if (destinationOf(p).equals(THIRD)) {
                                thirdOutcomes.add(outcome);
                            } else {
                                healthyOutcomes.add(outcome.whenComplete((o, e) -> lastHealthyDone.accumulateAndGet(System.nanoTime(), Math::max)));
                            }
                        }
                    }));
                }
                for (Future<?> f : submitted) {
                    f.get();
                }
                CompletableFuture.allOf(healthyOutcomes.toArray(CompletableFuture[]::new)).join();
                CompletableFuture.allOf(thirdOutcomes.toArray(CompletableFuture[]::new)).join();
            }
        } finally {
            producers.shutdownNow();
        }
        long failed = healthyOutcomes.stream().map(CompletableFuture::join).filter(o -> !o.isCommitted()).count();
        if (failed > 0) {
            throw new IllegalStateException(failed + " packets to the healthy destinations failed during the locked-destination benchmark");
        }
        long thirdCommitted = thirdOutcomes.stream().map(CompletableFuture::join).filter(PacketOutcome::isCommitted).count();
        long expected = thirdLocked ? 0 : thirdOutcomes.size();
        if (thirdCommitted != expected) {
            throw new IllegalStateException(thirdCommitted + " of " + thirdOutcomes.size() + " packets to " + third + " committed, expected "
                    + expected + (thirdLocked ? ": the file was to be held by another process" : ""));
        }
        return healthyRows / ((lastHealthyDone.get() - start) / 1e9);
    }

    private static String destinationOf(FramePacket packet) {
        return "db" + (Integer.parseInt(packet.table().substring(packet.table().lastIndexOf('_') + 1)) % TABLES);
    }

    /** Lets the file go and waits for the holding process to end. */
    @Override
    public void close() throws InterruptedException {
        holder.close();
    }
}
