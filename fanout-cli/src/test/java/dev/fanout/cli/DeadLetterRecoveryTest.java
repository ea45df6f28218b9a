package dev.fanout.cli;

import dev.fanout.cli.testplugin.FlakyDuckDbProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dead-letter queue end to end, through the CLI: a destination that fails for a while has its
 * packets retried and parked while the other destinations commit; after the outage `fanout dlq
 * replay` lands them, and old packets replayed after newer data leave the newer values in place.
 */
class DeadLetterRecoveryTest {

    @TempDir
    Path work;

    @AfterEach
    void endOutage() {
        FlakyDuckDbProvider.FAILING.set(false);
    }

    /** The phase-2 example with trades on a destination whose outages the test controls, and quick retries. */
    private Path topologyWithFlakyTrades() throws IOException {
        Path topology = work.resolve("phase-2.yaml");
        String yaml = Files.readString(Examples.DIR.resolve("phase-2.yaml"))
                .replace("trades_db:    { uri: \"duckdb:", "trades_db:    { uri: \"flaky:")
                .replace("retry: { max_attempts: 6, initial_backoff: 100ms, max_backoff: 10s }",
                        "retry: { max_attempts: 3, initial_backoff: 1ms, max_backoff: 5ms }");
        assertThat(yaml).contains("flaky:").contains("max_attempts: 3");
        Files.writeString(topology, yaml);
        return topology;
    }

    private static String[] ingestArgs(Path topology, List<Path> inputs) {
        List<String> args = new ArrayList<>(List.of("ingest", "--no-progress", "--topology", topology.toString()));
        inputs.forEach(p -> args.add(p.toString()));
        return args.toArray(String[]::new);
    }

    @Test
    void outageParksOnlyTheFailingDestinationAndReplayLandsEverything() throws Exception {
        Path topology = topologyWithFlakyTrades();
        List<Path> inputs = Examples.inputs("day1", "day2");

        FlakyDuckDbProvider.FAILING.set(true);
        CliRun ingest = fanout(ingestArgs(topology, inputs));
        assertThat(ingest.code()).as(ingest.err()).isEqualTo(1);
        assertThat(ingest.err()).contains("table trades: 2,350 rows in packets not fully committed").contains("injected outage");
        assertThat(ingest.out()).contains("2 packets (2,350 rows) not fully committed: 2 dead-lettered, 0 failed");

        Examples.Tables expected = Examples.expectation(inputs);
        Examples.Tables during = Examples.readAll(work.resolve("data"));
        Examples.Tables expectedWithoutTrades = new Examples.Tables();
        expectedWithoutTrades.putAll(expected);
        expectedWithoutTrades.remove("trades.duckdb");
        during.remove("trades.duckdb");
        Examples.assertMatches(expectedWithoutTrades, during);

        CliRun list = fanout("dlq", "list", "--topology", topology.toString());
        assertThat(list.code()).isEqualTo(0);
        assertThat(list.out()).contains("trades").contains("2,350").contains("injected outage");

        FlakyDuckDbProvider.FAILING.set(false);
        CliRun replay = fanout("dlq", "replay", "--no-progress", "--topology", topology.toString());
        assertThat(replay.code()).as(replay.err()).isEqualTo(0);
        assertThat(replay.out()).contains("2,350 rows committed");
        Examples.assertMatches(expected, Examples.readAll(work.resolve("data")));

        assertThat(fanout("dlq", "list", "--topology", topology.toString()).out()).doesNotContain("trades");
        CliRun again = fanout("dlq", "replay", "--no-progress", "--topology", topology.toString());
        assertThat(again.code()).isEqualTo(0);
        assertThat(again.out()).contains("nothing to replay");
    }

    @Test
    void replayingOldPacketsAfterNewerDataKeepsTheNewerValues() throws Exception {
        Path topology = topologyWithFlakyTrades();

        FlakyDuckDbProvider.FAILING.set(true);
        assertThat(fanout(ingestArgs(topology, Examples.inputs("day1"))).code()).isEqualTo(1);
        FlakyDuckDbProvider.FAILING.set(false);
        assertThat(fanout(ingestArgs(topology, Examples.inputs("day2"))).code()).isEqualTo(0);

        CliRun replay = fanout("dlq", "replay", "--no-progress", "--topology", topology.toString(), "--table", "trades");
        assertThat(replay.code()).as(replay.err()).isEqualTo(0);
        Examples.assertMatches(Examples.expectation(Examples.inputs("day1", "day2")), Examples.readAll(work.resolve("data")));
    }

    @Test
    void replayDuringAnOutageKeepsTheRecordsWithOneMoreAttempt() throws Exception {
        Path topology = topologyWithFlakyTrades();
        FlakyDuckDbProvider.FAILING.set(true);
        assertThat(fanout(ingestArgs(topology, Examples.inputs("day1"))).code()).isEqualTo(1);
        CliRun before = fanout("dlq", "list", "--topology", topology.toString());

        CliRun replay = fanout("dlq", "replay", "--no-progress", "--topology", topology.toString());
        assertThat(replay.code()).isEqualTo(1);
        CliRun after = fanout("dlq", "list", "--topology", topology.toString());
        assertThat(after.out()).contains("trades").contains("2,000");
        assertThat(before.out()).contains("2,000");

        String id = firstId(work.resolve("data/dlq"), topology);
        CliRun show = fanout("dlq", "show", "--topology", topology.toString(), "--id", id);
        assertThat(show.code()).as(show.err()).isEqualTo(0);
        // max_attempts 3 during ingest, then one more for the replay that failed too
        assertThat(show.out()).contains("attempts      4").contains("trade_id").contains("T000001");
    }

    private static String firstId(Path store, Path topology) throws IOException {
        try (dev.fanout.dlq.DeadLetterStore s = dev.fanout.dlq.DeadLetterStore.openReadOnly(store)) {
            return s.records("trades").get(0).id();
        }
    }
}
