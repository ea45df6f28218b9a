package dev.fanout.cli;

import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterStore;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ClickHouse classes of "a destination that cannot be opened when an ingest starts": three
 * destinations — trades to a real clickhouse-server as {@link ClickHouseServer#SECURED_USER}, quotes
 * and the rest to two DuckDB files — and the ClickHouse one broken by a wrong password or by a server
 * that is down when the run starts. Either way the two DuckDB destinations equal the expectation row
 * by row, every trades row is parked with the cause as the reason (the password appears nowhere: not
 * on stdout, stderr, the logs, nor in the dead-letter files), the summary's state column says the
 * destination is {@code down} (its writer did not open; or, server away, its writer connects lazily
 * and its last batch failed after its retries), and the run exits 1; after the cause is gone, {@code fanout dlq replay}
 * lands them and every table, ClickHouse's read with {@code FINAL}, equals the expectation.
 *
 * <p>The password reaches the topology through the environment substitution
 * ({@code "${VAR:-default}"}): an in-process run cannot set an environment variable, so the default
 * carries it.
 */
@ExtendWith(ClickHouseServerExtension.class)
@Timeout(300)
class UnopenableClickHouseTest {

    private static final String PASSWORD_VAR = "FANOUT_TEST_UNOPENABLE_CH_PASSWORD";

    @TempDir
    Path work;

    private Path data() {
        return work.resolve("data");
    }

    /** The three-destination topology with {@code password} as the secured user's (through the environment substitution). */
    private Path topology(ClickHouseServer server, String database, String password) throws IOException {
        return Files.writeString(work.resolve("three-ch.yaml"), """
                version: 1
                destinations:
                  clickhouse: { uri: "%s", options: { user: "%s", password: "${%s:-%s}" } }
                  quotes_db:  { uri: "duckdb:data/quotes.duckdb" }
                  main_db:    { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: clickhouse }
                  - { match: { table: "quotes_*" }, to: quotes_db }
                default: main_db
                tables:
                  trades:      { primary_key: [trade_id], version_column: updated_at }
                  quotes_us:   { primary_key: [symbol], version_column: ts }
                  quotes_eu:   { primary_key: [symbol], version_column: ts }
                  bars:        { primary_key: [symbol, day], version_column: updated_at }
                  instruments: { primary_key: [symbol], version_column: updated_at }
                batch: { max_rows: 50000, max_age: 200ms }
                retry: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 5ms }
                dlq: { path: data/dlq }
                """.formatted(server.uri(database), ClickHouseServer.SECURED_USER, PASSWORD_VAR, password));
    }

    /** The phase-2 expectation placed as this topology places it: trades in ClickHouse, both bars files' rows in main.duckdb. */
    private static Examples.Tables expectation(List<Path> inputs) throws IOException {
        Examples.Tables phase2 = Examples.expectation(inputs);
        Examples.Tables expected = new Examples.Tables();
        expected.put(Examples.CLICKHOUSE, new TreeMap<>(Map.of("trades", phase2.get("trades.duckdb").get("trades"))));
        expected.put("quotes.duckdb", phase2.get("quotes.duckdb"));
        Map<String, Map<List<Object>, Map<String, Object>>> main = new TreeMap<>(phase2.get("main.duckdb"));
        Map<List<Object>, Map<String, Object>> bars = new HashMap<>(phase2.get("bars.duckdb").get("bars"));
        bars.putAll(phase2.get("bars_2025.duckdb").get("bars"));
        main.put("bars", bars);
        expected.put("main.duckdb", main);
        return expected;
    }

    private static String[] ingest(Path topology, List<Path> inputs) {
        List<String> args = new ArrayList<>(List.of("ingest", "--no-progress", "--topology", topology.toString()));
        inputs.forEach(p -> args.add(p.toString()));
        return args.toArray(String[]::new);
    }

    private List<DeadLetter> parked() throws IOException {
        List<DeadLetter> all = new ArrayList<>();
        try (DeadLetterStore store = DeadLetterStore.openReadOnly(data().resolve("dlq"))) {
            for (String table : store.tables()) {
                all.addAll(store.records(table));
            }
        }
        return all;
    }

    /** Every byte of every file under the dead-letter folder, as text. */
    private String dlqFiles() throws IOException {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> files = Files.walk(data().resolve("dlq"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                text.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        return text.toString();
    }

    private static long tradeRows(List<Path> inputs) throws IOException {
        long rows = 0;
        for (Path p : inputs) {
            if (p.getFileName().toString().equals("trades.csv")) {
                rows += Files.readAllLines(p).size() - 1;
            }
        }
        return rows;
    }

    /**
     * The broken run's checks: exit 1, the DuckDB destinations equal to the expectation, every trades
     * row — and nothing else — parked for clickhouse with {@code reasonWords}, the state column, no
     * password anywhere.
     */
    private void assertBrokenRun(CliRun run, ClickHouseServer server, List<Path> inputs, Examples.Tables expected, boolean retryable,
                                 String downLine, String... reasonWords) throws Exception {
        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(1);
        Examples.Tables duckdb = new Examples.Tables();
        duckdb.putAll(expected);
        duckdb.remove(Examples.CLICKHOUSE);
        Examples.assertMatches(duckdb, Examples.readAll(data()));

        List<DeadLetter> parked = parked();
        assertThat(parked).isNotEmpty().allSatisfy(d -> {
            assertThat(d.packet().table()).isEqualTo("trades");
            assertThat(d.destination()).isEqualTo("clickhouse");
            assertThat(d.retryable()).as(d.message()).isEqualTo(retryable);
            assertThat(d.message()).contains(reasonWords);
        });
        assertThat(parked.stream().mapToLong(d -> d.packet().rowCount()).sum()).isEqualTo(tradeRows(inputs));

        assertThat(run.out()).containsPattern("clickhouse +down ").contains(downLine).containsPattern("quotes_db +up ").containsPattern("main_db +up ");
        assertThat(run.err()).contains("table trades:").contains(reasonWords).contains("fanout dlq replay");

        assertThat(run.all()).doesNotContain(server.securedPassword());
        assertThat(dlqFiles()).doesNotContain(server.securedPassword());
    }

    private void replayAndAssertEverything(Path topology, ClickHouseServer server, String database, Examples.Tables expected)
            throws Exception {
        CliRun replay = CliRun.fanout("dlq", "replay", "--no-progress", "--topology", topology.toString());

        assertThat(replay.code()).as(replay.out() + replay.err()).isEqualTo(0);
        assertThat(replay.out()).containsPattern("clickhouse +up ");
        assertThat(replay.all()).doesNotContain(server.securedPassword());
        Examples.Tables stored = Examples.readAll(data());
        stored.put(Examples.CLICKHOUSE, Examples.readClickHouse(server, database));
        Examples.assertMatches(expected, stored);
        assertThat(parked()).isEmpty();
    }

    @Test
    void wrongPasswordParksTheTradesWhileDuckDbCommitsAndReplayWithTheRightOneLandsThem(ClickHouseServer server) throws Exception {
        String database = "market_wrong_password";
        List<Path> inputs = Examples.inputs("day1", "day2");
        Examples.Tables expected = expectation(inputs);
        String wrong = "not-" + server.securedPassword();
        Path topology = topology(server, database, wrong);

        CliRun run = CliRun.fanout(ingest(topology, inputs));

        assertBrokenRun(run, server, inputs, expected, false, "clickhouse is down, its writer did not open: ", "authentication");
        assertThat(run.all()).doesNotContain(wrong);
        assertThat(dlqFiles()).doesNotContain(wrong);
        assertThat(Phase3EndToEndTest.databaseExists(server, database)).as("nothing reached ClickHouse").isFalse();

        topology(server, database, server.securedPassword());
        replayAndAssertEverything(topology, server, database, expected);
    }

    /**
     * With {@code --verbose} the password is masked as well. (In-process the log levels are this
     * JVM's, so the lanes' stack traces are checked by the distribution test
     * {@code VerboseClickHouseDownTest}; here the command's own paths.)
     */
    @Test
    void withVerboseAWrongPasswordAppearsNowhereEither(ClickHouseServer server) throws Exception {
        String database = "market_wrong_password_verbose";
        List<Path> inputs = Examples.inputs("day1");
        String wrong = "not-" + server.securedPassword();
        Path topology = topology(server, database, wrong);
        List<String> args = new ArrayList<>(List.of(ingest(topology, inputs)));
        args.add("--verbose");

        CliRun run = CliRun.fanout(args.toArray(String[]::new));

        assertBrokenRun(run, server, inputs, expectation(inputs), false, "clickhouse is down, its writer did not open: ", "authentication");
        assertThat(run.all()).doesNotContain(wrong);
        assertThat(dlqFiles()).doesNotContain(wrong);
    }

    @Test
    void serverDownAtStartParksTheTradesWhileDuckDbCommitsAndReplayAfterRestartLandsThem(ClickHouseServer server) throws Exception {
        String database = "market_down_at_start";
        List<Path> inputs = Examples.inputs("day1", "day2");
        Examples.Tables expected = expectation(inputs);
        Path topology = topology(server, database, server.securedPassword());

        server.stop();
        try {
            assertThat(server.isRunning()).isFalse();
            CliRun run = CliRun.fanout(ingest(topology, inputs));
            assertBrokenRun(run, server, inputs, expected, true, "clickhouse is down, its last batch failed after its retries: ",
                    "cannot reach ClickHouse at 127.0.0.1:" + server.httpPort());
        } finally {
            server.restart();
        }
        assertThat(Phase3EndToEndTest.databaseExists(server, database)).as("nothing reached ClickHouse during the outage").isFalse();

        replayAndAssertEverything(topology, server, database, expected);
    }
}
