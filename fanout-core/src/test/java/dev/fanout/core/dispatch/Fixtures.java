package dev.fanout.core.dispatch;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Router;
import dev.fanout.api.Schema;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Packets, routers and settings shared by the dispatcher tests. */
final class Fixtures {

    /** {@code id int64 key, note string}. */
    static final Schema SCHEMA = Schema.of(List.of(Column.required("id", LogicalType.INT64),
            Column.of("note", LogicalType.STRING)), List.of("id"));

    /** {@link #SCHEMA} plus a nullable {@code extra int32}: a new column, as schema evolution brings. */
    static final Schema WIDER_SCHEMA = Schema.of(List.of(Column.required("id", LogicalType.INT64),
            Column.of("note", LogicalType.STRING), Column.of("extra", LogicalType.INT32)), List.of("id"));

    static final Duration NEVER = Duration.ofHours(1);

    private Fixtures() {
    }

    /** A packet of {@link #SCHEMA} with one row per key. */
    static FramePacket packet(String table, String id, long... keys) {
        FramePacket.Builder b = FramePacket.builder(table, SCHEMA).packetId(id);
        for (long k : keys) {
            b.addRow(k, "n" + k);
        }
        return b.build();
    }

    /** A packet of {@link #WIDER_SCHEMA} with one row per key. */
    static FramePacket widerPacket(String table, String id, long... keys) {
        FramePacket.Builder b = FramePacket.builder(table, WIDER_SCHEMA).packetId(id);
        for (long k : keys) {
            b.addRow(k, "n" + k, 1);
        }
        return b.build();
    }

    /** Every packet to {@code destination}. */
    static Router to(String destination) {
        return p -> List.of(new Router.RoutedPart(destination, p));
    }

    /** Table name → destination. */
    static Router byTable(Map<String, String> routes) {
        return p -> List.of(new Router.RoutedPart(routes.get(p.table()), p));
    }

    static DispatcherSettings settings(int maxRows, Duration maxAge, int capacityRows) {
        return new DispatcherSettings(new BatchPolicy(maxRows, maxAge),
                new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1)), capacityRows, new RecordingSleeper());
    }

    /**
     * Settings with a dead-letter sink and a manual clock: batches of {@code maxRows} written at once,
     * {@code retry}, {@code circuit}, room for 1000 rows, and a sleeper that returns at once.
     */
    static DispatcherSettings parking(int maxRows, RetryPolicy retry, CircuitPolicy circuit, RecordingDeadLetterSink sink,
                                      ManualClock clock) {
        return new DispatcherSettings(new BatchPolicy(maxRows, Duration.ZERO), retry, 1000, new RecordingSleeper(),
                circuit, sink, clock);
    }

    /** Spins until {@code condition} holds; fails after 10 s (a guard against hangs, not a timing assertion). */
    static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.yield();
        }
    }
}
