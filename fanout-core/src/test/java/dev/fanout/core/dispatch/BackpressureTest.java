package dev.fanout.core.dispatch;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.BaseWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;
import java.util.concurrent.locks.LockSupport;

import static dev.fanout.core.dispatch.Fixtures.awaitTrue;
import static dev.fanout.core.dispatch.Fixtures.byTable;
import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.settings;
import static dev.fanout.core.dispatch.Fixtures.to;
import static org.assertj.core.api.Assertions.assertThat;

/** A full lane blocks the submits routed to it, and only those. */
@Timeout(30)
class BackpressureTest {

    /** Capacity 2 rows; the first write blocks on {@code gate}, and the lane then holds 2 rows. */
    private static final class FullLane implements AutoCloseable {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);
        final RecordingWriter a = RecordingWriter.blocking(entered, gate);
        final RecordingWriter b = new RecordingWriter();
        final MetricRegistry metrics = new MetricRegistry();
        final Dispatcher dispatcher;
        final CompletableFuture<PacketOutcome> first;
        final CompletableFuture<PacketOutcome> second;

        FullLane() throws InterruptedException {
            Map<String, BaseWriter> writers = new LinkedHashMap<>();
            writers.put("A", a);
            writers.put("B", b);
            dispatcher = Dispatcher.start(byTable(Map.of("ta", "A", "tb", "B")), writers, settings(1, Duration.ZERO, 2), metrics);
            first = dispatcher.submit(packet("ta", "1", 1));
            entered.await();
            second = dispatcher.submit(packet("ta", "2", 2));
        }

        @SuppressWarnings("unchecked")
        long heldRows() {
            return ((Gauge<Long>) metrics.getGauges().get("fanout.destination.A.queue.rows")).getValue();
        }

        @Override
        public void close() {
            gate.countDown();
            dispatcher.close();
        }
    }

    private static boolean blockedOnCondition(Thread t) {
        return t.getState() == Thread.State.WAITING
                && LockSupport.getBlocker(t) instanceof AbstractQueuedSynchronizer.ConditionObject;
    }

    @Test
    void aSubmitToAFullLaneBlocksUntilTheLaneHasRoom() throws Exception {
        try (FullLane lane = new FullLane()) {
            assertThat(lane.heldRows()).isEqualTo(2);
            CountDownLatch returned = new CountDownLatch(1);
            AtomicReference<CompletableFuture<PacketOutcome>> third = new AtomicReference<>();
            Thread producer = new Thread(() -> {
                third.set(lane.dispatcher.submit(packet("ta", "3", 3)));
                returned.countDown();
            }, "producer");
            producer.start();

            awaitTrue(() -> blockedOnCondition(producer), "the producer blocks in submit");
            assertThat(returned.getCount()).isEqualTo(1);

            lane.gate.countDown();
            returned.await();
            producer.join();
            assertThat(third.get().get().isCommitted()).isTrue();
            assertThat(lane.first.get().isCommitted()).isTrue();
            assertThat(lane.second.get().isCommitted()).isTrue();
            assertThat(lane.a.packetIds("ta")).containsExactly("1", "2", "3");
        }
    }

    @Test
    void aFullLaneDoesNotBlockSubmitsToAnotherLane() throws Exception {
        try (FullLane lane = new FullLane()) {
            Thread producer = new Thread(() -> lane.dispatcher.submit(packet("ta", "3", 3)), "producer");
            producer.start();
            awaitTrue(() -> blockedOnCondition(producer), "the producer blocks in submit");

            assertThat(lane.dispatcher.submit(packet("tb", "b", 1)).get().isCommitted()).isTrue();
            assertThat(lane.first).isNotDone();
        }
    }

    @Test
    void aProducerInterruptedWhileBlockedGetsAFailedOutcome() throws Exception {
        try (FullLane lane = new FullLane()) {
            AtomicReference<CompletableFuture<PacketOutcome>> third = new AtomicReference<>();
            AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
            Thread producer = new Thread(() -> {
                third.set(lane.dispatcher.submit(packet("ta", "3", 3)));
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }, "producer");
            producer.start();
            awaitTrue(() -> blockedOnCondition(producer), "the producer blocks in submit");

            producer.interrupt();
            producer.join();

            PacketOutcome outcome = third.get().get();
            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.FAILED);
            assertThat(outcome.destinations().get("A").retryable()).isTrue();
            assertThat(outcome.destinations().get("A").error()).contains("interrupted");
            assertThat(stillInterrupted.get()).isTrue();
            lane.gate.countDown();
            assertThat(lane.second.get().isCommitted()).isTrue();
        }
    }

    @Test
    void aPacketLargerThanTheCapacityIsAdmittedIntoAnEmptyLane() throws Exception {
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", new RecordingWriter()),
                settings(2, Duration.ZERO, 2), new MetricRegistry())) {
            assertThat(dispatcher.submit(packet("t", "big", 1, 2, 3, 4, 5)).get().isCommitted()).isTrue();
        }
    }
}
