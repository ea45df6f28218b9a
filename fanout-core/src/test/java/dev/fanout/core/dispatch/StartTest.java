package dev.fanout.core.dispatch;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.WriteException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static dev.fanout.core.dispatch.Fixtures.settings;
import static dev.fanout.core.dispatch.Fixtures.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

/**
 * Writers open on their lane threads, in parallel. With {@link DispatcherSettings#requireAllDestinations()}
 * one failing open fails the start and closes all; the default mode is {@link LaneOpenTest}'s.
 */
@Timeout(30)
class StartTest {

    private static final DispatcherSettings REQUIRE_ALL = settings(10, Duration.ZERO, 100).withRequireAllDestinations(true);

    @Test
    void aWriterThatDoesNotOpenFailsTheStartAndEveryWriterIsClosed() throws Exception {
        RecordingWriter a = new RecordingWriter();
        RecordingWriter b = spy(new RecordingWriter());
        doThrow(WriteException.permanent("data/b.duckdb is locked by another process (pid 42); stop it or choose another file", null))
                .when(b).open();
        RecordingWriter c = new RecordingWriter();
        Map<String, BaseWriter> writers = new LinkedHashMap<>();
        writers.put("a", a);
        writers.put("b", b);
        writers.put("c", c);

        DispatcherStartException e = catchThrowableOfType(DispatcherStartException.class,
                () -> Dispatcher.start(to("a"), writers, REQUIRE_ALL, new MetricRegistry()));

        assertThat(e.failures()).containsOnlyKeys("b");
        assertThat(e).hasMessage("could not open 1 destination: destination b: data/b.duckdb is locked by another "
                + "process (pid 42); stop it or choose another file");
        assertThat(a.closes).hasValue(1);
        assertThat(b.closes).hasValue(1);
        assertThat(c.closes).hasValue(1);
        assertThat(a.callers).containsOnly("fanout-lane-a");
        assertThat(c.callers).containsOnly("fanout-lane-c");
    }

    @Test
    void aWriterWhoseOpenThrowsAnErrorFailsTheStartNamingItAndEveryWriterIsClosed() throws Exception {
        RecordingWriter a = new RecordingWriter();
        RecordingWriter b = new RecordingWriter() {
            @Override
            public void open() {
                throw new NoClassDefFoundError("com/google/common/collect/ImmutableList");
            }
        };
        Map<String, BaseWriter> writers = new LinkedHashMap<>();
        writers.put("a", a);
        writers.put("b", b);

        DispatcherStartException e = catchThrowableOfType(DispatcherStartException.class,
                () -> Dispatcher.start(to("a"), writers, REQUIRE_ALL, new MetricRegistry()));

        assertThat(e).hasMessage("could not open 1 destination: destination b: class com.google.common.collect.ImmutableList "
                + "is missing (java.lang.NoClassDefFoundError); add the jar that contains com.google.common.collect.ImmutableList "
                + "to the writer's plugin directory");
        assertThat(a.closes).hasValue(1);
        assertThat(b.closes).hasValue(1);
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).doesNotContain("fanout-lane-a", "fanout-lane-b");
    }

    @Test
    void writersOpenInParallel() {
        CountDownLatch bothOpening = new CountDownLatch(2);
        class Rendezvous extends RecordingWriter {
            @Override
            public void open() throws WriteException {
                super.open();
                bothOpening.countDown();
                RecordingWriter.await(bothOpening);
            }
        }
        Map<String, BaseWriter> writers = new LinkedHashMap<>();
        writers.put("a", new Rendezvous());
        writers.put("b", new Rendezvous());

        try (Dispatcher dispatcher = Dispatcher.start(to("a"), writers, settings(10, Duration.ZERO, 100),
                new MetricRegistry())) {
            assertThat(dispatcher.summary()).extracting(LaneSummary::destination).containsExactly("a", "b");
        }
    }

    @Test
    void oneWriterCannotServeTwoDestinations() {
        RecordingWriter shared = new RecordingWriter();
        Map<String, BaseWriter> writers = new LinkedHashMap<>();
        writers.put("a", shared);
        writers.put("b", shared);

        assertThatThrownBy(() -> Dispatcher.start(to("a"), writers, settings(10, Duration.ZERO, 100), new MetricRegistry()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a and b share one writer");
        assertThat(shared.opens).hasValue(0);
    }
}
