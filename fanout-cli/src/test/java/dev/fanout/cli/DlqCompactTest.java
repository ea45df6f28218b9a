package dev.fanout.cli;

import dev.fanout.cli.testplugin.FlakyDuckDbProvider;
import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fanout dlq compact} and the compaction a replay does by itself, through the CLI on a real
 * store: packets parked during an outage, replayed partly, then compacted to their live records.
 */
class DlqCompactTest {

    @TempDir
    Path dir;

    @AfterEach
    void endOutage() {
        FlakyDuckDbProvider.FAILING.set(false);
    }

    private Path topology() throws IOException {
        Path topology = dir.resolve("t.yaml");
        Files.writeString(topology, """
                version: 1
                destinations:
                  flaky_db: { uri: "flaky:data/main.duckdb" }
                default: flaky_db
                tables:
                  orders: { primary_key: [id] }
                  quotes: { primary_key: [id] }
                retry: { max_attempts: 1, initial_backoff: 1ms, max_backoff: 1ms }
                dlq: { path: data/dlq }
                """);
        return topology;
    }

    private Path csv(String name, int rows) throws IOException {
        StringBuilder csv = new StringBuilder("id,amount,note\n");
        for (int i = 0; i < rows; i++) {
            csv.append(i).append(',').append(i).append(".25,").append("note ").append("x".repeat(i % 50)).append('\n');
        }
        return Files.writeString(dir.resolve(name + ".csv"), csv);
    }

    @Test
    void compactionShrinksTheFilesToTheLiveRecordsAndTheListStaysTheSame() throws Exception {
        Path topology = topology();
        Path orders = csv("orders", 400);
        Path quotes = csv("quotes", 200);
        Path store = dir.resolve("data/dlq");
        Path ordersFile = store.resolve("orders.dlq");
        Path quotesFile = store.resolve("quotes.dlq");

        FlakyDuckDbProvider.FAILING.set(true);
        CliRun ingest = fanout("ingest", "--no-progress", "--packet-rows", "20", "--topology", topology.toString(),
                orders.toString(), quotes.toString());
        assertThat(ingest.code()).as(ingest.err()).isEqualTo(1);
        assertThat(ingest.out()).contains("30 packets (600 rows) not fully committed: 30 dead-lettered, 0 failed");
        assertThat(ingest.err()).contains("parked rows: fanout dlq list --topology " + topology);

        CliRun failedReplay = fanout("dlq", "replay", "--no-progress", "--topology", topology.toString(), "--table", "orders");
        assertThat(failedReplay.code()).as(failedReplay.err()).isEqualTo(1);
        assertThat(failedReplay.out()).as("a table still parked keeps its file").doesNotContain("is removed");
        FlakyDuckDbProvider.FAILING.set(false);
        List<DeadLetter> parkedOrders = records("orders");
        assertThat(parkedOrders).hasSize(20).allSatisfy(d -> assertThat(d.attempts()).isEqualTo(2));
        for (DeadLetter d : parkedOrders.subList(0, 5)) {
            CliRun one = fanout("dlq", "replay", "--no-progress", "--topology", topology.toString(), "--id", d.id());
            assertThat(one.code()).as(one.err()).isEqualTo(0);
            assertThat(one.out()).doesNotContain("is removed");
        }
        assertThat(quotesFile).exists();
        CliRun replayQuotes = fanout("dlq", "replay", "--no-progress", "--topology", topology.toString(), "--table", "quotes");
        assertThat(replayQuotes.code()).as(replayQuotes.err()).isEqualTo(0);
        assertThat(replayQuotes.out()).contains("every dead letter of table quotes replayed; its file in " + store + " is removed\n");
        assertThat(quotesFile).as("removed by the replay that emptied it").doesNotExist();

        List<DeadLetter> live = records("orders");
        assertThat(live).extracting(DeadLetter::id).containsExactlyElementsOf(parkedOrders.subList(5, 20).stream().map(DeadLetter::id).toList());
        CliRun listBefore = fanout("dlq", "list", "--topology", topology.toString());
        assertThat(listBefore.code()).isEqualTo(0);
        long ordersBytes = Files.size(ordersFile);

        CliRun compact = fanout("dlq", "compact", "--topology", topology.toString());

        assertThat(compact.code()).as(compact.err()).isEqualTo(0);
        assertThat(compact.err()).isEmpty();
        List<String> lines = compact.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("table +records before +records after +bytes before +bytes after +file");
        Matcher row = Pattern.compile("orders +45 +15 +([\\d,]+) +([\\d,]+) +rewritten").matcher(lines.get(2));
        assertThat(row.matches()).as("20 parked, 20 failed again, 5 resolved, 15 live: " + lines.get(2)).isTrue();
        long before = number(row.group(1));
        long after = number(row.group(2));
        assertThat(before).isEqualTo(ordersBytes);
        assertThat(Files.size(ordersFile)).isEqualTo(after);
        assertThat(after).isLessThan(before / 2);
        assertThat(lines.get(3)).isEqualTo(String.format("compacted 1 table in %s: 45 → 15 records, %,d → %,d bytes (%,d bytes reclaimed)",
                store, before, after, before - after));

        assertThat(fanout("dlq", "list", "--topology", topology.toString()).out()).isEqualTo(listBefore.out());
        List<DeadLetter> compacted = records("orders");
        assertThat(compacted).hasSize(live.size());
        for (int i = 0; i < live.size(); i++) {
            DeadLetter want = live.get(i);
            DeadLetter got = compacted.get(i);
            assertThat(got.id()).isEqualTo(want.id());
            assertThat(got.attempts()).isEqualTo(want.attempts());
            assertThat(got.message()).isEqualTo(want.message());
            assertThat(got.packet().rowCount()).isEqualTo(want.packet().rowCount());
            for (int r = 0; r < want.packet().rowCount(); r++) {
                assertThat(got.packet().row(r)).isEqualTo(want.packet().row(r));
            }
        }

        CliRun again = fanout("dlq", "compact", "--topology", topology.toString(), "--table", "orders");
        assertThat(again.out()).as("a compact file holds the live records only")
                .contains(String.format("15 → 15 records, %,d → %,d bytes (0 bytes reclaimed)", after, after));

        CliRun replayRest = fanout("dlq", "replay", "--no-progress", "--topology", topology.toString());
        assertThat(replayRest.code()).as(replayRest.err()).isEqualTo(0);
        assertThat(ordersFile).doesNotExist();
        assertThat(fanout("dlq", "compact", "--topology", topology.toString()).out()).isEqualTo("nothing to compact in " + store + "\n");
    }

    @Test
    void compactionRefusesWhileAnotherWriterHoldsTheStoreAndChangesNothing() throws Exception {
        Path topology = topology();
        Path orders = csv("orders", 40);
        FlakyDuckDbProvider.FAILING.set(true);
        assertThat(fanout("ingest", "--no-progress", "--packet-rows", "20", "--topology", topology.toString(), orders.toString()).code())
                .isEqualTo(1);
        FlakyDuckDbProvider.FAILING.set(false);
        Path store = dir.resolve("data/dlq");
        try (DeadLetterStore holder = DeadLetterStore.open(store)) {
            holder.resolve("orders", holder.records("orders").get(0).id());
            long size = Files.size(store.resolve("orders.dlq"));

            CliRun compact = fanout("dlq", "compact", "--topology", topology.toString());

            assertThat(compact.code()).isEqualTo(2);
            assertThat(compact.out()).isEmpty();
            assertThat(compact.err()).contains("cannot compact now, nothing was changed: dead-letter store " + store)
                    .contains("Run fanout dlq compact once that process has finished");
            assertThat(Files.size(store.resolve("orders.dlq"))).isEqualTo(size);
            assertThat(holder.records("orders")).hasSize(1);
        }
        CliRun compact = fanout("dlq", "compact", "--topology", topology.toString());
        assertThat(compact.code()).as(compact.err()).isEqualTo(0);
        assertThat(compact.out()).contains("3 → 1 records");
    }

    @Test
    void theIngestHintsAtTheQueueOnlyWhenSomethingWasParked() throws Exception {
        Path topology = topology();
        Path orders = csv("orders", 40);
        Path store = Files.createDirectories(dir.resolve("data/dlq"));
        Files.createDirectory(store.resolve("orders.dlq"));

        FlakyDuckDbProvider.FAILING.set(true);
        CliRun ingest = fanout("ingest", "--no-progress", "--packet-rows", "20", "--topology", topology.toString(), orders.toString());

        assertThat(ingest.code()).isEqualTo(1);
        assertThat(ingest.out()).as("parking into a directory in the way fails").contains("2 packets (40 rows) not fully committed: 0 dead-lettered, 2 failed");
        assertThat(ingest.err()).contains("table orders: 40 rows in packets not fully committed").doesNotContain("parked rows:");

        Files.delete(store.resolve("orders.dlq"));
        CliRun parked = fanout("ingest", "--no-progress", "--packet-rows", "20", "--topology", topology.toString(), orders.toString());
        assertThat(parked.err()).contains("parked rows: fanout dlq list --topology " + topology);
    }

    private List<DeadLetter> records(String table) throws IOException {
        try (DeadLetterStore store = DeadLetterStore.openReadOnly(dir.resolve("data/dlq"))) {
            return store.records(table);
        }
    }

    private static long number(String digits) {
        return Long.parseLong(digits.replace(",", ""));
    }
}
