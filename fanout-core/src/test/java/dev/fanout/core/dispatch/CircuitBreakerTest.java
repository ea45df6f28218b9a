package dev.fanout.core.dispatch;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.dlq.DeadLetter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.fanout.core.dispatch.Fixtures.NEVER;
import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.parking;
import static dev.fanout.core.dispatch.Fixtures.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * After {@code failure_threshold} batches failing retryably, a destination's breaker opens: parts are
 * settled without calling the writer until {@code open_for} has passed on the clock, then one
 * single-attempt probe decides whether it closes or opens again.
 */
@Timeout(30)
class CircuitBreakerTest {

    private static final RetryPolicy TWO = new RetryPolicy(2, Duration.ofMillis(100), Duration.ofSeconds(1));
    private static final CircuitPolicy TWO_FOR_30S = new CircuitPolicy(2, Duration.ofSeconds(30));
    private static final String REFUSAL = "circuit open for destination d after 2 consecutive failures: connection refused";

    private final RecordingDeadLetterSink sink = new RecordingDeadLetterSink();
    private final ManualClock clock = new ManualClock();
    private final MetricRegistry metrics = new MetricRegistry();
    private final AtomicBoolean down = new AtomicBoolean(true);
    private final RecordingWriter writer = spy(new RecordingWriter());

    CircuitBreakerTest() throws WriteException {
        doAnswer(call -> {
            if (down.get()) {
                throw WriteException.retryable("connection refused", null);
            }
            return call.callRealMethod();
        }).when(writer).write(any(WriteBatch.class));
    }

    private Dispatcher start(DispatcherSettings settings) {
        return Dispatcher.start(to("d"), Map.of("d", writer), settings, metrics);
    }

    @SuppressWarnings("unchecked")
    private int gauge() {
        return ((Gauge<Integer>) metrics.getGauges().get("fanout.destination.d.circuit")).getValue();
    }

    private void verifyWrites(int n) throws WriteException {
        verify(writer, times(n)).write(any(WriteBatch.class));
    }

    /** Two packets, each failing both attempts: four writes, and the breaker is open. */
    private void trip(Dispatcher dispatcher) throws Exception {
        assertThat(dispatcher.submit(packet("t", "f1", 1)).get().status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
        assertThat(gauge()).isZero();
        assertThat(dispatcher.submit(packet("t", "f2", 2)).get().status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
        verifyWrites(4);
        assertThat(gauge()).isEqualTo(CircuitState.OPEN.gaugeValue());
    }

    @Test
    void opensAfterTheThresholdParksWithoutWritingThenAProbeAfterOpenForClosesIt() throws Exception {
        RecordingSleeper sleeper = new RecordingSleeper();
        try (Dispatcher dispatcher = start(parking(10, TWO, TWO_FOR_30S, sink, clock).withSleeper(sleeper))) {
            trip(dispatcher);
            assertThat(dispatcher.summary().get(0).circuit()).isEqualTo(CircuitState.OPEN);

            PacketOutcome refused = dispatcher.submit(packet("t", "o1", 3)).get();
            clock.advance(Duration.ofSeconds(29));
            PacketOutcome stillRefused = dispatcher.submit(packet("t", "o2", 4)).get();

            verifyWrites(4);
            assertThat(refused.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
            assertThat(refused.reason()).hasValue("destination d: " + REFUSAL);
            DeadLetter letter = sink.byId(refused.destinations().get("d").deadLetterId());
            assertThat(letter.errorClass()).isEqualTo("CircuitOpen");
            assertThat(letter.message()).isEqualTo(REFUSAL);
            assertThat(letter.attempts()).isZero();
            assertThat(letter.retryable()).isTrue();
            assertThat(stillRefused.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
            assertThat(gauge()).isEqualTo(CircuitState.OPEN.gaugeValue());

            clock.advance(Duration.ofSeconds(1));
            assertThat(gauge()).isEqualTo(CircuitState.HALF_OPEN.gaugeValue());
            assertThat(dispatcher.summary().get(0).circuit()).isEqualTo(CircuitState.HALF_OPEN);
            down.set(false);
            PacketOutcome probe = dispatcher.submit(packet("t", "probe", 5)).get();

            assertThat(probe.isCommitted()).isTrue();
            verifyWrites(5);
            assertThat(gauge()).isEqualTo(CircuitState.CLOSED.gaugeValue());
            assertThat(dispatcher.submit(packet("t", "after", 6)).get().isCommitted()).isTrue();
            assertThat(writer.packetIds("t")).containsExactly("probe", "after");
            assertThat(sleeper.sleeps).hasSize(2);
            LaneSummary summary = dispatcher.summary().get(0);
            assertThat(summary.circuit()).isEqualTo(CircuitState.CLOSED);
            assertThat(summary.deadLettered()).isEqualTo(4);
            assertThat(summary.failures()).isZero();
        }
        assertThat(sink.letters).extracting(l -> l.packet().packetId()).containsExactly("f1", "f2", "o1", "o2");
        assertThat(metrics.counter("fanout.destination.d.dead_lettered").getCount()).isEqualTo(4);
    }

    @Test
    void aFailedProbeIsTriedOnceAndOpensTheBreakerForAnotherPeriod() throws Exception {
        RecordingSleeper sleeper = new RecordingSleeper();
        try (Dispatcher dispatcher = start(parking(10, TWO, TWO_FOR_30S, sink, clock).withSleeper(sleeper))) {
            trip(dispatcher);
            clock.advance(Duration.ofSeconds(30));

            PacketOutcome probe = dispatcher.submit(packet("t", "probe", 3)).get();

            verifyWrites(5);
            assertThat(sleeper.sleeps).hasSize(2);
            assertThat(probe.reason()).hasValue("destination d: connection refused");
            assertThat(sink.byId(probe.destinations().get("d").deadLetterId()).attempts()).isEqualTo(1);
            assertThat(gauge()).isEqualTo(CircuitState.OPEN.gaugeValue());

            clock.advance(Duration.ofSeconds(29));
            PacketOutcome refused = dispatcher.submit(packet("t", "o1", 4)).get();
            verifyWrites(5);
            assertThat(refused.reason()).hasValue(
                    "destination d: circuit open for destination d after 3 consecutive failures: connection refused");

            clock.advance(Duration.ofSeconds(1));
            down.set(false);
            assertThat(dispatcher.submit(packet("t", "probe2", 5)).get().isCommitted()).isTrue();
            assertThat(gauge()).isZero();
        }
    }

    @Test
    void whileOpenArrivingPartsAreSettledAtOnceWithoutWaitingForABatch() throws Exception {
        DispatcherSettings slowBatches = new DispatcherSettings(new BatchPolicy(1000, NEVER), TWO, 10_000,
                new RecordingSleeper(), TWO_FOR_30S, sink, clock);
        try (Dispatcher dispatcher = start(slowBatches)) {
            List<CompletableFuture<PacketOutcome>> tripping = List.of(
                    dispatcher.submit(packet("t1", "f1", 1)), dispatcher.submit(packet("t2", "f2", 2)));
            dispatcher.flush();
            assertThat(tripping).allSatisfy(f -> assertThat(f.join().status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED));
            assertThat(gauge()).isEqualTo(CircuitState.OPEN.gaugeValue());

            PacketOutcome refused = dispatcher.submit(packet("t1", "o1", 3)).get();

            assertThat(refused.reason()).hasValueSatisfying(r -> assertThat(r).contains("circuit open for destination d"));
            verifyWrites(4);
        }
    }

    @Test
    void closeSettlesEveryQueuedPartAndTheBreakerShedsTheRest() throws Exception {
        DispatcherSettings slowBatches = new DispatcherSettings(new BatchPolicy(1000, NEVER), TWO, 10_000,
                new RecordingSleeper(), TWO_FOR_30S, sink, clock);
        List<CompletableFuture<PacketOutcome>> futures = new ArrayList<>();
        Dispatcher dispatcher = start(slowBatches);
        for (int table = 0; table < 5; table++) {
            futures.add(dispatcher.submit(packet("t" + table, "a" + table, 1)));
            futures.add(dispatcher.submit(packet("t" + table, "b" + table, 2)));
        }

        dispatcher.close();

        assertThat(futures).allSatisfy(f -> assertThat(f).isCompletedWithValueMatching(
                o -> o.status() == PacketOutcome.Status.DEAD_LETTERED));
        verifyWrites(4);
        assertThat(sink.letters).hasSize(10);
        assertThat(sink.letters).filteredOn(l -> l.errorClass().equals("CircuitOpen")).hasSize(6);
        assertThat(writer.closes).hasValue(1);
    }

    @Test
    void withoutASinkAnOpenBreakerFailsPartsAtOnce() throws Exception {
        try (Dispatcher dispatcher = start(parking(10, TWO, TWO_FOR_30S, null, clock))) {
            for (String id : List.of("f1", "f2")) {
                assertThat(dispatcher.submit(packet("t", id, 1)).get().status()).isEqualTo(PacketOutcome.Status.FAILED);
            }
            PacketOutcome refused = dispatcher.submit(packet("t", "o1", 3)).get();

            verifyWrites(4);
            assertThat(refused.status()).isEqualTo(PacketOutcome.Status.FAILED);
            assertThat(refused.reason()).hasValue("destination d: " + REFUSAL);
            assertThat(refused.destinations().get("d").retryable()).isTrue();
            assertThat(dispatcher.summary().get(0).failures()).isEqualTo(3);
            assertThat(dispatcher.summary().get(0).deadLettered()).isZero();
        }
    }

    @Test
    void aSuccessOrAPermanentFailureResetsTheCount() throws Exception {
        RecordingWriter mixed = spy(new RecordingWriter());
        doThrow(WriteException.retryable("timeout", null))
                .doCallRealMethod()
                .doThrow(WriteException.retryable("timeout", null))
                .doThrow(WriteException.permanent("table t: column 'id' changed type", null))
                .doThrow(WriteException.retryable("timeout", null))
                .doCallRealMethod()
                .when(mixed).write(any(WriteBatch.class));
        RetryPolicy once = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", mixed),
                parking(10, once, TWO_FOR_30S, sink, clock), metrics)) {
            List<PacketOutcome.Status> statuses = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                statuses.add(dispatcher.submit(packet("t", "p" + i, i)).get().status());
            }

            assertThat(statuses).containsExactly(PacketOutcome.Status.DEAD_LETTERED, PacketOutcome.Status.COMMITTED,
                    PacketOutcome.Status.DEAD_LETTERED, PacketOutcome.Status.DEAD_LETTERED,
                    PacketOutcome.Status.DEAD_LETTERED, PacketOutcome.Status.COMMITTED);
            verify(mixed, times(6)).write(any(WriteBatch.class));
            assertThat(gauge()).isZero();
        }
    }
}
