package dev.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.TreeMap;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The main job: the shipped examples through the phase-2 topology, checked file by file and row by
 * row against {@link Examples#expectation}; then the same files again, which must change nothing.
 */
class ExamplesEndToEndTest {

    @TempDir
    Path work;

    @Test
    void phase2IngestMatchesIndependentExpectationAndReingestChangesNothing() throws Exception {
        Path topology = work.resolve("phase-2.yaml");
        Files.copy(Examples.DIR.resolve("phase-2.yaml"), topology);
        List<Path> inputs = Examples.inputs("day1", "day2");

        CliRun first = ingest(topology, inputs);
        assertThat(first.code()).isEqualTo(0);
        Examples.Tables actual = Examples.readAll(work.resolve("data"));
        Examples.assertMatches(Examples.expectation(inputs), actual);

        CliRun again = ingest(topology, inputs);
        assertThat(again.code()).isEqualTo(0);
        assertThat(Examples.readAll(work.resolve("data")))
                .as("every table after ingesting the same files again, _fanout_version included").isEqualTo(actual);
    }

    @Test
    void theSummaryCountsWhatEachDestinationReceivedAppliedAndSkippedAndReplaysApplyNothing() throws Exception {
        Path topology = work.resolve("phase-2.yaml");
        Files.copy(Examples.DIR.resolve("phase-2.yaml"), topology);
        List<Path> inputs = Examples.inputs("day1", "day2");

        CliRun first = ingest(topology, inputs);
        assertThat(first.code()).isEqualTo(0);
        Map<String, List<String>> summary = summary(first.out());
        Set<String> coalesced = new TreeSet<>();
        summary.forEach((d, cells) -> {
            if (count(cells.get(BATCHES)) < count(cells.get(PACKETS))) {
                coalesced.add(d);
            }
        });
        Map<String, long[]> expected = Examples.counts(inputs, coalesced);
        assertThat(summary.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        Examples.Tables stored = Examples.readAll(work.resolve("data"));
        Map<String, String> files = Map.of("trades_db", "trades.duckdb", "quotes_db", "quotes.duckdb", "bars_db", "bars.duckdb",
                "bars_archive", "bars_2025.duckdb", "main_db", "main.duckdb");
        expected.forEach((d, c) -> {
            List<String> cells = summary.get(d);
            String what = d + " (packets of one table in one batch: " + coalesced.contains(d) + ") in\n" + first.out();
            assertThat(count(cells.get(RECEIVED))).as("received by " + what).isEqualTo(c[0]);
            assertThat(count(cells.get(APPLIED))).as("applied by " + what).isEqualTo(c[1]);
            assertThat(count(cells.get(SKIPPED))).as("skipped by " + what).isEqualTo(c[0] - c[1]);
            long rows = stored.get(files.get(d)).values().stream().mapToLong(Map::size).sum();
            assertThat(rows).as("rows stored by " + d + ": each inserted once, so at most those applied").isLessThanOrEqualTo(c[1]);
        });
        assertThat(summary.get("trades_db").subList(RECEIVED, SKIPPED + 1)).as(first.out())
                .isEqualTo(coalesced.contains("trades_db") ? List.of("2,350", "2,100", "250") : List.of("2,350", "2,300", "50"));
        assertThat(stored.get("trades.duckdb").get("trades")).hasSize(2_100);

        CliRun again = ingest(topology, inputs);
        assertThat(again.code()).isEqualTo(0);
        summary(again.out()).forEach((d, cells) -> {
            assertThat(cells.get(APPLIED)).as("applied by " + d + " from the same files again, in\n" + again.out()).isEqualTo("0");
            assertThat(cells.get(SKIPPED)).as("skipped by " + d + " from the same files again").isEqualTo(cells.get(RECEIVED));
        });
    }

    private static final int RECEIVED = 1;
    private static final int APPLIED = 2;
    private static final int SKIPPED = 3;
    private static final int PACKETS = 4;
    private static final int BATCHES = 5;

    /** The summary table's rows by destination: the cells after the destination, from {@code state} on. */
    private static Map<String, List<String>> summary(String out) {
        List<String> lines = out.lines().toList();
        int header = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("destination ")) {
                header = i;
            }
        }
        assertThat(header).as("the summary table in\n" + out).isNotNegative();
        assertThat(lines.get(header).split("\\s+")).startsWith("destination", "state", "received", "applied", "skipped", "packets",
                "batches");
        Map<String, List<String>> rows = new TreeMap<>();
        for (String line : lines.subList(header + 2, lines.size())) {
            if (line.isBlank()) {
                break;
            }
            List<String> cells = List.of(line.strip().split("\\s+"));
            rows.put(cells.get(0), cells.subList(1, cells.size()));
        }
        return rows;
    }

    private static long count(String cell) {
        return Long.parseLong(cell.replace(",", ""));
    }

    private static CliRun ingest(Path topology, List<Path> inputs) {
        List<String> args = new ArrayList<>(List.of("ingest", "--no-progress", "--topology", topology.toString()));
        inputs.forEach(p -> args.add(p.toString()));
        CliRun run = fanout(args.toArray(String[]::new));
        assertThat(run.err()).as("stderr").doesNotContain("Exception");
        assertThat(run.out()).contains("trades_db", "quotes_db", "bars_db", "bars_archive", "main_db");
        return run;
    }
}
