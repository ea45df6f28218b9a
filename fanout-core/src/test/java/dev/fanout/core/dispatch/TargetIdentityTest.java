package dev.fanout.core.dispatch;

import static dev.fanout.core.dispatch.Fixtures.byTable;
import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.parking;
import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.WriteException;
import dev.fanout.core.TargetClaims;
import dev.fanout.dlq.DeadLetter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two destinations whose writers tell one target identity are one target under two names: the later
 * one in start order is refused — never opened when the identity was known before opening, closed
 * again when it was told only after — and its packets are parked, permanently, with a reason naming
 * both, while the earlier one commits. Claims are the process's, and are released at close.
 */
@Timeout(30)
class TargetIdentityTest {

    private static final RetryPolicy TWO_ATTEMPTS = new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(5));
    private static final CircuitPolicy NO_TRIP = new CircuitPolicy(1000, Duration.ofSeconds(30));

    private final ManualClock clock = new ManualClock();
    private final RecordingDeadLetterSink sink = new RecordingDeadLetterSink();
    /** A target no other test claims: the registry is the process's. */
    private final String target = "test target " + UUID.randomUUID();

    /** A writer telling {@code identities} in turn (empty for null), the last one ever after; records each ask. */
    static final class IdentifiedWriter extends RecordingWriter {
        private final List<String> identities;
        final List<String> asked = new CopyOnWriteArrayList<>();

        IdentifiedWriter(String... identities) {
            this.identities = java.util.Arrays.asList(identities);
        }

        @Override
        public Optional<String> targetIdentity() {
            int n = Math.min(asked.size(), identities.size() - 1);
            asked.add(opens.get() > 0 ? "after open" : "before open");
            return Optional.ofNullable(identities.get(n));
        }
    }

    private Dispatcher start(BaseWriter a, BaseWriter b) {
        Map<String, BaseWriter> writers = new LinkedHashMap<>();
        writers.put("a", a);
        writers.put("b", b);
        return Dispatcher.start(byTable(Map.of("ta", "a", "tb", "b")), writers, parking(10, TWO_ATTEMPTS, NO_TRIP, sink, clock),
                new MetricRegistry());
    }

    @Test
    void theLaterOfTwoDestinationsKnownBeforeOpeningAsOneTargetIsNeverOpenedAndItsPacketsAreParked() throws Exception {
        for (int run = 0; run < 5; run++) {
            IdentifiedWriter a = new IdentifiedWriter(target);
            IdentifiedWriter b = new IdentifiedWriter(target);
            sink.letters.clear();
            try (Dispatcher dispatcher = start(a, b)) {
                PacketOutcome toA = dispatcher.submit(packet("ta", "pa", 1, 2)).get();
                PacketOutcome toB = dispatcher.submit(packet("tb", "pb", 1, 2)).get();

                assertThat(toA.isCommitted()).as(toA.toString()).isTrue();
                assertThat(toB.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
                assertThat(b.opens).as("never a second connection to the target").hasValue(0);
                assertThat(b.batches).isEmpty();
                DeadLetter letter = sink.only();
                assertThat(letter.destination()).isEqualTo("b");
                assertThat(letter.retryable()).isFalse();
                assertThat(letter.message()).contains("destinations 'a' and 'b' are one " + target, "point one of them elsewhere");
                assertThat(dispatcher.health().get("b").up()).isFalse();
                assertThat(dispatcher.health().get("b").lastError()).contains("'a' and 'b'");
            }
            assertThat(TargetClaims.process().holderOf(target)).as("released at close").isEmpty();
        }
    }

    @Test
    void anIdentityToldOnlyAfterOpeningRefusesTheLaterDestinationAndClosesItsWriter() throws Exception {
        IdentifiedWriter a = new IdentifiedWriter(null, target);
        IdentifiedWriter b = new IdentifiedWriter(null, target);
        try (Dispatcher dispatcher = start(a, b)) {
            PacketOutcome toB = dispatcher.submit(packet("tb", "pb", 1)).get();
            PacketOutcome toA = dispatcher.submit(packet("ta", "pa", 1)).get();

            assertThat(toA.isCommitted()).as(toA.toString()).isTrue();
            assertThat(toB.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
            assertThat(toB.reason()).get().asString().contains("destinations 'a' and 'b' are one " + target);
            assertThat(b.opens).hasValue(1);
            assertThat(b.closes).as("closed as soon as it was refused").hasValue(1);
            assertThat(b.batches).isEmpty();
            assertThat(a.asked).containsExactly("before open", "after open");
        }
    }

    @Test
    void aWriterThatCannotTellAtOpenIsAskedBeforeEachWriteUntilItTells() throws Exception {
        TargetClaims.Holder elsewhere = new TargetClaims.Holder("elsewhere");
        assertThat(TargetClaims.process().claim(target, elsewhere)).isEmpty();
        try {
            IdentifiedWriter a = new IdentifiedWriter(null, null, null, target);
            IdentifiedWriter b = new IdentifiedWriter((String) null);
            try (Dispatcher dispatcher = start(a, b)) {
                PacketOutcome first = dispatcher.submit(packet("ta", "p1", 1)).get();
                PacketOutcome second = dispatcher.submit(packet("ta", "p2", 2)).get();

                assertThat(first.isCommitted()).as("the identity was not known yet: " + first).isTrue();
                assertThat(second.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
                assertThat(second.reason()).get().asString().contains("destinations 'elsewhere' and 'a' are one " + target);
                assertThat(a.packetIds("ta")).containsExactly("p1");
                assertThat(a.asked).containsExactly("before open", "after open", "after open", "after open");
            }
        } finally {
            TargetClaims.process().release(elsewhere);
        }
    }

    @Test
    void anIdentityThatFailsRetryablyAfterOpenFailsTheAttemptLikeAnOpenAndIsAskedAgain() throws Exception {
        RecordingWriter a = new RecordingWriter() {
            private int asks;

            @Override
            public Optional<String> targetIdentity() throws WriteException {
                asks++;
                if (asks == 2) {
                    throw WriteException.retryable("server away for now", null);
                }
                return asks == 1 ? Optional.empty() : Optional.of(target);
            }
        };
        try (Dispatcher dispatcher = start(a, new RecordingWriter())) {
            assertThat(dispatcher.health().get("a").up()).isFalse();
            assertThat(dispatcher.health().get("a").lastError()).contains("server away for now");

            PacketOutcome outcome = dispatcher.submit(packet("ta", "p1", 1)).get();

            assertThat(outcome.isCommitted()).as(outcome.toString()).isTrue();
            assertThat(dispatcher.health().get("a").up()).isTrue();
            assertThat(TargetClaims.process().holderOf(target)).contains("a");
        }
    }

    @Test
    void aClaimIsHeldByOneHolderAtATime() {
        TargetClaims claims = new TargetClaims();
        TargetClaims.Holder a = new TargetClaims.Holder("a");
        TargetClaims.Holder h = new TargetClaims.Holder("h");

        assertThat(claims.claim("DuckDB file (device 1, inode 2)", a)).isEmpty();
        assertThat(claims.claim("DuckDB file (device 1, inode 2)", a)).as("claiming again").isEmpty();
        assertThat(claims.claim("DuckDB file (device 1, inode 2)", h)).get().asString()
                .startsWith("destinations 'a' and 'h' are one DuckDB file (device 1, inode 2): ");
        assertThat(claims.claim("DuckDB file (device 1, inode 3)", h)).isEmpty();

        claims.release(a);

        assertThat(claims.claim("DuckDB file (device 1, inode 2)", h)).isEmpty();
        assertThat(claims.holderOf("DuckDB file (device 1, inode 3)")).contains("h");
    }
}
