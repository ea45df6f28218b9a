package dev.fanout.core.dispatch;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.BaseWriter;
import dev.fanout.dlq.DeadLetter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.fanout.core.dispatch.Fixtures.NEVER;
import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.parking;
import static dev.fanout.core.dispatch.Fixtures.settings;
import static dev.fanout.core.dispatch.Fixtures.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A writer whose plugin directory lacks a library: a {@link LinkageError} from {@code write} fails
 * that batch permanently, whole, with the missing class in the reason, and the lane keeps serving;
 * one from {@code close} is logged, not thrown out of the lane thread.
 */
@Timeout(30)
class WriterLinkageErrorTest {

    private static final String MISSING = "com/google/common/collect/ImmutableList";
    private static final String REASON = "class com.google.common.collect.ImmutableList is missing (java.lang.NoClassDefFoundError); "
            + "add the jar that contains com.google.common.collect.ImmutableList to the writer's plugin directory";
    private static final RetryPolicy THREE = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1));

    /** Writes of table {@code broken} throw {@link NoClassDefFoundError}; writes of {@code gate} wait for {@code gate}. */
    private static RecordingWriter missingAClassFor(String broken, AtomicInteger brokenWrites, CountDownLatch entered,
                                                    CountDownLatch gate) {
        return new RecordingWriter(batch -> {
            if (batch.table().equals(broken)) {
                brokenWrites.incrementAndGet();
                throw new NoClassDefFoundError(MISSING);
            }
            if (batch.table().equals("gate")) {
                entered.countDown();
                RecordingWriter.await(gate);
            }
        });
    }

    @Test
    void aBatchWhoseWriteMissesAClassIsDeadLetteredWholeNamingTheClassAndTheLaneServesOn() throws Exception {
        RecordingDeadLetterSink sink = new RecordingDeadLetterSink();
        AtomicInteger brokenWrites = new AtomicInteger();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        RecordingWriter writer = missingAClassFor("t", brokenWrites, entered, gate);
        List<CompletableFuture<PacketOutcome>> broken = new ArrayList<>();
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer),
                parking(1000, THREE, CircuitPolicy.DEFAULT, sink, new ManualClock()), new MetricRegistry())) {
            dispatcher.submit(packet("gate", "gate", 0));
            entered.await();
            for (int i = 0; i < 4; i++) {
                broken.add(dispatcher.submit(packet("t", "p" + i, i)));
            }
            gate.countDown();
            CompletableFuture.allOf(broken.toArray(CompletableFuture[]::new)).get();

            assertThat(brokenWrites).as("one write of the whole batch, not retried, not split").hasValue(1);
            assertThat(broken).extracting(CompletableFuture::join).allSatisfy(outcome -> {
                assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
                assertThat(outcome.reason()).hasValue("destination d: " + REASON);
            });
            assertThat(sink.letters).hasSize(4).allSatisfy(letter -> {
                assertThat(letter.message()).isEqualTo(REASON);
                assertThat(letter.errorClass()).isEqualTo("NoClassDefFoundError");
                assertThat(letter.retryable()).isFalse();
                assertThat(letter.attempts()).isEqualTo(1);
            });
            assertThat(sink.letters).extracting(DeadLetter::packet).extracting(p -> p.packetId())
                    .containsExactly("p0", "p1", "p2", "p3");

            assertThat(dispatcher.submit(packet("other", "later", 9)).get().isCommitted()).isTrue();
            assertThat(writer.packetIds("other")).containsExactly("later");
        }
    }

    @Test
    void withoutADeadLetterQueueThePacketsFailWithTheClassNotAsAStoppedLane() throws Exception {
        AtomicInteger brokenWrites = new AtomicInteger();
        RecordingWriter writer = missingAClassFor("t", brokenWrites, new CountDownLatch(1), new CountDownLatch(0));
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings(10, Duration.ZERO, 100),
                new MetricRegistry())) {
            PacketOutcome outcome = dispatcher.submit(packet("t", "p", 1)).get();

            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.FAILED);
            assertThat(outcome.destinations().get("d").error()).isEqualTo(REASON);
            assertThat(outcome.destinations().get("d").retryable()).isFalse();
            assertThat(dispatcher.submit(packet("t2", "q", 2)).get().isCommitted()).isTrue();
        }
    }

    @Test
    void aCloseThatMissesAClassAfterAnOpenThatDidIsLoggedNotThrownOutOfTheLaneThread() {
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
        try {
            RecordingWriter unlinked = new RecordingWriter() {
                @Override
                public void open() {
                    throw new NoClassDefFoundError(MISSING);
                }

                @Override
                public void close() {
                    super.close();
                    throw new NoClassDefFoundError(MISSING);
                }
            };
            Map<String, BaseWriter> writers = Map.of("d", unlinked);

            DispatcherStartException e = catchThrowableOfType(DispatcherStartException.class,
                    () -> Dispatcher.start(to("d"), writers, settings(10, NEVER, 100).withRequireAllDestinations(true), new MetricRegistry()));

            assertThat(e).hasMessage("could not open 1 destination: destination d: " + REASON);
            assertThat(unlinked.closes).hasValueGreaterThanOrEqualTo(1);
            Fixtures.awaitTrue(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("fanout-lane-d")),
                    "the lane thread ended");
            assertThat(uncaught).isEmpty();
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    @Test
    void aServiceTheWriterLoadsThatCannotBeInstantiatedFailsTheBatchLikeAMissingClassAndTheLaneServesOn() throws Exception {
        RecordingWriter writer = new RecordingWriter(batch -> {
            if (batch.table().equals("t")) {
                throw new java.util.ServiceConfigurationError("com.example.Codec: Provider com.example.Lz4Codec could not be instantiated",
                        new NoClassDefFoundError("net/jpountz/lz4/LZ4Factory"));
            }
        });
        try (Dispatcher dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings(10, Duration.ZERO, 100),
                new MetricRegistry())) {
            PacketOutcome outcome = dispatcher.submit(packet("t", "p", 1)).get();

            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.FAILED);
            assertThat(outcome.destinations().get("d").error()).contains("net.jpountz.lz4.LZ4Factory");
            assertThat(outcome.destinations().get("d").retryable()).isFalse();
            assertThat(dispatcher.submit(packet("t2", "q", 2)).get().isCommitted()).isTrue();
        }
    }
}
