package dev.fanout.cli;

import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterStore;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hybrid example ({@code examples/phase-3.yaml}) end to end through the CLI against a real
 * clickhouse-server: the shipped input lands with trades, quotes and the 2026 bars in ClickHouse
 * (checked with {@code FINAL}) and the 2025 bars and instruments in DuckDB files, each row and its
 * {@code _fanout_version} equal to {@link Examples#expectation}; ingesting the same files again
 * changes nothing. With the server stopped (before the run: the writer must not fail the whole run
 * at open) the DuckDB destinations still commit exactly their rows, every ClickHouse-bound row — and
 * nothing else — is parked in the dead-letter queue after the retries, and {@code fanout dlq replay}
 * once the server is back on the same port makes every table equal the expectation.
 */
@ExtendWith(ClickHouseServerExtension.class)
class Phase3EndToEndTest {

    @TempDir
    Path work;

    static CliRun ingest(Path topology, List<Path> inputs) {
        List<String> args = new ArrayList<>(List.of("ingest", "--no-progress", "--topology", topology.toString()));
        inputs.forEach(p -> args.add(p.toString()));
        return fanout(args.toArray(String[]::new));
    }

    /**
     * A shipped topology copied into {@code dir} with its ClickHouse destination pointed at the test
     * server and at a database of its own ({@code database} instead of {@code market}); DuckDB files
     * and the dead-letter queue land under {@code dir/data}.
     */
    static Path shipped(String name, Path dir, ClickHouseServer server, String database) throws IOException {
        String yaml = Files.readString(Examples.DIR.resolve(name));
        String shipped = "ch://127.0.0.1:${CH_HTTP_PORT:-8123}/market\"";
        assertThat(yaml).contains(shipped);
        Path topology = dir.resolve(name);
        Files.writeString(topology, yaml.replace(shipped, server.uri(database) + "\""));
        return topology;
    }

    static boolean databaseExists(ClickHouseServer server, String database) throws IOException {
        return !server.scalar("SELECT count() FROM system.databases WHERE name = '" + database + "'").equals("0");
    }

    /** What fanout stored: the DuckDB files under {@code data} and the ClickHouse database, read with FINAL. */
    private Examples.Tables stored(ClickHouseServer server, String database) throws Exception {
        Examples.Tables tables = Examples.readAll(work.resolve("data"));
        tables.put(Examples.CLICKHOUSE, Examples.readClickHouse(server, database));
        return tables;
    }

    @Test
    void phase3IngestMatchesTheExpectationRowByRowAndReingestChangesNothing(ClickHouseServer server) throws Exception {
        String database = "market_phase3";
        Path topology = shipped("phase-3.yaml", work, server, database);
        List<Path> inputs = Examples.inputs("day1", "day2");
        assertThat(databaseExists(server, database)).isFalse();

        CliRun first = ingest(topology, inputs);
        assertThat(first.code()).as(first.err()).isEqualTo(0);
        assertThat(first.out()).contains("clickhouse", "bars_archive", "main_db")
                .contains(String.format("%,d rows committed in", rows(inputs))).contains("0 packets (0 rows) not fully committed");
        assertThat(databaseExists(server, database)).as("database created by the writer").isTrue();
        assertThat(Files.exists(work.resolve("data/trades.duckdb"))).as("no phase-2 file for a table that moved").isFalse();

        Examples.Tables expected = Examples.phase3(Examples.expectation(inputs));
        Examples.Tables actual = stored(server, database);
        Examples.assertMatches(expected, actual);

        CliRun again = ingest(topology, inputs);
        assertThat(again.code()).as(again.err()).isEqualTo(0);
        assertThat(stored(server, database))
                .as("every table after ingesting the same files again, _fanout_version included").isEqualTo(actual);
    }

    @Test
    void serverDownParksTheClickHouseRowsWhileDuckDbCommitsAndReplayLandsThem(ClickHouseServer server) throws Exception {
        String database = "market_outage";
        Path topology = shipped("phase-3.yaml", work, server, database);
        String yaml = Files.readString(topology);
        String retry = "retry: { max_attempts: 6, initial_backoff: 100ms, max_backoff: 10s }";
        assertThat(yaml).contains(retry).contains("dlq:").doesNotContain("circuit:");
        Files.writeString(topology, yaml.replace(retry, "retry: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 5ms }"));
        List<Path> inputs = Examples.inputs("day1", "day2");
        Examples.Tables expected = Examples.phase3(Examples.expectation(inputs));

        server.stop();
        try {
            assertThat(server.isRunning()).isFalse();
            CliRun outage = ingest(topology, inputs);
            assertThat(outage.code()).as(outage.out() + outage.err()).isEqualTo(1);

            Examples.Tables duckdb = new Examples.Tables();
            duckdb.putAll(expected);
            duckdb.remove(Examples.CLICKHOUSE);
            Examples.assertMatches(duckdb, Examples.readAll(work.resolve("data")));

            Map<String, Long> parked = new TreeMap<>();
            try (DeadLetterStore store = DeadLetterStore.openReadOnly(work.resolve("data/dlq"))) {
                for (String table : store.tables()) {
                    for (DeadLetter letter : store.records(table)) {
                        assertThat(letter.destination()).as("destination of a parked " + table + " packet").isEqualTo("clickhouse");
                        assertThat(letter.retryable()).as(letter.message()).isTrue();
                        assertThat(letter.message()).contains("cannot reach ClickHouse at 127.0.0.1:" + server.httpPort());
                        parked.merge(table, (long) letter.packet().rowCount(), Long::sum);
                    }
                }
            }
            Map<String, Long> submittedToClickHouse = new TreeMap<>(Map.of("trades", lines(inputs, "trades.csv"),
                    "quotes_us", lines(inputs, "quotes_us.ndjson"), "quotes_eu", lines(inputs, "quotes_eu.ndjson"),
                    "bars", barsFrom2026(inputs)));
            assertThat(parked).as("rows parked per table: every row routed to ClickHouse, nothing else").isEqualTo(submittedToClickHouse);

            CliRun list = fanout("dlq", "list", "--topology", topology.toString());
            assertThat(list.code()).as(list.err()).isEqualTo(0);
            for (Map.Entry<String, Long> e : submittedToClickHouse.entrySet()) {
                assertThat(list.out().lines().filter(l -> l.startsWith(e.getKey() + " ")))
                        .as("dlq list line of " + e.getKey()).singleElement().asString().contains(String.format("%,d", e.getValue()));
            }
            assertThat(list.out()).doesNotContain("instruments");
        } finally {
            server.restart();
        }
        assertThat(databaseExists(server, database)).as("nothing reached ClickHouse during the outage").isFalse();

        CliRun replay = fanout("dlq", "replay", "--no-progress", "--topology", topology.toString());
        assertThat(replay.code()).as(replay.out() + replay.err()).isEqualTo(0);
        Examples.assertMatches(expected, stored(server, database));
        CliRun after = fanout("dlq", "list", "--topology", topology.toString());
        assertThat(after.out()).doesNotContain("trades", "quotes_", "bars");
    }

    /** Rows in the input files: lines, less a header line per CSV. */
    static long rows(List<Path> inputs) throws IOException {
        long n = 0;
        for (Path p : inputs) {
            n += lines(List.of(p), p.getFileName().toString());
        }
        return n;
    }

    private static long lines(List<Path> inputs, String file) throws IOException {
        long n = 0;
        for (Path p : inputs) {
            if (p.getFileName().toString().equals(file)) {
                List<String> all = Files.readAllLines(p);
                n += file.endsWith(".csv") ? all.size() - 1 : all.size();
            }
        }
        return n;
    }

    private static long barsFrom2026(List<Path> inputs) throws IOException {
        long n = 0;
        for (Path p : inputs) {
            if (p.getFileName().toString().equals("bars.csv")) {
                List<String> all = Files.readAllLines(p);
                int day = Arrays.asList(all.get(0).split(",")).indexOf("day");
                n += all.stream().skip(1).filter(l -> !LocalDate.parse(l.split(",")[day].replace("\"", ""))
                        .isBefore(LocalDate.parse("2026-01-01"))).count();
            }
        }
        assertThat(n).as("2026 bars in the sample").isPositive();
        return n;
    }
}
