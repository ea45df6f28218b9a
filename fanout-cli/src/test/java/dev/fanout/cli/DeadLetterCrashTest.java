package dev.fanout.cli;

import dev.fanout.cli.testplugin.PausePoint;
import dev.fanout.cli.testplugin.PausingDuckDbProvider;
import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterStore;
import dev.fanout.dlq.TableStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real {@code fanout ingest} process killed with SIGKILL while its lane parks rows in the
 * dead-letter queue, at a point the test controls: the destination refuses every one-row packet
 * permanently, so each is parked before the next is written, and its writer
 * ({@link PausingDuckDbProvider}) stops before write {@value #PAUSE_BEFORE}. The store it leaves holds
 * exactly the packets parked until then and reads cleanly with {@code fanout dlq list}. (Records cut
 * off mid-append are the fanout-dlq crash test's subject, which sees each acknowledgement.)
 */
class DeadLetterCrashTest {

    private static final int PAUSE_BEFORE = 301;

    @TempDir
    Path dir;

    @Test
    void killedIngestLeavesAReadableStoreHoldingWhatItParked() throws Exception {
        Path topology = dir.resolve("t.yaml");
        Files.writeString(topology, """
                version: 1
                destinations:
                  main_db: { uri: "paused:data/main.duckdb" }
                default: main_db
                tables:
                  orders: { primary_key: [id] }
                batch: { max_rows: 1 }
                dlq: { path: data/dlq }
                """);
        StringBuilder csv = new StringBuilder("id,amount\n");
        for (int i = 0; i < 2 * PAUSE_BEFORE; i++) {
            csv.append(i).append(",").append(i).append(".5\n");
        }
        Path orders = dir.resolve("orders.csv");
        Files.writeString(orders, csv);
        Path control = Files.createDirectory(dir.resolve("control"));

        Process fanout = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + PausePoint.DIR + "=" + control, "-D" + PausePoint.BEFORE + "=" + PAUSE_BEFORE,
                "-D" + PausePoint.REFUSE + "=true",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "ingest", "--no-progress", "--packet-rows", "1", "--topology", topology.toString(), orders.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            MigrateEndToEndTest.awaitPause(fanout, control, dir.resolve("child.log"));
        } finally {
            fanout.destroyForcibly();
            fanout.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(fanout.exitValue()).as("killed by SIGKILL").isEqualTo(137);

        CliRun list = fanout("dlq", "list", "--topology", topology.toString());
        assertThat(list.code()).as(list.err()).isEqualTo(0);
        assertThat(list.out()).contains("orders").contains("injected refusal of table orders");
        assertThat(list.err()).doesNotContain("damaged");
        int parked = PAUSE_BEFORE - 1;
        try (DeadLetterStore store = DeadLetterStore.openReadOnly(dir.resolve("data/dlq"))) {
            TableStats stats = store.stats("orders");
            assertThat(stats.count()).as("one record per packet refused before the pause").isEqualTo(parked);
            assertThat(stats.corruptBytes()).isZero();
            assertThat(stats.tornTailBytes()).isZero();
            List<DeadLetter> letters = store.records("orders");
            assertThat(letters).extracting(DeadLetter::id).doesNotHaveDuplicates().hasSize(parked);
            assertThat(letters).extracting(l -> ((Number) l.packet().value(0, 0)).longValue())
                    .as("the first rows of the file, in order").containsExactlyElementsOf(LongStream.range(0, parked).boxed().toList());
        }
        try (DeadLetterStore reopened = DeadLetterStore.open(dir.resolve("data/dlq"))) {
            assertThat(reopened.stats("orders").count()).as("a new writer takes over the store after the crash").isEqualTo(parked);
        }
    }
}
