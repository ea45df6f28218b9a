package dev.fanout.core.dispatch;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.FlowController;
import dev.fanout.api.FlowRejectedException;
import dev.fanout.api.Router;
import dev.fanout.core.flow.FlowLimits;
import dev.fanout.core.flow.InFlightFlowController;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static dev.fanout.core.dispatch.Fixtures.awaitTrue;
import static dev.fanout.core.dispatch.Fixtures.byTable;
import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The dispatcher admits each routed part through its FlowController and releases it when the part completes. */
@Timeout(30)
class FlowControlTest {

    private static final Router ROUTES = byTable(Map.of("ta", "A", "tb", "B"));

    /** Destination A's writes wait for {@code gate}; B writes at once. Lane queues are roomy (1000 rows). */
    private static final class Setup implements AutoCloseable {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);
        final RecordingWriter a = RecordingWriter.blocking(entered, gate);
        final RecordingWriter b = new RecordingWriter();
        final MetricRegistry metrics = new MetricRegistry();
        final Dispatcher dispatcher;

        Setup(FlowController flow) {
            this(flow, ROUTES);
        }

        Setup(FlowController flow, Router router) {
            Map<String, BaseWriter> writers = new LinkedHashMap<>();
            writers.put("A", a);
            writers.put("B", b);
            dispatcher = Dispatcher.start(router, writers, settings(1, Duration.ZERO, 1000).withFlowController(flow), metrics);
        }

        @Override
        public void close() {
            gate.countDown();
            dispatcher.close();
        }
    }

    /** Submits on its own thread, to watch it block. */
    private static final class Producer {
        final AtomicReference<CompletableFuture<PacketOutcome>> outcome = new AtomicReference<>();
        final CountDownLatch returned = new CountDownLatch(1);
        final Thread thread;

        Producer(Dispatcher dispatcher, dev.fanout.api.FramePacket packet) {
            thread = new Thread(() -> {
                outcome.set(dispatcher.submit(packet));
                returned.countDown();
            }, "producer-" + packet.packetId());
            thread.start();
        }

        void awaitBlocked() {
            awaitTrue(() -> thread.getState() == Thread.State.WAITING, "the producer blocks in submit");
            assertThat(returned.getCount()).as("submit has not returned").isEqualTo(1);
        }
    }

    @Test
    void submitBlocksAtTheInFlightLimitAndResumesWhenAWriteCompletes() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(FlowLimits.UNLIMITED.withMaxInFlightRows(2));
        try (Setup s = new Setup(flow)) {
            CompletableFuture<PacketOutcome> first = s.dispatcher.submit(packet("ta", "1", 1, 2));
            s.entered.await();
            assertThat(flow.inFlightRows()).isEqualTo(2);

            Producer second = new Producer(s.dispatcher, packet("ta", "2", 3));
            second.awaitBlocked();
            assertThat(s.a.batches).isEmpty();

            s.gate.countDown();
            assertThat(first.get().isCommitted()).isTrue();
            second.returned.await();
            assertThat(second.outcome.get().get().isCommitted()).isTrue();
            assertThat(s.a.packetIds("ta")).containsExactly("1", "2");
            awaitTrue(() -> flow.inFlightRows() == 0, "every permit is released");
        }
    }

    @Test
    void rejectPolicyFailsFastAndWritesNothing() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(
                FlowLimits.UNLIMITED.withMaxInFlightRowsPerDestination(2).withWhenFull(FlowLimits.WhenFull.REJECT));
        try (Setup s = new Setup(flow)) {
            CompletableFuture<PacketOutcome> first = s.dispatcher.submit(packet("ta", "1", 1, 2));
            s.entered.await();

            FlowRejectedException e = catchThrowableOfType(() -> s.dispatcher.submit(packet("ta", "2", 3)),
                    FlowRejectedException.class);
            assertThat(e.destination()).isEqualTo("A");
            assertThat(e.limit()).isEqualTo("max_in_flight_rows_per_destination");
            assertThat(e).hasMessageContaining("'A'").hasMessageContaining("nothing was written");
            assertThat(s.metrics.counter("fanout.flow.rejected").getCount()).isEqualTo(1);

            s.gate.countDown();
            assertThat(first.get().isCommitted()).isTrue();
            s.dispatcher.flush();
            assertThat(s.a.packetIds("ta")).containsExactly("1");
            awaitTrue(() -> flow.inFlightRows() == 0, "every permit is released");
            assertThat(s.dispatcher.submit(packet("ta", "3", 3)).get().isCommitted()).isTrue();
        }
    }

    @Test
    void aRejectedMultiDestinationPacketWritesNoPartAnywhere() throws Exception {
        Router both = p -> List.of(new Router.RoutedPart("B", p), new Router.RoutedPart("A", p));
        InFlightFlowController flow = new InFlightFlowController(
                FlowLimits.UNLIMITED.withMaxInFlightRowsPerDestination(1).withWhenFull(FlowLimits.WhenFull.REJECT));
        try (Setup s = new Setup(flow, both)) {
            CompletableFuture<PacketOutcome> first = s.dispatcher.submit(packet("t", "1", 1));
            s.entered.await(); // A holds packet 1; B committed it
            awaitTrue(() -> flow.inFlightRows("B") == 0, "B's part is released");

            catchThrowableOfType(() -> s.dispatcher.submit(packet("t", "2", 2)), FlowRejectedException.class);
            assertThat(flow.inFlightRows("B")).as("B's permit, taken first, was given back").isZero();

            s.gate.countDown();
            assertThat(first.get().isCommitted()).isTrue();
            s.dispatcher.flush();
            assertThat(s.b.packetIds("t")).containsExactly("1");
            assertThat(s.a.packetIds("t")).containsExactly("1");
        }
    }

    @Test
    void aStalledDestinationDoesNotStopAdmissionForAnotherBeyondItsOwnLimit() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(
                FlowLimits.UNLIMITED.withMaxInFlightRows(100).withMaxInFlightRowsPerDestination(2));
        try (Setup s = new Setup(flow)) {
            CompletableFuture<PacketOutcome> stalled = s.dispatcher.submit(packet("ta", "a1", 1, 2));
            s.entered.await();
            Producer blockedOnA = new Producer(s.dispatcher, packet("ta", "a2", 3));
            blockedOnA.awaitBlocked();

            for (int i = 0; i < 20; i++) {
                assertThat(s.dispatcher.submit(packet("tb", "b" + i, 10 + i)).get().isCommitted()).isTrue();
            }
            assertThat(s.b.packetIds("tb")).hasSize(20);
            assertThat(stalled).isNotDone();
            blockedOnA.awaitBlocked();

            s.gate.countDown();
            blockedOnA.returned.await();
            assertThat(blockedOnA.outcome.get().get().isCommitted()).isTrue();
        }
    }

    @Test
    void failedPartsReleaseTheirPermitsToo() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(FlowLimits.UNLIMITED.withMaxInFlightRows(5));
        RecordingWriter failing = new RecordingWriter(batch -> {
            throw dev.fanout.api.WriteException.permanent("broken table", null);
        });
        Dispatcher d = Dispatcher.start(Fixtures.to("A"), Map.of("A", failing),
                settings(1, Duration.ZERO, 1000).withFlowController(flow), new MetricRegistry());
        try {
            for (int i = 0; i < 10; i++) {
                assertThat(d.submit(packet("t", "p" + i, 1, 2, 3)).get().status()).isEqualTo(PacketOutcome.Status.FAILED);
            }
            awaitTrue(() -> flow.inFlightRows() == 0, "every permit is released");
        } finally {
            d.close();
        }
    }

    @Test
    void withoutAFlowControllerNothingChanges() {
        assertThat(DispatcherSettings.DEFAULT.flowController()).isSameAs(FlowController.UNLIMITED);
    }
}
