package dev.fanout.core.dispatch;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriteOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static dev.fanout.core.dispatch.Fixtures.byTable;
import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

/** Per-destination metrics count exactly what committed and what failed. */
@Timeout(30)
class MetricsTest {

    private static final Duration WRITE_TAKES = Duration.ofMillis(2);

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Test
    void countsMatchWhatCommittedAndWhatFailed() throws Exception {
        long start = System.nanoTime();
        RecordingWriter good = new RecordingWriter(batch -> pause(WRITE_TAKES));
        RecordingWriter bad = spy(new RecordingWriter());
        doThrow(WriteException.permanent("no such database", null)).when(bad).write(any(WriteBatch.class));
        Map<String, BaseWriter> writers = new LinkedHashMap<>();
        writers.put("good", good);
        writers.put("bad", bad);
        MetricRegistry metrics = new MetricRegistry();
        List<LaneSummary> summary;
        try (Dispatcher dispatcher = Dispatcher.start(byTable(Map.of("g", "good", "b", "bad")), writers,
                settings(5, Duration.ofMillis(1), 100), metrics)) {
            long key = 0;
            for (int i = 1; i <= 10; i++) {
                dispatcher.submit(packet("g", "g" + i, LongStream.range(key, key + i).toArray()));
                key += i;
            }
            for (int i = 0; i < 3; i++) {
                dispatcher.submit(packet("b", "b" + i, i, i + 100));
            }
            dispatcher.flush();
            summary = dispatcher.summary();

            @SuppressWarnings("unchecked")
            Gauge<Long> held = (Gauge<Long>) metrics.getGauges().get("fanout.destination.good.queue.rows");
            assertThat(held.getValue()).isZero();
        }

        assertThat(metrics.meter("fanout.destination.good.rows").getCount()).isEqualTo(55);
        assertThat(metrics.meter("fanout.destination.good.packets").getCount()).isEqualTo(10);
        assertThat(metrics.counter("fanout.destination.good.failures").getCount()).isZero();
        long batches = metrics.meter("fanout.destination.good.batches").getCount();
        assertThat(batches).isEqualTo(good.batches.size());
        assertThat(metrics.timer("fanout.destination.good.flush").getCount()).isEqualTo(batches);

        assertThat(metrics.meter("fanout.destination.bad.rows").getCount()).isZero();
        assertThat(metrics.meter("fanout.destination.bad.packets").getCount()).isZero();
        assertThat(metrics.counter("fanout.destination.bad.failures").getCount()).isEqualTo(3);
        assertThat(metrics.timer("fanout.destination.bad.flush").getCount()).isZero();

        assertThat(summary).extracting(LaneSummary::destination).containsExactly("good", "bad");
        LaneSummary g = summary.get(0);
        assertThat(List.of(g.rows(), g.packets(), g.batches(), g.failures())).containsExactly(55L, 10L, batches, 0L);
        assertThat(g.p50FlushMillis()).as("every write of good takes at least " + WRITE_TAKES.toMillis() + " ms")
                .isGreaterThanOrEqualTo(WRITE_TAKES.toMillis()).isLessThanOrEqualTo(g.p95FlushMillis());
        assertThat(g.p95FlushMillis()).isLessThanOrEqualTo(g.p99FlushMillis());
        assertThat(g.p99FlushMillis()).isLessThanOrEqualTo((System.nanoTime() - start) / 1e6);
        LaneSummary b = summary.get(1);
        assertThat(List.of(b.rows(), b.packets(), b.batches(), b.failures())).containsExactly(0L, 0L, 0L, 3L);
    }

    @Test
    void appliedAndSkippedAreWhatTheWriterCountedAndUnknownForAWriterThatDoesNotCount() throws Exception {
        RecordingWriter counting = new RecordingWriter() {
            /** Applies every row but the batch's first. */
            @Override
            public WriteOutcome writeCounted(WriteBatch batch) throws WriteException {
                write(batch);
                return WriteOutcome.counted(batch.rowCount(), batch.rowCount() - 1);
            }
        };
        RecordingWriter silent = new RecordingWriter();
        Map<String, BaseWriter> writers = new LinkedHashMap<>();
        writers.put("counting", counting);
        writers.put("silent", silent);
        MetricRegistry metrics = new MetricRegistry();
        List<LaneSummary> summary;
        try (Dispatcher dispatcher = Dispatcher.start(byTable(Map.of("c", "counting", "s", "silent")), writers,
                settings(5, Duration.ofMillis(1), 100), metrics)) {
            for (int i = 1; i <= 6; i++) {
                dispatcher.submit(packet("c", "c" + i, 10L * i, 10L * i + 1, 10L * i + 2));
                dispatcher.submit(packet("s", "s" + i, i));
            }
            dispatcher.flush();
            summary = dispatcher.summary();
        }

        long batches = counting.batches.size();
        assertThat(metrics.counter("fanout.destination.counting.applied").getCount()).isEqualTo(18 - batches);
        assertThat(metrics.counter("fanout.destination.counting.skipped").getCount()).isEqualTo(batches);
        LaneSummary c = summary.get(0);
        assertThat(List.of(c.rows(), c.applied().getAsLong(), c.skipped().getAsLong())).containsExactly(18L, 18 - batches, batches);

        assertThat(metrics.counter("fanout.destination.silent.applied").getCount()).isZero();
        assertThat(metrics.counter("fanout.destination.silent.skipped").getCount()).isZero();
        LaneSummary s = summary.get(1);
        assertThat(s.rows()).isEqualTo(6);
        assertThat(s.applied()).as("applied by a writer that does not count").isEmpty();
        assertThat(s.skipped()).isEmpty();
    }
}
