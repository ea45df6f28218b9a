package dev.fanout.core.dispatch;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.FramePacket;
import dev.fanout.api.Router;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.core.routing.TopologyRouter;
import dev.fanout.core.topology.TopologyLoader;
import dev.fanout.dlq.DeadLetter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.fanout.core.dispatch.Fixtures.SCHEMA;
import static dev.fanout.core.dispatch.Fixtures.byTable;
import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.parking;
import static dev.fanout.core.dispatch.Fixtures.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.verify;

/** With a dead-letter sink, what cannot be written is parked, explained, and acknowledged only once durable. */
@Timeout(30)
class DeadLetterTest {

    private static final RetryPolicy THREE = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1));

    private final RecordingDeadLetterSink sink = new RecordingDeadLetterSink();
    private final ManualClock clock = new ManualClock();

    private static Map<String, BaseWriter> writers(BaseWriter a, BaseWriter b) {
        Map<String, BaseWriter> writers = new LinkedHashMap<>();
        writers.put("A", a);
        writers.put("B", b);
        return writers;
    }

    /** A writer failing retryably with "connection refused (attempt n)" while {@code down} holds. */
    private static RecordingWriter flaky(AtomicBoolean down, AtomicInteger attempts) throws WriteException {
        RecordingWriter writer = spy(new RecordingWriter());
        doAnswer(call -> {
            if (down.get()) {
                throw WriteException.retryable("connection refused (attempt " + attempts.incrementAndGet() + ")", null);
            }
            return call.callRealMethod();
        }).when(writer).write(any(WriteBatch.class));
        return writer;
    }

    @Test
    void retryableFailuresAreRetriedThenDeadLetteredWhileAnotherDestinationKeepsCommitting() throws Exception {
        AtomicBoolean down = new AtomicBoolean(true);
        AtomicInteger attempts = new AtomicInteger();
        RecordingWriter a = flaky(down, attempts);
        RecordingWriter b = new RecordingWriter();
        CountDownLatch retrying = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Duration> sleeps = new CopyOnWriteArrayList<>();
        Sleeper gated = pause -> {
            sleeps.add(pause);
            retrying.countDown();
            RecordingWriter.await(release);
        };
        DispatcherSettings settings = parking(10, THREE, CircuitPolicy.DEFAULT, sink, clock).withSleeper(gated);
        MetricRegistry metrics = new MetricRegistry();
        try (Dispatcher dispatcher = Dispatcher.start(byTable(Map.of("ta", "A", "tb", "B")), writers(a, b), settings, metrics)) {
            CompletableFuture<PacketOutcome> failing = dispatcher.submit(packet("ta", "a1", 1));
            retrying.await();

            List<CompletableFuture<PacketOutcome>> others = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                others.add(dispatcher.submit(packet("tb", "b" + i, i)));
            }
            CompletableFuture.allOf(others.toArray(CompletableFuture[]::new)).get();
            assertThat(others).allSatisfy(f -> assertThat(f.join().isCommitted()).isTrue());
            assertThat(failing).isNotDone();
            assertThat(sink.letters).isEmpty();

            release.countDown();
            PacketOutcome outcome = failing.get();
            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
            assertThat(outcome.reason()).hasValue("destination A: connection refused (attempt 3)");
            DestinationResult result = outcome.destinations().get("A");
            assertThat(result.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
            assertThat(result.error()).isEqualTo("connection refused (attempt 3)");
            assertThat(result.retryable()).isTrue();

            DeadLetter letter = sink.only();
            assertThat(result.deadLetterId()).isEqualTo(letter.id());
            assertThat(outcome.deadLetterIds()).containsExactly(letter.id());
            assertThat(letter.packet().packetId()).isEqualTo("a1");
            assertThat(letter.destination()).isEqualTo("A");
            assertThat(letter.table()).isEqualTo("ta");
            assertThat(letter.errorClass()).isEqualTo("WriteException");
            assertThat(letter.message()).isEqualTo("connection refused (attempt 3)");
            assertThat(letter.retryable()).isTrue();
            assertThat(letter.attempts()).isEqualTo(THREE.maxAttempts());
            assertThat(letter.firstFailureAt()).isEqualTo(ManualClock.START);
            assertThat(letter.lastFailureAt()).isEqualTo(ManualClock.START);
            assertThat(sink.callers).containsExactly("fanout-lane-A");
            assertThat(sleeps).hasSize(2);

            down.set(false);
            assertThat(dispatcher.submit(packet("ta", "a2", 2)).get().isCommitted()).isTrue();
            assertThat(a.packetIds("ta")).containsExactly("a2");
            assertThat(dispatcher.summary()).extracting(LaneSummary::deadLettered).containsExactly(1L, 0L);
        }
        assertThat(metrics.counter("fanout.destination.A.dead_lettered").getCount()).isEqualTo(1);
        assertThat(metrics.counter("fanout.destination.A.failures").getCount()).isZero();
        assertThat(metrics.counter("fanout.destination.B.dead_lettered").getCount()).isZero();
    }

    @Test
    void aPacketParkedAtOneDestinationAndCommittedAtAnotherIsDeadLettered() throws Exception {
        RecordingWriter a = spy(new RecordingWriter());
        doThrow(WriteException.permanent("t", "note", "table t: column 'note' is int32 at A; recreate the table"))
                .when(a).write(any(WriteBatch.class));
        RecordingWriter b = new RecordingWriter();
        Router both = p -> List.of(new Router.RoutedPart("B", p), new Router.RoutedPart("A", p));
        try (Dispatcher dispatcher = Dispatcher.start(both, writers(a, b), parking(10, THREE, CircuitPolicy.DEFAULT, sink, clock),
                new MetricRegistry())) {
            PacketOutcome outcome = dispatcher.submit(packet("t", "p", 1)).get();

            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
            assertThat(outcome.isCommitted()).isFalse();
            assertThat(outcome.isDurable()).isTrue();
            assertThat(outcome.destinations().get("B").status()).isEqualTo(PacketOutcome.Status.COMMITTED);
            DestinationResult atA = outcome.destinations().get("A");
            assertThat(atA.deadLetter()).hasValue(sink.only().id());
            assertThat(atA.retryable()).isFalse();
            assertThat(outcome.reason()).hasValue("destination A: table t: column 'note' is int32 at A; recreate the table");
            assertThat(sink.only().attempts()).isEqualTo(1);
            assertThat(sink.only().retryable()).isFalse();
            assertThat(b.packetIds("t")).containsExactly("p");
        }
    }

    @Test
    void aNullKeyIsParkedWholeWithoutADestination() throws Exception {
        FramePacket packet = FramePacket.builder("t", SCHEMA).packetId("p").addRow(1L, "a").addRow(null, "b").build();

        DeadLetter letter = parkedBeforeRouting(to("d"), packet, "DataError");

        assertThat(letter.message()).isEqualTo("table t, row 1, column 'id': null in key column");
    }

    @Test
    void aValueOfTheWrongTypeIsParkedWholeWithoutADestination() throws Exception {
        FramePacket packet = FramePacket.builder("t", SCHEMA).packetId("p").addRow(1L, 42).build();

        DeadLetter letter = parkedBeforeRouting(to("d"), packet, "DataError");

        assertThat(letter.message()).startsWith("table t, row 0, column 'note': ").contains("string");
    }

    @Test
    void rowsNoRouteTakesAreParkedWholeWithoutADestination() throws Exception {
        DeadLetter letter = parkedBeforeRouting(router(), packet("quotes", "p", 1), "Unroutable");

        assertThat(letter.message()).contains("no route matches table 'quotes'").contains("has no default");
    }

    @Test
    void aRangeRouteOnAColumnOfTheWrongTypeParksThePacketWhole() throws Exception {
        DeadLetter letter = parkedBeforeRouting(router(), packet("bars", "p", 1), "Unroutable");

        assertThat(letter.message()).contains("column 'note' of table 'bars' is string").contains("must be date or timestamp");
    }

    /** Routes bars by a date range on {@code note} (a string: wrong type), trades to d; no default. */
    private static Router router() {
        return new TopologyRouter(TopologyLoader.parse("""
                version: 1
                destinations:
                  d: { uri: "mem:d" }
                routes:
                  - { match: { table: bars, column: note, before: "2026-01-01" }, to: d }
                  - { match: { table: trades }, to: d }
                """, Path.of("topology.yaml"), k -> null));
    }

    private DeadLetter parkedBeforeRouting(Router router, FramePacket packet, String errorClass) throws Exception {
        RecordingWriter writer = spy(new RecordingWriter());
        MetricRegistry metrics = new MetricRegistry();
        try (Dispatcher dispatcher = Dispatcher.start(router, Map.of("d", writer),
                parking(10, THREE, CircuitPolicy.DEFAULT, sink, clock), metrics)) {
            CompletableFuture<PacketOutcome> future = dispatcher.submit(packet);
            assertThat(future).isDone();
            PacketOutcome outcome = future.get();
            dispatcher.flush();

            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
            assertThat(outcome.destinations()).isEmpty();
            DeadLetter letter = sink.only();
            assertThat(outcome.deadLetterId()).hasValue(letter.id());
            assertThat(outcome.reason()).hasValue(letter.message());
            assertThat(letter.packet()).isSameAs(packet);
            assertThat(letter.destination()).isNull();
            assertThat(letter.errorClass()).isEqualTo(errorClass);
            assertThat(letter.attempts()).isZero();
            assertThat(letter.retryable()).isFalse();
            assertThat(letter.firstFailureAt()).isEqualTo(ManualClock.START).isEqualTo(letter.lastFailureAt());
            verify(writer, never()).write(any(WriteBatch.class));
            assertThat(metrics.counter("fanout.rejected").getCount()).isEqualTo(1);
            assertThat(metrics.counter("fanout.rejected.dead_lettered").getCount()).isEqualTo(1);
            return letter;
        }
    }

    @Test
    void whenParkingFailsThePartFailsNamingBothErrors() throws Exception {
        RecordingWriter writer = spy(new RecordingWriter());
        doThrow(WriteException.permanent("t", "note", "table t: column 'note' cannot hold this value"))
                .when(writer).write(any(WriteBatch.class));
        sink.failWith(new IOException("No space left on device"));
        MetricRegistry metrics = new MetricRegistry();
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer),
                parking(10, THREE, CircuitPolicy.DEFAULT, sink, clock), metrics)) {
            PacketOutcome outcome = dispatcher.submit(packet("t", "p", 1)).get();

            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.FAILED);
            assertThat(outcome.isDurable()).isFalse();
            DestinationResult result = outcome.destinations().get("d");
            assertThat(result.deadLetter()).isEmpty();
            assertThat(result.error()).contains("column 'note' cannot hold this value")
                    .contains("dead-letter queue").contains("No space left on device");
            assertThat(outcome.deadLetterIds()).isEmpty();
            assertThat(sink.callers).hasSize(1);
        }
        assertThat(metrics.counter("fanout.destination.d.failures").getCount()).isEqualTo(1);
        assertThat(metrics.counter("fanout.destination.d.dead_lettered").getCount()).isZero();
    }

    @Test
    void whenParkingRefusedDataFailsThePacketFailsNamingBothErrors() throws Exception {
        sink.failWith(new IOException("No space left on device"));
        FramePacket packet = FramePacket.builder("t", SCHEMA).packetId("p").addRow(null, "b").build();
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", new RecordingWriter()),
                parking(10, THREE, CircuitPolicy.DEFAULT, sink, clock), new MetricRegistry())) {
            PacketOutcome outcome = dispatcher.submit(packet).get();

            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.FAILED);
            assertThat(outcome.deadLetterId()).isEmpty();
            assertThat(outcome.reason()).hasValueSatisfying(r -> assertThat(r)
                    .startsWith("table t, row 0, column 'id': null in key column").contains("No space left on device"));
        }
    }

    @Test
    void aParkOnAnInterruptedProducerThreadRunsUninterruptedAndKeepsTheFlag() throws Exception {
        AtomicBoolean interruptedWhileParking = new AtomicBoolean(true);
        DispatcherSettings settings = parking(10, THREE, CircuitPolicy.DEFAULT, sink, clock)
                .withDeadLetters(letter -> interruptedWhileParking.set(Thread.currentThread().isInterrupted()));
        FramePacket packet = FramePacket.builder("t", SCHEMA).packetId("p").addRow(null, "b").build();
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", new RecordingWriter()), settings,
                new MetricRegistry())) {
            Thread.currentThread().interrupt();
            PacketOutcome outcome = dispatcher.submit(packet).join();

            assertThat(Thread.interrupted()).isTrue();
            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
            assertThat(interruptedWhileParking).isFalse();
        }
    }
}
