package dev.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fanout tables} after the main job (the shipped input through {@code examples/phase-2.yaml}):
 * every table at every destination holds the rows {@link Examples#expectation} says it must; with one
 * destination's file locked by another process the others still print, that one says why, exit 2.
 */
class TablesCommandTest {

    /** phase-2.yaml's destinations and the files they write. */
    private static final Map<String, String> FILES = Map.of("trades_db", "trades.duckdb", "quotes_db", "quotes.duckdb",
            "bars_db", "bars.duckdb", "bars_archive", "bars_2025.duckdb", "main_db", "main.duckdb");

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

    /** The printed table as {@code "table destination"} → rows cell, checking each part is printed once. */
    static Map<String, String> cells(String out) {
        Map<String, String> cells = new LinkedHashMap<>();
        List<String> lines = out.lines().toList();
        assertThat(lines.get(0)).matches("table\\s+part\\s+destination\\s+rows");
        for (String line : lines.subList(2, lines.size())) {
            if (line.isBlank()) {
                break;
            }
            String[] c = line.split(" {2,}");
            assertThat(c).as(line).hasSize(4);
            cells.merge(c[0] + " " + c[2], c[3], (a, b) -> a + " + " + b);
        }
        return cells;
    }

    @Test
    void afterTheMainJobEachDestinationHoldsTheExpectedRows() throws Exception {
        Path topology = mainJob();
        Examples.Tables expected = Examples.expectation(Examples.inputs("day1", "day2"));

        CliRun run = fanout("tables", "--topology", topology.toString());

        assertThat(run.code()).as(run.err()).isEqualTo(0);
        assertThat(run.err()).isEmpty();
        Map<String, String> cells = cells(run.out());
        Map<String, String> want = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<String, String> d : FILES.entrySet()) {
            for (var t : expected.getOrDefault(d.getValue(), Map.of()).entrySet()) {
                want.put(t.getKey() + " " + d.getKey(), String.format("%,d", t.getValue().size()));
                total += t.getValue().size();
            }
        }
        assertThat(cells).containsAllEntriesOf(want);
        assertThat(cells.get("trades trades_db")).isEqualTo(String.format("%,d", expected.get("trades.duckdb").get("trades").size()));
        assertThat(cells.entrySet()).as("parts the expectation does not hold are empty")
                .filteredOn(e -> !want.containsKey(e.getKey())).allMatch(e -> e.getValue().equals("0"));
        assertThat(run.out()).contains(String.format("%,d rows", total));
        assertThat(run.out()).containsPattern("bars +day < 2026-01-01 +bars_archive");
    }

    @Test
    void aLockedDestinationIsNamedTheOthersStillPrintAndTheExitIs2() throws Exception {
        Path topology = mainJob();
        Examples.Tables expected = Examples.expectation(Examples.inputs("day1", "day2"));
        Path trades = work.resolve("data/trades.duckdb");

        CliRun run;
        try (DuckDbLockHolder holder = DuckDbLockHolder.start(trades)) {
            run = fanout("tables", "--topology", topology.toString());
            assertThat(run.err()).contains("destination trades_db").contains("locked by another process (PID " + holder.pid() + ")");
        }

        assertThat(run.code()).isEqualTo(2);
        Map<String, String> cells = cells(run.out());
        assertThat(cells.get("trades trades_db")).isEqualTo("unavailable");
        assertThat(cells.get("quotes_us quotes_db")).isEqualTo(String.format("%,d", expected.get("quotes.duckdb").get("quotes_us").size()));
        assertThat(run.out()).contains("(1 destination could not be read)");
    }

    @Test
    void aDestinationWhosePluginCannotReadIsNamedAndTheOthersCount() throws Exception {
        Path topology = mainJob();
        Examples.Tables expected = Examples.expectation(Examples.inputs("day1", "day2"));
        Path unreadable = Files.writeString(work.resolve("unreadable.yaml"), Files.readString(topology)
                .replace("duckdb:${FANOUT_DATA_DIR:-data}/trades.duckdb", "flaky:${FANOUT_DATA_DIR:-data}/trades.duckdb"));

        CliRun run = fanout("tables", "--topology", unreadable.toString());

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err().lines()).containsExactly("destination trades_db (flaky) cannot be read, so fanout cannot show what it stores");
        Map<String, String> cells = cells(run.out());
        assertThat(cells.get("trades trades_db")).isEqualTo("unavailable");
        assertThat(cells.get("instruments main_db")).isEqualTo(String.format("%,d", expected.get("main.duckdb").get("instruments").size()));
    }

    @Test
    void anInvalidTopologyIsAUsageError() throws Exception {
        Path topology = work.resolve("bad.yaml");
        Files.writeString(topology, "version: 1\ndestinations: {}\n");
        CliRun run = fanout("tables", "--topology", topology.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("bad.yaml");
    }
}
