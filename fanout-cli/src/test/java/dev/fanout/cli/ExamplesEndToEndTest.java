package dev.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

        assertThat(ingest(topology, inputs)).isEqualTo(0);
        Examples.Tables actual = Examples.readAll(work.resolve("data"));
        Examples.assertMatches(Examples.expectation(inputs), actual);

        assertThat(ingest(topology, inputs)).isEqualTo(0);
        assertThat(Examples.readAll(work.resolve("data")))
                .as("every table after ingesting the same files again, _fanout_version included").isEqualTo(actual);
    }

    private static int ingest(Path topology, List<Path> inputs) {
        List<String> args = new ArrayList<>(List.of("ingest", "--no-progress", "--topology", topology.toString()));
        inputs.forEach(p -> args.add(p.toString()));
        CliRun run = fanout(args.toArray(String[]::new));
        assertThat(run.err()).as("stderr").doesNotContain("Exception");
        assertThat(run.out()).contains("trades_db", "quotes_db", "bars_db", "bars_archive", "main_db");
        return run.code();
    }
}
