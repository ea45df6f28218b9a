package dev.fanout.core.dispatch;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doCallRealMethod;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/** Retryable failures are retried with capped, jittered exponential backoff; permanent ones are not. */
@Timeout(30)
class RetryTest {

    private static final RetryPolicy RETRY = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofMillis(300));

    private static DispatcherSettings settings(RetryPolicy retry, RecordingSleeper sleeper) {
        return new DispatcherSettings(new BatchPolicy(10, Duration.ZERO), retry, 100, sleeper);
    }

    @Test
    void aRetryableFailureIsRetriedUntilTheWriteCommits() throws Exception {
        RecordingWriter writer = spy(new RecordingWriter());
        doThrow(WriteException.retryable("connection refused", null))
                .doThrow(WriteException.retryable("connection refused", null))
                .doCallRealMethod().when(writer).write(any(WriteBatch.class));
        RecordingSleeper sleeper = new RecordingSleeper();
        MetricRegistry metrics = new MetricRegistry();
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings(RETRY, sleeper), metrics)) {
            PacketOutcome outcome = dispatcher.submit(packet("t", "p", 1)).get();

            assertThat(outcome.isCommitted()).isTrue();
        }
        verify(writer, times(3)).write(any(WriteBatch.class));
        assertThat(writer.packetIds("t")).containsExactly("p");
        assertThat(metrics.counter("fanout.destination.d.retries").getCount()).isEqualTo(2);
        assertThat(sleeper.sleeps).hasSize(2);
        assertThat(sleeper.sleeps.get(0)).isBetween(Duration.ZERO, Duration.ofMillis(100));
        assertThat(sleeper.sleeps.get(1)).isBetween(Duration.ZERO, Duration.ofMillis(200));
    }

    @Test
    void exhaustedRetriesFailThePacketWithTheLastMessage() throws Exception {
        RecordingWriter writer = spy(new RecordingWriter());
        AtomicInteger attempts = new AtomicInteger();
        doAnswer(call -> {
            throw WriteException.retryable("server overloaded (attempt " + attempts.incrementAndGet() + ")", null);
        }).when(writer).write(any(WriteBatch.class));
        RecordingSleeper sleeper = new RecordingSleeper();
        MetricRegistry metrics = new MetricRegistry();
        RetryPolicy three = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofMillis(300));
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings(three, sleeper), metrics)) {
            PacketOutcome outcome = dispatcher.submit(packet("t", "p", 1)).get();

            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.FAILED);
            DestinationResult result = outcome.destinations().get("d");
            assertThat(result.error()).isEqualTo("server overloaded (attempt 3)");
            assertThat(result.retryable()).isTrue();
        }
        assertThat(attempts).hasValue(3);
        assertThat(sleeper.sleeps).hasSize(2).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofMillis(300)));
        assertThat(metrics.counter("fanout.destination.d.retries").getCount()).isEqualTo(2);
        assertThat(metrics.counter("fanout.destination.d.failures").getCount()).isEqualTo(1);
    }

    @Test
    void aPermanentFailureIsNotRetried() throws Exception {
        RecordingWriter writer = spy(new RecordingWriter());
        doThrow(WriteException.permanent("t", "id", "table t: key changed from (id) to (id, ts)"))
                .doCallRealMethod().when(writer).write(any(WriteBatch.class));
        RecordingSleeper sleeper = new RecordingSleeper();
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings(RETRY, sleeper),
                new MetricRegistry())) {
            PacketOutcome outcome = dispatcher.submit(packet("t", "p", 1)).get();

            assertThat(outcome.reason()).hasValue("destination d: table t: key changed from (id) to (id, ts)");
            assertThat(outcome.destinations().get("d").retryable()).isFalse();
        }
        verify(writer, times(1)).write(any(WriteBatch.class));
        assertThat(sleeper.sleeps).isEmpty();
    }

    @Test
    void backoffDoublesPerRetryUpToTheCapWithFullJitter() {
        RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(1));

        assertThat(policy.backoff(1, 0.5)).isEqualTo(Duration.ofMillis(50));
        assertThat(policy.backoff(2, 0.5)).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.backoff(3, 0.5)).isEqualTo(Duration.ofMillis(200));
        assertThat(policy.backoff(5, 0.5)).isEqualTo(Duration.ofMillis(500));
        assertThat(policy.backoff(40, 0.5)).isEqualTo(Duration.ofMillis(500));
        assertThat(policy.backoff(1_000, 0.999_999)).isLessThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(policy.backoff(3, 0.0)).isEqualTo(Duration.ZERO);
    }
}
