package dev.fanout.core.flow;

import com.google.common.util.concurrent.FakeClockRateLimiters;
import com.google.common.util.concurrent.FakeClockRateLimiters.FakeClock;
import com.google.common.util.concurrent.RateLimiter;
import dev.fanout.api.FlowController;
import dev.fanout.api.FlowController.Permit;
import dev.fanout.api.FlowController.Request;
import dev.fanout.api.FlowRejectedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@Timeout(30)
class InFlightFlowControllerTest {

    private static final FlowLimits NONE = FlowLimits.UNLIMITED;

    /** Starts {@code acquire} on its own thread; the thread, to watch it block. */
    private static final class Acquirer {
        final AtomicReference<Permit> permit = new AtomicReference<>();
        final CompletableFuture<Permit> done = new CompletableFuture<>();
        final Thread thread;

        Acquirer(InFlightFlowController controller, String destination, long rows, long bytes) {
            thread = new Thread(() -> {
                try {
                    done.complete(controller.acquire(destination, rows, bytes));
                } catch (Throwable e) {
                    done.completeExceptionally(e);
                }
            }, "acquirer-" + destination);
            thread.start();
        }

        /** Waits until the thread is parked inside acquire (a guard against hangs, not a timing assertion). */
        void awaitBlocked() {
            awaitTrue(() -> thread.getState() == Thread.State.WAITING, "acquire blocks");
            assertThat(done).isNotDone();
        }
    }

    static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.yield();
        }
    }

    @Test
    void blocksAtTheGlobalRowLimitAndResumesWhenAPermitIsReleased() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(NONE.withMaxInFlightRows(10));
        Permit first = flow.acquire("a", 6, 0);
        Permit second = flow.acquire("b", 4, 0);
        assertThat(flow.inFlightRows()).isEqualTo(10);

        Acquirer third = new Acquirer(flow, "a", 5, 0);
        third.awaitBlocked();
        second.release();
        third.awaitBlocked(); // 6 + 5 > 10: still full
        first.release();
        Permit admitted = third.done.get();
        assertThat(flow.inFlightRows()).isEqualTo(5);
        admitted.release();
        assertThat(flow.inFlightRows()).isZero();
    }

    @Test
    void blocksOnEstimatedBytesToo() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(NONE.withMaxInFlightBytes(1000));
        Permit first = flow.acquire("a", 1, 800);
        Acquirer second = new Acquirer(flow, "a", 1, 300);
        second.awaitBlocked();
        first.release();
        second.done.get().release();
        assertThat(flow.inFlightBytes()).isZero();
    }

    @Test
    void releaseIsIdempotent() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(NONE.withMaxInFlightRows(10));
        Permit p = flow.acquire("a", 3, 30);
        Permit q = flow.acquire("a", 2, 20);
        p.release();
        p.release();
        assertThat(flow.inFlightRows()).isEqualTo(2);
        assertThat(flow.inFlightBytes()).isEqualTo(20);
        q.release();
        assertThat(flow.inFlightRows("a")).isZero();
    }

    @Test
    void aPartLargerThanEveryLimitIsAdmittedAloneInsteadOfDeadlocking() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(new FlowLimits(10, 100, 5, 50, 0, FlowLimits.WhenFull.REJECT));
        Permit huge = flow.acquire("a", 1_000, 1_000_000);
        assertThat(flow.inFlightRows()).isEqualTo(1_000);
        FlowRejectedException e = catchThrowableOfType(() -> flow.acquire("b", 1, 1), FlowRejectedException.class);
        assertThat(e.limit()).isEqualTo("max_in_flight_rows");
        huge.release();
        flow.acquire("b", 1, 1).release();
    }

    @Test
    void aPacketsPartsAreAdmittedTogetherSoTwoProducersNeverHoldHalfOfWhatTheOtherNeeds() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(NONE.withMaxInFlightRows(10));
        List<Request> packet = List.of(new Request("a", 5, 0), new Request("b", 5, 0));
        List<Permit> first = flow.acquireAll(packet);
        assertThat(flow.inFlightRows()).isEqualTo(10);

        CompletableFuture<List<Permit>> second = new CompletableFuture<>();
        Thread producer = new Thread(() -> {
            try {
                second.complete(flow.acquireAll(packet));
            } catch (Throwable e) {
                second.completeExceptionally(e);
            }
        }, "second-producer");
        producer.start();
        awaitTrue(() -> producer.getState() == Thread.State.WAITING, "the second packet waits");
        assertThat(second).isNotDone();
        assertThat(flow.inFlightRows("a")).as("a waiting packet holds none of its parts").isEqualTo(5);
        assertThat(flow.inFlightRows("b")).isEqualTo(5);

        first.get(0).release();
        assertThat(second).as("half the room is not enough for the whole packet").isNotDone();
        first.get(1).release();
        List<Permit> admitted = second.get();
        assertThat(admitted).hasSize(2);
        assertThat(flow.inFlightRows("a")).isEqualTo(5);
        assertThat(flow.inFlightRows("b")).isEqualTo(5);
        admitted.forEach(Permit::release);
        assertThat(flow.inFlightRows()).isZero();
    }

    @Test
    void aRejectedPacketTakesNoneOfItsPartsAndTheMessageNamesEveryDestination() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(
                NONE.withMaxInFlightRows(10).withWhenFull(FlowLimits.WhenFull.REJECT));
        Permit held = flow.acquire("c", 4, 0);

        FlowRejectedException e = catchThrowableOfType(
                () -> flow.acquireAll(List.of(new Request("a", 3, 0), new Request("b", 4, 0))), FlowRejectedException.class);
        assertThat(e.limit()).isEqualTo("max_in_flight_rows");
        assertThat(e).hasMessageContaining("7 rows").hasMessageContaining("destinations 'a', 'b'");
        assertThat(flow.inFlightRows()).isEqualTo(4);
        held.release();
    }

    @Test
    void anEmptyPacketIsAdmittedAtOnceEvenWhileALargerThanLimitPartIsInFlight() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(
                NONE.withMaxInFlightRows(10).withWhenFull(FlowLimits.WhenFull.REJECT));
        Permit alone = flow.acquire("a", 50, 0);

        assertThat(flow.acquireAll(List.of())).isEmpty();
        alone.release();
    }

    @Test
    void theDefaultAcquireAllOfACustomControllerReleasesWhatItTookWhenAPartIsRefused() throws Exception {
        List<String> released = new ArrayList<>();
        FlowController custom = (destination, rows, bytes) -> {
            if (destination.equals("b")) {
                throw new FlowRejectedException(destination, "custom", "no room for " + destination);
            }
            return () -> released.add(destination);
        };

        assertThatThrownBy(() -> custom.acquireAll(List.of(new Request("a", 1, 0), new Request("b", 1, 0))))
                .isInstanceOf(FlowRejectedException.class);
        assertThat(released).containsExactly("a");
    }

    @Test
    void rejectPolicyFailsFastNamingTheLimitAndTheDestination() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(
                NONE.withMaxInFlightRowsPerDestination(4).withWhenFull(FlowLimits.WhenFull.REJECT));
        Permit held = flow.acquire("warehouse", 4, 0);

        FlowRejectedException e = catchThrowableOfType(() -> flow.acquire("warehouse", 1, 0), FlowRejectedException.class);
        assertThat(e.destination()).isEqualTo("warehouse");
        assertThat(e.limit()).isEqualTo("max_in_flight_rows_per_destination");
        assertThat(e).hasMessageContaining("'warehouse'").hasMessageContaining("max_in_flight_rows_per_destination")
                .hasMessageContaining("limit 4").hasMessageContaining("nothing was written");
        assertThat(flow.inFlightRows()).as("a refused part takes nothing").isEqualTo(4);

        flow.acquire("other", 3, 0).release();
        held.release();
        flow.acquire("warehouse", 1, 0).release();
    }

    @Test
    void aStalledDestinationHoldsOnlyItsOwnLimitAndOthersKeepBeingAdmitted() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(NONE.withMaxInFlightRows(100).withMaxInFlightRowsPerDestination(10));
        List<Permit> stalled = new ArrayList<>();
        stalled.add(flow.acquire("slow", 10, 0));
        Acquirer slowProducer = new Acquirer(flow, "slow", 1, 0);
        slowProducer.awaitBlocked();

        List<Permit> fast = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Permit p = flow.acquire("fast", 5, 0);
            p.release();
            fast.add(p);
        }
        assertThat(fast).hasSize(50);
        assertThat(flow.inFlightRows("slow")).isEqualTo(10);
        slowProducer.awaitBlocked();

        stalled.forEach(Permit::release);
        slowProducer.done.get().release();
        assertThat(flow.inFlightRows()).isZero();
    }

    @Test
    void interruptedWhileBlockedTakesNothing() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(NONE.withMaxInFlightRows(1));
        Permit held = flow.acquire("a", 1, 0);
        Acquirer waiting = new Acquirer(flow, "a", 1, 0);
        waiting.awaitBlocked();
        waiting.thread.interrupt();
        assertThatThrownBy(waiting.done::join).hasCauseInstanceOf(InterruptedException.class);
        assertThat(flow.inFlightRows()).isEqualTo(1);
        held.release();
    }

    @Test
    void theRateLimiterAdmitsAtTheConfiguredRateOnAFakeClock() throws Exception {
        FakeClock clock = new FakeClock();
        RateLimiter guava = FakeClockRateLimiters.create(1_000, clock);
        InFlightFlowController flow = new InFlightFlowController(NONE.withRateLimitRowsPerSecond(1_000),
                RowRateLimiter.of(guava));

        // 100 packets of 100 rows at 1000 rows/s: the first is free, each later one pays for the one before
        for (int i = 0; i < 100; i++) {
            flow.acquire("a", 100, 0).release();
        }
        assertThat(clock.micros()).isCloseTo(9_900_000L, org.assertj.core.data.Offset.offset(1_000L));
        long rowsPerSecond = 99 * 100 * 1_000_000L / clock.micros();
        assertThat(rowsPerSecond).isEqualTo(1_000);
    }

    @Test
    void aPacketLargerThanTheBurstIsAdmittedAndTheNextOneWaitsInProportion() throws Exception {
        FakeClock clock = new FakeClock();
        InFlightFlowController flow = new InFlightFlowController(NONE, RowRateLimiter.of(FakeClockRateLimiters.create(100, clock)));
        flow.acquire("a", 500, 0).release();
        assertThat(clock.sleptMicros()).isZero();
        flow.acquire("a", 1, 0).release();
        assertThat(clock.sleptMicros()).isCloseTo(5_000_000L, org.assertj.core.data.Offset.offset(1_000L));
    }

    @Test
    void rejectPolicyRefusesWhenTheRateLimiterWouldMakeItWait() throws Exception {
        FakeClock clock = new FakeClock();
        InFlightFlowController flow = new InFlightFlowController(NONE.withWhenFull(FlowLimits.WhenFull.REJECT),
                RowRateLimiter.of(FakeClockRateLimiters.create(10, clock)));
        flow.acquire("a", 10, 0).release();
        FlowRejectedException e = catchThrowableOfType(() -> flow.acquire("a", 1, 0), FlowRejectedException.class);
        assertThat(e.limit()).isEqualTo("rate_limit_rows_per_s");
        assertThat(e).hasMessageContaining("'a'");
        assertThat(flow.inFlightRows()).isZero();
        clock.advanceMicros(1_000_000);
        flow.acquire("a", 1, 0).release();
        assertThat(clock.sleptMicros()).isZero();
    }

    @Test
    void realGuavaRateLimiterSmokeTest() throws Exception {
        InFlightFlowController flow = new InFlightFlowController(NONE.withRateLimitRowsPerSecond(1_000_000));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 5; i++) {
                        flow.acquire("a", 10, 100).release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(flow.inFlightRows()).isZero();
    }

    @Test
    void limitsMustNotBeNegative() {
        assertThatThrownBy(() -> NONE.withMaxInFlightRows(-1)).hasMessageContaining("maxInFlightRows");
        assertThatThrownBy(() -> NONE.withRateLimitRowsPerSecond(Double.NaN)).hasMessageContaining("rateLimitRowsPerSecond");
    }
}
