package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.cli.Examples;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hybrid example as users run it: the installation's {@code conf/examples/} copied into a work
 * directory, {@code CH_HTTP_PORT} pointing at a real ClickHouse server of this class's own, and
 * {@code bin/fanout ingest --topology phase-3.yaml input/day1/* input/day2/*} from the unpacked
 * tarball. Every ClickHouse table read with {@code FINAL} and every DuckDB file then equals
 * {@link Examples#expectation} of the ingested files. With the server stopped before the run, the
 * DuckDB destinations commit their rows, exactly the ClickHouse-bound packet parts are parked in the
 * dead-letter queue (counted, shown and exported through the CLI), and once the server is back on
 * the same ports {@code fanout dlq replay} makes every table equal the expectation.
 */
class Phase3IngestTest {

    private static final String DATABASE = "market";
    private static final LocalDate ARCHIVE_BEFORE = LocalDate.parse("2026-01-01");
    private static final Pattern PARKED_ID = Pattern.compile("dead-lettered as ([0-9a-f-]{36})");

    private static Installation installation;
    private static ClickHouseServer server;

    @TempDir
    Path work;

    @BeforeAll
    static void start() throws Exception {
        installation = Installation.unpack();
        server = ClickHouseServer.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void withoutTheDatabase() throws IOException {
        if (!server.isRunning()) {
            server.restart();
        }
        server.query("DROP DATABASE IF EXISTS " + DATABASE);
        SampleWork.copyExamples(installation, work);
    }

    private Installation.Run fanout(String... args) throws IOException {
        return installation.fanout(work, SampleWork.environment(server), args);
    }

    /** The DuckDB files under {@code data/} and the ClickHouse database read with FINAL. */
    private Examples.Tables stored() throws Exception {
        Examples.Tables tables = Examples.readAll(work.resolve("data"));
        tables.put(Examples.CLICKHOUSE, Examples.readClickHouse(server, DATABASE));
        return tables;
    }

    private boolean databaseExists() throws IOException {
        return !SampleWork.scalar(server, "SELECT count() FROM system.databases WHERE name = '" + DATABASE + "'").equals("0");
    }

    @Test
    void theSampleLandsInClickHouseAndTheDuckDbFilesAsExpected() throws Exception {
        List<Path> inputs = SampleWork.inputs(work);

        Installation.Run r = fanout(SampleWork.ingestSample(work, "phase-3.yaml"));

        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.out()).as(r.output()).contains(String.format("%,d rows committed in %d packets; 0 packets (0 rows) not fully committed",
                Sample.of(inputs).rows(), inputs.size()));
        Examples.assertMatches(Examples.phase3(Examples.expectation(inputs)), stored());
        assertThat(work.resolve("data/trades.duckdb")).as("no DuckDB file for a table that phase 3 sends to ClickHouse").doesNotExist();
    }

    @Test
    void withTheServerStoppedTheClickHouseRowsAreParkedAndReplayLandsThemOnceItIsBack() throws Exception {
        Path topology = work.resolve("phase-3.yaml");
        String shippedRetry = "retry: { max_attempts: 6, initial_backoff: 100ms, max_backoff: 10s }";
        String yaml = Files.readString(topology);
        assertThat(yaml).contains(shippedRetry);
        Files.writeString(topology, yaml.replace(shippedRetry, "retry: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 5ms }"));
        List<Path> inputs = SampleWork.inputs(work);
        Sample sample = Sample.of(inputs);
        Examples.Tables expected = Examples.phase3(Examples.expectation(inputs));

        server.stop();
        Installation.Run outage = fanout(SampleWork.ingestSample(work, "phase-3.yaml"));

        assertThat(outage.code()).as(outage.output()).isEqualTo(1);
        String port = "127.0.0.1:" + server.httpPort();
        int parkedPackets = sample.clickHousePackets().values().stream().mapToInt(Integer::intValue).sum();
        long parkedRows = sample.clickHouseKeys().values().stream().mapToLong(List::size).sum();
        assertThat(outage.out().lines()).as(outage.output())
                .anyMatch(l -> l.matches("clickhouse +down +0 +0 +0 +0 +0 +\\d+ +" + parkedPackets + " +0 +\\S+ .*"))
                .anyMatch(l -> l.matches(String.format("bars_archive +up +%,d +\\S+ +\\S+ +%d +\\d+ +0 +0 +0 +closed .*", sample.archiveRows(),
                        sample.archivePackets())))
                .anyMatch(l -> l.matches(String.format("main_db +up +%,d +\\S+ +\\S+ +1 +1 +0 +0 +0 +closed .*", sample.instrumentRows())));
        assertThat(outage.out()).as(outage.output()).contains(String.format(
                "%,d rows committed in 1 packets; %d packets (%,d rows) not fully committed: %d dead-lettered, 0 failed",
                sample.instrumentRows(), parkedPackets, sample.rows() - sample.instrumentRows(), parkedPackets));
        Examples.Tables duckdb = new Examples.Tables();
        duckdb.putAll(expected);
        duckdb.remove(Examples.CLICKHOUSE);
        Examples.assertMatches(duckdb, Examples.readAll(work.resolve("data")));

        Installation.Run list = fanout("dlq", "list", "--topology", "phase-3.yaml");
        assertThat(list.code()).as(list.output()).isZero();
        for (String table : sample.clickHouseKeys().keySet()) {
            assertThat(list.out().lines()).as(list.output()).anyMatch(l -> l.matches(String.format("%s +%d +%,d +.*", table,
                    sample.clickHousePackets().get(table), sample.clickHouseKeys().get(table).size())));
        }
        assertThat(list.out()).as(list.output()).doesNotContain("instruments");

        Set<String> ids = new LinkedHashSet<>();
        Matcher m = PARKED_ID.matcher(outage.out() + outage.err());
        while (m.find()) {
            ids.add(m.group(1));
        }
        assertThat(ids).as("dead-letter ids the ingest printed\n" + outage.output()).hasSize(parkedPackets);
        for (String id : ids) {
            Installation.Run show = fanout("dlq", "show", "--topology", "phase-3.yaml", "--id", id, "--max-rows", "1");
            assertThat(show.code()).as(show.output()).isZero();
            assertThat(show.out().lines()).as(show.output()).contains("destination   clickhouse", "retryable     true", "attempts      2")
                    .anyMatch(l -> l.startsWith("error         ") && l.contains("cannot reach ClickHouse at " + port));
        }

        ObjectMapper json = new ObjectMapper();
        for (Map.Entry<String, List<String>> table : sample.clickHouseKeys().entrySet()) {
            Path exported = work.resolve(table.getKey() + ".parked.ndjson");
            Installation.Run export = fanout("dlq", "export", "--topology", "phase-3.yaml", "--table", table.getKey(),
                    "--out", exported.toString());
            assertThat(export.code()).as(export.output()).isZero();
            List<String> packets = Files.readAllLines(exported);
            assertThat(packets).as("packets of " + table.getKey() + " parked").hasSize(sample.clickHousePackets().get(table.getKey()));
            List<String> keys = new ArrayList<>();
            for (String line : packets) {
                JsonNode packet = json.readTree(line);
                List<String> columns = new ArrayList<>();
                packet.get("schema").get("columns").forEach(c -> columns.add(c.get("name").asText()));
                List<Integer> key = new ArrayList<>();
                packet.get("schema").get("primary_key").forEach(k -> key.add(columns.indexOf(k.asText())));
                packet.get("rows").forEach(row -> keys.add(String.join("|", key.stream().map(i -> row.get(i).asText()).toList())));
            }
            assertThat(keys).as("keys of the parked rows of " + table.getKey() + ": every row routed to ClickHouse, nothing else")
                    .containsExactlyInAnyOrderElementsOf(table.getValue());
        }
        assertThat(parkedRows).isEqualTo(sample.rows() - sample.instrumentRows() - sample.archiveRows());

        server.restart();
        assertThat(databaseExists()).as("nothing reached ClickHouse during the outage").isFalse();
        Installation.Run replay = fanout("dlq", "replay", "--no-progress", "--topology", "phase-3.yaml");

        assertThat(replay.code()).as(replay.output()).isZero();
        assertThat(replay.out()).as(replay.output())
                .contains(String.format("%,d rows committed in %d packets; 0 packets (0 rows) not fully committed", parkedRows, parkedPackets));
        Examples.assertMatches(expected, stored());
        Installation.Run after = fanout("dlq", "list", "--topology", "phase-3.yaml");
        assertThat(after.code()).as(after.output()).isZero();
        assertThat(after.out().lines().filter(l -> l.matches("(trades|quotes_us|quotes_eu|bars|instruments) .*")))
                .as("tables still parked after the replay\n" + after.output()).isEmpty();
    }

    /**
     * What the sample's input files hold, read here as text (CSV split at commas, NDJSON by Jackson)
     * and placed as phase-3.yaml routes it: per table the keys of the rows bound for ClickHouse (one
     * entry per input row, repeats included) and the packets carrying them (one per input file).
     * Not derived from {@link Examples#phase3}: that places the deduplicated rows (one per key), while the
     * dead-letter queue holds every input row (the quotes files repeat symbols), so the routing is restated here per row.
     */
    private record Sample(long rows, long instrumentRows, long archiveRows, int archivePackets,
                          Map<String, List<String>> clickHouseKeys, Map<String, Integer> clickHousePackets) {

        static Sample of(List<Path> inputs) throws IOException {
            long rows = 0;
            long instruments = 0;
            long archive = 0;
            int archivePackets = 0;
            Map<String, List<String>> keys = new TreeMap<>();
            Map<String, Integer> packets = new TreeMap<>();
            ObjectMapper json = new ObjectMapper();
            for (Path input : inputs) {
                String file = input.getFileName().toString();
                String table = file.substring(0, file.indexOf('.'));
                List<String> lines = Files.readAllLines(input).stream().filter(l -> !l.isBlank()).toList();
                List<String> bound = new ArrayList<>();
                if (file.endsWith(".ndjson")) {
                    for (String line : lines) {
                        bound.add(json.readTree(line).get("symbol").asText());
                    }
                    rows += lines.size();
                } else {
                    List<String> header = Arrays.asList(lines.get(0).split(","));
                    List<String[]> data = lines.subList(1, lines.size()).stream()
                            .map(l -> Arrays.stream(l.split(",", -1)).map(c -> c.replace("\"", "")).toArray(String[]::new)).toList();
                    rows += data.size();
                    switch (table) {
                        case "instruments" -> instruments += data.size();
                        case "trades" -> data.forEach(d -> bound.add(d[header.indexOf("trade_id")]));
                        case "bars" -> {
                            int archived = 0;
                            for (String[] d : data) {
                                String day = d[header.indexOf("day")];
                                if (LocalDate.parse(day).isBefore(ARCHIVE_BEFORE)) {
                                    archived++;
                                } else {
                                    bound.add(d[header.indexOf("symbol")] + "|" + day);
                                }
                            }
                            archive += archived;
                            archivePackets += archived > 0 ? 1 : 0;
                        }
                        default -> throw new AssertionError("an input file phase-3.yaml has no route for: " + input);
                    }
                }
                if (!bound.isEmpty()) {
                    keys.computeIfAbsent(table, t -> new ArrayList<>()).addAll(bound);
                    packets.merge(table, 1, Integer::sum);
                }
            }
            assertThat(keys.keySet()).as("tables of the sample bound for ClickHouse").containsExactly("bars", "quotes_eu", "quotes_us", "trades");
            return new Sample(rows, instruments, archive, archivePackets, keys, packets);
        }
    }
}
