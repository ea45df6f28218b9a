package dev.fanout.core.dispatch;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.dlq.DeadLetter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.LongStream;

import static dev.fanout.core.dispatch.Fixtures.NEVER;
import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.settings;
import static dev.fanout.core.dispatch.Fixtures.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

/** A permanent failure of a batch is narrowed down to the packets that cause it. */
@Timeout(30)
class BatchSplittingTest {

    private static List<PacketOutcome> writeSixteenWithPoison(Set<String> poisoned, RecordingWriter[] writerOut,
                                                              MetricRegistry metrics) throws Exception {
        return writeSixteenWithPoison(poisoned, writerOut, metrics, settings(1000, NEVER, 2000));
    }

    private static List<PacketOutcome> writeSixteenWithPoison(Set<String> poisoned, RecordingWriter[] writerOut,
                                                              MetricRegistry metrics, DispatcherSettings settings) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        RecordingWriter writer = spy(RecordingWriter.blockingTable("gate", entered, gate));
        doAnswer(call -> {
            WriteBatch batch = call.getArgument(0);
            if (batch.packets().stream().anyMatch(p -> poisoned.contains(p.packetId()))) {
                throw WriteException.permanent("t", "note", "table t: column 'note' cannot hold this value");
            }
            return call.callRealMethod();
        }).when(writer).write(any(WriteBatch.class));
        writerOut[0] = writer;

        List<CompletableFuture<PacketOutcome>> futures = new ArrayList<>();
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings, metrics)) {
            dispatcher.submit(packet("gate", "gate", LongStream.range(0, 1000).toArray()));
            entered.await();
            for (int i = 0; i < 16; i++) {
                futures.add(dispatcher.submit(packet("t", "p" + i, i)));
            }
            gate.countDown();
            dispatcher.flush();
        }
        return futures.stream().map(CompletableFuture::join).toList();
    }

    @Test
    void onePoisonedPacketAmongManyFailsAloneAndTheOthersCommitInOrder() throws Exception {
        RecordingWriter[] writer = new RecordingWriter[1];
        MetricRegistry metrics = new MetricRegistry();
        List<PacketOutcome> outcomes = writeSixteenWithPoison(Set.of("p11"), writer, metrics);

        assertThat(outcomes).filteredOn(o -> !o.isCommitted()).extracting(PacketOutcome::packetId).containsExactly("p11");
        assertThat(outcomes.get(11).destinations().get("d").error()).contains("column 'note'");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            if (i != 11) {
                expected.add("p" + i);
            }
        }
        assertThat(writer[0].packetIds("t")).containsExactlyElementsOf(expected);
        assertThat(metrics.counter("fanout.destination.d.failures").getCount()).isEqualTo(1);
    }

    @Test
    void withADeadLetterSinkOnlyThePoisonedPacketIsParkedWithItsReason() throws Exception {
        RecordingWriter[] writer = new RecordingWriter[1];
        MetricRegistry metrics = new MetricRegistry();
        RecordingDeadLetterSink sink = new RecordingDeadLetterSink();
        DispatcherSettings settings = settings(1000, NEVER, 2000).withDeadLetters(sink).withClock(new ManualClock());

        List<PacketOutcome> outcomes = writeSixteenWithPoison(Set.of("p11"), writer, metrics, settings);

        assertThat(outcomes).filteredOn(o -> !o.isCommitted()).singleElement().satisfies(o -> {
            assertThat(o.packetId()).isEqualTo("p11");
            assertThat(o.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
            assertThat(o.reason()).hasValue("destination d: table t: column 'note' cannot hold this value");
            assertThat(o.destinations().get("d").deadLetterId()).isEqualTo(sink.only().id());
        });
        DeadLetter letter = sink.only();
        assertThat(letter.packet().packetId()).isEqualTo("p11");
        assertThat(letter.destination()).isEqualTo("d");
        assertThat(letter.errorClass()).isEqualTo("WriteException");
        assertThat(letter.message()).isEqualTo("table t: column 'note' cannot hold this value");
        assertThat(letter.retryable()).isFalse();
        // in the writes of 16, 8, 4 and 2 packets that failed, then alone
        assertThat(letter.attempts()).isEqualTo(5);
        assertThat(writer[0].packetIds("t")).hasSize(15).doesNotContain("p11");
        assertThat(metrics.counter("fanout.destination.d.dead_lettered").getCount()).isEqualTo(1);
        assertThat(metrics.counter("fanout.destination.d.failures").getCount()).isZero();
    }

    @Test
    void twoPoisonedPacketsAreBothIsolated() throws Exception {
        RecordingWriter[] writer = new RecordingWriter[1];
        List<PacketOutcome> outcomes = writeSixteenWithPoison(Set.of("p0", "p9"), writer, new MetricRegistry());

        assertThat(outcomes).filteredOn(o -> !o.isCommitted()).extracting(PacketOutcome::packetId)
                .containsExactly("p0", "p9");
        assertThat(writer[0].packetIds("t")).hasSize(14).doesNotContain("p0", "p9");
    }
}
