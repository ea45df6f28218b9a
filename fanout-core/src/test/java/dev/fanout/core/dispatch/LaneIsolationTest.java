package dev.fanout.core.dispatch;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.Router;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static dev.fanout.core.dispatch.Fixtures.byTable;
import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.settings;
import static dev.fanout.core.dispatch.Fixtures.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doCallRealMethod;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

/** One destination failing or stalling never stops another from committing. */
@Timeout(30)
class LaneIsolationTest {

    private static Map<String, BaseWriter> writers(BaseWriter a, BaseWriter b) {
        Map<String, BaseWriter> writers = new LinkedHashMap<>();
        writers.put("A", a);
        writers.put("B", b);
        return writers;
    }

    @Test
    void aStalledDestinationDoesNotHoldBackAnother() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        RecordingWriter a = RecordingWriter.blocking(entered, gate);
        RecordingWriter b = new RecordingWriter();
        try (Dispatcher dispatcher = Dispatcher.start(byTable(Map.of("ta", "A", "tb", "B")), writers(a, b),
                settings(10, Duration.ZERO, 100), new MetricRegistry())) {
            CompletableFuture<PacketOutcome> stalled = dispatcher.submit(packet("ta", "a1", 1));
            entered.await();

            List<CompletableFuture<PacketOutcome>> others = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                others.add(dispatcher.submit(packet("tb", "b" + i, i)));
            }
            CompletableFuture.allOf(others.toArray(CompletableFuture[]::new)).get();

            assertThat(others).allSatisfy(f -> assertThat(f.join().isCommitted()).isTrue());
            assertThat(stalled).isNotDone();
            gate.countDown();
            assertThat(stalled.get().isCommitted()).isTrue();
        }
    }

    @Test
    void aDestinationFailingEveryWriteFailsOnlyItsOwnParts() throws Exception {
        RecordingWriter a = spy(new RecordingWriter());
        doThrow(WriteException.permanent("table ta: column 'id' changed type; recreate the table", null))
                .when(a).write(any(WriteBatch.class));
        RecordingWriter b = new RecordingWriter();
        Router both = p -> p.table().equals("both")
                ? List.of(new Router.RoutedPart("B", p), new Router.RoutedPart("A", p))
                : byTable(Map.of("ta", "A", "tb", "B")).route(p);
        List<CompletableFuture<PacketOutcome>> toA = new ArrayList<>();
        List<CompletableFuture<PacketOutcome>> toB = new ArrayList<>();
        CompletableFuture<PacketOutcome> toBoth;
        try (Dispatcher dispatcher = Dispatcher.start(both, writers(a, b), settings(4, Duration.ofMillis(1), 100),
                new MetricRegistry())) {
            for (int i = 0; i < 10; i++) {
                toA.add(dispatcher.submit(packet("ta", "a" + i, i)));
                toB.add(dispatcher.submit(packet("tb", "b" + i, i)));
            }
            toBoth = dispatcher.submit(packet("both", "x", 1));
            dispatcher.flush();
        }

        assertThat(toB).allSatisfy(f -> assertThat(f.join().isCommitted()).isTrue());
        assertThat(toA).allSatisfy(f -> {
            PacketOutcome o = f.join();
            assertThat(o.status()).isEqualTo(PacketOutcome.Status.FAILED);
            assertThat(o.destinations().get("A").error()).contains("changed type");
            assertThat(o.destinations().get("A").retryable()).isFalse();
        });
        PacketOutcome split = toBoth.join();
        assertThat(split.status()).isEqualTo(PacketOutcome.Status.FAILED);
        assertThat(split.destinations().keySet()).containsExactly("B", "A");
        assertThat(split.destinations().get("B").committed()).isTrue();
        assertThat(split.reason()).hasValueSatisfying(r -> assertThat(r).startsWith("destination A: ").contains("changed type"));
        assertThat(b.packetIds("tb")).hasSize(10);
    }

    @Test
    void aRuntimeExceptionFromTheWriterFailsTheBatchButNotTheLane() throws Exception {
        RecordingWriter writer = spy(new RecordingWriter());
        doThrow(new IllegalStateException("writer bug")).doCallRealMethod().when(writer).write(any(WriteBatch.class));
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings(10, Duration.ZERO, 100),
                new MetricRegistry())) {
            PacketOutcome first = dispatcher.submit(packet("t", "1", 1)).get();
            PacketOutcome second = dispatcher.submit(packet("t", "2", 2)).get();

            assertThat(first.isCommitted()).isFalse();
            assertThat(first.destinations().get("d").error()).contains("IllegalStateException").contains("writer bug");
            assertThat(second.isCommitted()).isTrue();
            assertThat(writer.packetIds("t")).containsExactly("2");
        }
    }
}
