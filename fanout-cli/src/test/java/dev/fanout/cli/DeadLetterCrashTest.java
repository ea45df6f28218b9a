package dev.fanout.cli;

import dev.fanout.dlq.DeadLetterStore;
import dev.fanout.dlq.TableStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real {@code fanout ingest} process killed with SIGKILL while it parks rows in the dead-letter
 * queue: the store it leaves reads cleanly with {@code fanout dlq list}. (That every acknowledged
 * record is present is proven at the store level by the fanout-dlq crash test, which sees each ack.)
 */
class DeadLetterCrashTest {

    @TempDir
    Path dir;

    @Test
    void killedIngestLeavesAReadableStore() throws Exception {
        Path topology = dir.resolve("t.yaml");
        Files.writeString(topology, """
                version: 1
                destinations:
                  main_db: { uri: "duckdb:data/main.duckdb" }
                default: main_db
                tables:
                  orders: { primary_key: [id] }
                dlq: { path: data/dlq }
                """);
        StringBuilder csv = new StringBuilder("id,amount\n");
        for (int i = 0; i < 200_000; i++) {
            csv.append(",").append(i).append(".5\n");
        }
        Path bad = dir.resolve("orders.csv");
        Files.writeString(bad, csv);

        Process fanout = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "ingest", "--no-progress", "--packet-rows", "1", "--topology", topology.toString(), bad.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        Path file = dir.resolve("data/dlq/orders.dlq");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!(Files.exists(file) && Files.size(file) > 200_000) && fanout.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(fanout.isAlive()).as("fanout still parking when killed; log: " + dir.resolve("child.log")).isTrue();
        } finally {
            fanout.destroyForcibly();
            fanout.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(fanout.exitValue()).as("killed by SIGKILL").isEqualTo(137);

        CliRun list = fanout("dlq", "list", "--topology", topology.toString());
        assertThat(list.code()).isEqualTo(0);
        assertThat(list.out()).contains("orders").contains("DataError");
        assertThat(list.err()).doesNotContain("damaged");
        try (DeadLetterStore store = DeadLetterStore.openReadOnly(dir.resolve("data/dlq"))) {
            TableStats stats = store.stats("orders");
            assertThat(stats.count()).isGreaterThan(100);
            assertThat(stats.corruptBytes()).isZero();
            List<String> ids = store.records("orders").stream().map(d -> d.id()).distinct().toList();
            assertThat(ids).hasSize(stats.count());
        }
        try (DeadLetterStore reopened = DeadLetterStore.open(dir.resolve("data/dlq"))) {
            assertThat(reopened.stats("orders").count()).as("a new writer takes over the store after the crash").isGreaterThan(100);
        }
    }
}
