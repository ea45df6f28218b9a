package dev.fanout.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fanout show} after the main job (the shipped input through {@code examples/phase-2.yaml}, real
 * DuckDB files): the rows {@link Examples#expectation} holds, in primary-key order, across the two
 * files bars is split over, in each format; a locked destination is named and exits 2.
 */
class ShowCommandTest {

    @TempDir
    Path work;

    private Path mainJob() throws Exception {
        Path topology = work.resolve("phase-2.yaml");
        Files.copy(Examples.DIR.resolve("phase-2.yaml"), topology);
        List<String> args = new ArrayList<>(List.of("ingest", "--no-progress", "--topology", topology.toString()));
        Examples.inputs("day1", "day2").forEach(p -> args.add(p.toString()));
        CliRun ingest = fanout(args.toArray(String[]::new));
        assertThat(ingest.code()).as(ingest.err()).isEqualTo(0);
        return topology;
    }

    /** The expected keys of {@code table}, every file together, in key order (ASCII symbols and ids: String order is byte order). */
    static List<String> expectedKeys(Examples.Tables expected, String table) {
        List<String> keys = new ArrayList<>();
        for (Map<String, Map<List<Object>, Map<String, Object>>> file : expected.values()) {
            file.getOrDefault(table, Map.of()).keySet().forEach(k -> keys.add(String.join("|", k.stream().map(String::valueOf).toList())));
        }
        keys.sort(Comparator.naturalOrder());
        return keys;
    }

    @Test
    void limitPrintsTheFirstRowsByKeyAsATable() throws Exception {
        Path topology = mainJob();
        Examples.Tables expected = Examples.expectation(Examples.inputs("day1", "day2"));

        CliRun run = fanout("show", "--topology", topology.toString(), "--table", "trades", "--limit", "5");

        assertThat(run.code()).as(run.err()).isEqualTo(0);
        List<String> lines = run.out().lines().toList();
        assertThat(lines.get(0)).startsWith("trade_id").contains("updated_at").doesNotContain("_fanout_version");
        assertThat(lines.subList(2, 7).stream().map(l -> l.split(" +")[0]).toList())
                .isEqualTo(expectedKeys(expected, "trades").subList(0, 5));
        assertThat(lines.get(7)).isEqualTo("5 rows");
        assertThat(lines).hasSize(8);
    }

    @Test
    void csvOfATableSplitAcrossTwoFilesIsEveryRowInKeyOrder() throws Exception {
        Path topology = mainJob();
        Examples.Tables expected = Examples.expectation(Examples.inputs("day1", "day2"));

        CliRun run = fanout("show", "--topology", topology.toString(), "--table", "bars", "--format", "csv");

        assertThat(run.code()).as(run.err()).isEqualTo(0);
        List<String> lines = run.out().lines().toList();
        List<String> header = List.of(lines.get(0).split(","));
        assertThat(header).startsWith("symbol", "day");
        List<String> keys = lines.subList(1, lines.size()).stream().map(l -> String.join("|", List.of(l.split(",")).subList(0, 2))).toList();
        assertThat(keys).isEqualTo(expectedKeys(expected, "bars"));
        assertThat(expected.get("bars_2025.duckdb").get("bars")).as("the sample splits bars").isNotEmpty();
        assertThat(expected.get("bars.duckdb").get("bars")).isNotEmpty();
    }

    @Test
    void ndjsonIsOneObjectPerRowWithTheStoredValues() throws Exception {
        Path topology = mainJob();
        Examples.Tables expected = Examples.expectation(Examples.inputs("day1", "day2"));
        Map<List<Object>, Map<String, Object>> quotes = expected.get("quotes.duckdb").get("quotes_us");

        CliRun run = fanout("show", "--topology", topology.toString(), "--table", "quotes_us", "--format", "ndjson", "--limit", "100");

        assertThat(run.code()).as(run.err()).isEqualTo(0);
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(quotes.size());
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode row = json.readTree(line);
            Map<String, Object> want = quotes.get(List.of(row.get("symbol").asText()));
            assertThat(want).as(line).isNotNull();
            assertThat(row.get("bid").isNumber()).isTrue();
            assertThat(row.get("bid").asDouble()).isEqualTo((Double) want.get("bid"));
            assertThat(row.get("ask_size").asLong()).isEqualTo((Long) want.get("ask_size"));
        }
    }

    @Test
    void aLockedDestinationIsNamedAndTheExitIs2() throws Exception {
        Path topology = mainJob();
        try (DuckDbLockHolder holder = DuckDbLockHolder.start(work.resolve("data/trades.duckdb"))) {
            CliRun run = fanout("show", "--topology", topology.toString(), "--table", "trades");
            assertThat(run.code()).isEqualTo(2);
            assertThat(run.err()).contains("cannot show table trades: destination trades_db")
                    .contains("locked by another process (PID " + holder.pid() + ")");
        }
    }

    @Test
    void aTableNothingStoresSaysSo() throws Exception {
        Path topology = mainJob();
        CliRun run = fanout("show", "--topology", topology.toString(), "--table", "nothing_here");
        assertThat(run.code()).as(run.err()).isEqualTo(0);
        assertThat(run.out()).isEqualTo("no rows of nothing_here are stored" + System.lineSeparator());
    }
}
