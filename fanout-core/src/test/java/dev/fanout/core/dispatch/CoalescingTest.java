package dev.fanout.core.dispatch;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.FramePacket;
import dev.fanout.api.WriteBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.LongStream;

import static dev.fanout.core.dispatch.Fixtures.NEVER;
import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.settings;
import static dev.fanout.core.dispatch.Fixtures.to;
import static dev.fanout.core.dispatch.Fixtures.widerPacket;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class CoalescingTest {

    @Test
    void eachTablesRowsReachTheWriterInSubmissionOrder() throws Exception {
        RecordingWriter writer = new RecordingWriter();
        int maxRows = 7;
        List<CompletableFuture<PacketOutcome>> futures = new ArrayList<>();
        Random random = new Random(42);
        long nextA = 0;
        long nextB = 0;
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer),
                settings(maxRows, Duration.ofMillis(2), 30), new MetricRegistry())) {
            for (int i = 0; i < 300; i++) {
                boolean a = random.nextBoolean();
                int rows = 1 + random.nextInt(3);
                long first = a ? nextA : nextB;
                long[] keys = LongStream.range(first, first + rows).toArray();
                if (a) {
                    nextA += rows;
                } else {
                    nextB += rows;
                }
                futures.add(dispatcher.submit(packet(a ? "a" : "b", "p" + i, keys)));
            }
            dispatcher.flush();
        }

        assertThat(futures).allSatisfy(f -> assertThat(f.join().isCommitted()).isTrue());
        assertThat(writer.keys("a")).containsExactlyElementsOf(LongStream.range(0, nextA).boxed().toList());
        assertThat(writer.keys("b")).containsExactlyElementsOf(LongStream.range(0, nextB).boxed().toList());
        assertThat(writer.batches).allSatisfy(b -> assertThat(b.rowCount()).isLessThanOrEqualTo(maxRows));
    }

    @Test
    void batchesCarryTheirTablesOptions() throws Exception {
        RecordingWriter writer = new RecordingWriter();
        DispatcherSettings settings = settings(10, NEVER, 100)
                .withTableOptions(table -> table.equals("a") ? Map.of("partition_by", "id") : null);
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings, new MetricRegistry())) {
            dispatcher.submit(packet("a", "p1", 1));
            dispatcher.submit(packet("b", "p2", 2));
            dispatcher.flush();
        }

        assertThat(writer.batches).hasSize(2).allSatisfy(b -> assertThat(b.tableOptions())
                .isEqualTo(b.table().equals("a") ? Map.of("partition_by", "id") : Map.of()));
    }

    @Test
    void withoutTableOptionsBatchesCarryNone() throws Exception {
        RecordingWriter writer = new RecordingWriter();
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings(10, NEVER, 100),
                new MetricRegistry())) {
            dispatcher.submit(packet("a", "p1", 1));
            dispatcher.flush();
        }

        assertThat(writer.batches).singleElement().satisfies(b -> assertThat(b.tableOptions()).isEmpty());
    }

    @Test
    void batchesHoldAtMostMaxRowsRowsAndALargerPacketIsWrittenAlone() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        RecordingWriter writer = RecordingWriter.blockingTable("gate", entered, gate);
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings(5, NEVER, 1000),
                new MetricRegistry())) {
            dispatcher.submit(packet("gate", "g", 0, 1, 2, 3, 4));
            entered.await();
            // "gate" filled a batch, so the lane is busy writing it: everything below waits in its queue together.
            for (int i = 0; i < 4; i++) {
                dispatcher.submit(packet("t", "t" + i, 2 * i, 2 * i + 1));
            }
            dispatcher.submit(packet("t", "big", 100, 101, 102, 103, 104, 105));
            dispatcher.submit(packet("t", "t-last", 200));
            for (int i = 0; i < 3; i++) {
                dispatcher.submit(packet("u", "u" + i, i));
            }
            gate.countDown();
            dispatcher.flush();
        }

        assertThat(writer.shape("t")).containsExactly(List.of(2, 2), List.of(2, 2), List.of(6), List.of(1));
        assertThat(writer.shape("u")).containsExactly(List.of(1, 1, 1));
    }

    @Test
    void aSchemaChangeStartsANewBatch() throws Exception {
        RecordingWriter writer = new RecordingWriter();
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings(1000, NEVER, 1000),
                new MetricRegistry())) {
            dispatcher.submit(packet("t", "1", 1));
            dispatcher.submit(packet("t", "2", 2));
            dispatcher.submit(widerPacket("t", "3", 3));
            dispatcher.submit(widerPacket("t", "4", 4));
            dispatcher.submit(packet("t", "5", 5));
            dispatcher.flush();
        }

        assertThat(writer.batches).extracting(b -> b.packets().stream().map(FramePacket::packetId).toList())
                .containsExactly(List.of("1", "2"), List.of("3", "4"), List.of("5"));
        assertThat(writer.batches).extracting(WriteBatch::schema)
                .containsExactly(Fixtures.SCHEMA, Fixtures.WIDER_SCHEMA, Fixtures.SCHEMA);
    }
}
