package dev.fanout.core.dispatch;

import com.codahale.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static dev.fanout.core.dispatch.Fixtures.NEVER;
import static dev.fanout.core.dispatch.Fixtures.byTable;
import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.settings;
import static dev.fanout.core.dispatch.Fixtures.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** When futures complete, and what flush() and close() wait for. */
@Timeout(30)
class CompletionTest {

    @Test
    void aFutureCompletesCommittedOnlyAfterTheWriteReturned() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        RecordingWriter writer = RecordingWriter.blocking(entered, gate);
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings(10, Duration.ZERO, 100),
                new MetricRegistry())) {
            CompletableFuture<PacketOutcome> future = dispatcher.submit(packet("t", "p1", 1, 2));
            entered.await();
            assertThat(future).isNotDone();

            gate.countDown();
            PacketOutcome outcome = future.get();
            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.COMMITTED);
            assertThat(outcome.packetId()).isEqualTo("p1");
            assertThat(outcome.table()).isEqualTo("t");
            assertThat(outcome.rows()).isEqualTo(2);
            assertThat(outcome.reason()).isEmpty();
            assertThat(outcome.destinations()).containsExactly(Map.entry("d", DestinationResult.committed("d")));
            assertThat(writer.packetIds("t")).containsExactly("p1");
        }
    }

    @Test
    void flushWaitsForEverySubmittedPacket() throws Exception {
        RecordingWriter writer = new RecordingWriter();
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings(1000, NEVER, 1000),
                new MetricRegistry())) {
            List<CompletableFuture<PacketOutcome>> futures = List.of(
                    dispatcher.submit(packet("t", "1", 1)), dispatcher.submit(packet("t", "2", 2)),
                    dispatcher.submit(packet("u", "3", 3)));
            assertThat(futures).noneMatch(CompletableFuture::isDone);

            dispatcher.flush();

            assertThat(futures).allSatisfy(f -> assertThat(f).isCompletedWithValueMatching(PacketOutcome::isCommitted));
            assertThat(writer.packetIds("t")).containsExactly("1", "2");
            assertThat(writer.batches).hasSize(2);
        }
    }

    @Test
    void flushWithATimeoutReportsWhetherEverythingCompleted() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        RecordingWriter writer = RecordingWriter.blocking(entered, gate);
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings(10, Duration.ZERO, 100),
                new MetricRegistry())) {
            dispatcher.submit(packet("t", "1", 1));
            entered.await();
            assertThat(dispatcher.flush(Duration.ofMillis(20))).isFalse();
            gate.countDown();
            assertThat(dispatcher.flush(Duration.ofSeconds(30))).isTrue();
        }
    }

    @Test
    void closeWritesEveryQueuedPacketThenClosesEachWriterOnceOnItsLane() {
        RecordingWriter a = new RecordingWriter();
        RecordingWriter b = new RecordingWriter();
        Map<String, dev.fanout.api.BaseWriter> writers = new LinkedHashMap<>();
        writers.put("a", a);
        writers.put("b", b);
        List<CompletableFuture<PacketOutcome>> futures = new ArrayList<>();
        Dispatcher dispatcher = Dispatcher.start(byTable(Map.of("ta", "a", "tb", "b")), writers,
                settings(1000, NEVER, 10_000), new MetricRegistry());
        for (int i = 0; i < 50; i++) {
            futures.add(dispatcher.submit(packet(i % 2 == 0 ? "ta" : "tb", "p" + i, i)));
        }

        dispatcher.close();

        assertThat(futures).allSatisfy(f -> assertThat(f).isCompletedWithValueMatching(PacketOutcome::isCommitted));
        assertThat(a.packetIds("ta")).hasSize(25);
        assertThat(b.packetIds("tb")).hasSize(25);
        assertThat(a.closes).hasValue(1);
        assertThat(b.closes).hasValue(1);
        assertThat(a.callers).containsOnly("fanout-lane-a");
        assertThat(b.callers).containsOnly("fanout-lane-b");

        dispatcher.close();
        assertThat(a.closes).hasValue(1);
        assertThatThrownBy(() -> dispatcher.submit(packet("ta", "late", 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void flushFromAFuturesDependentIsRefusedRatherThanDeadlocking() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", RecordingWriter.blocking(entered, gate)),
                settings(10, Duration.ZERO, 100), new MetricRegistry())) {
            CompletableFuture<PacketOutcome> first = dispatcher.submit(packet("t", "1", 1));
            CompletableFuture<Object> dependent = first.thenApply(o -> {
                try {
                    dispatcher.flush();
                    return "flushed";
                } catch (InterruptedException | RuntimeException e) {
                    return e;
                }
            });
            gate.countDown();
            assertThat(dependent.get()).isInstanceOf(IllegalStateException.class)
                    .asString().contains("lane thread");
        }
    }
}
