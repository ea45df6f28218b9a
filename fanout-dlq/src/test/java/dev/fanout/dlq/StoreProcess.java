package dev.fanout.dlq;

import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Column;
import dev.fanout.api.Schema;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The child JVM of {@link DeadLetterStoreProcessTest}. Modes: {@code hold DIR} opens the store,
 * prints READY and keeps it until standard input closes; {@code try DIR} prints OPENED or
 * {@code LOCKED <message>}; {@code park DIR} parks letters from three threads forever, printing each
 * id once {@code park} has returned; {@code compact DIR TABLE} compacts the table over and over,
 * printing COMPACTED after each.
 */
public final class StoreProcess {

    private static final Schema SCHEMA = Schema.of(List.of(Column.required("id", LogicalType.INT64),
            Column.of("text", LogicalType.STRING), Column.of("at", LogicalType.TIMESTAMP)), List.of("id"));

    private StoreProcess() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "hold" -> {
                try (DeadLetterStore store = DeadLetterStore.open(dir)) {
                    System.out.println("READY");
                    System.out.flush();
                    InputStream in = System.in;
                    while (in.read() >= 0) {
                        // held until the parent closes our stdin
                    }
                }
            }
            case "try" -> {
                try (DeadLetterStore store = DeadLetterStore.open(dir)) {
                    System.out.println("OPENED");
                } catch (DeadLetterStoreLockedException e) {
                    System.out.println("LOCKED " + e.getMessage());
                }
            }
            case "park" -> {
                DeadLetterStore store = DeadLetterStore.open(dir);
                for (int t = 0; t < 3; t++) {
                    String table = t == 2 ? "quotes" : "trades";
                    Thread thread = new Thread(() -> parkForever(store, table));
                    thread.start();
                }
            }
            case "compact" -> {
                DeadLetterStore store = DeadLetterStore.open(dir);
                while (true) {
                    store.compact(args[2]);
                    System.out.println("COMPACTED");
                }
            }
            default -> throw new IllegalArgumentException("mode " + args[0]);
        }
    }

    private static void parkForever(DeadLetterStore store, String table) {
        try {
            for (long n = 0; ; n++) {
                String id = DeadLetterStore.newId();
                int rows = 1 + ThreadLocalRandom.current().nextInt(40);
                FramePacket.Builder packet = FramePacket.builder(table, SCHEMA).packetId("p-" + id);
                for (int r = 0; r < rows; r++) {
                    packet.addRow(n * 100 + r, "x".repeat(ThreadLocalRandom.current().nextInt(400)), Instant.now());
                }
                store.park(new DeadLetter(id, packet.build(), "db", "WriteException", "attempt " + n, true, 1,
                        Instant.now(), Instant.now()));
                System.out.println(id);
            }
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(3);
        }
    }
}
