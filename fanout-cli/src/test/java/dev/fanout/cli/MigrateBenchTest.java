package dev.fanout.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code fanout bench} measures the migrate path next to DuckDB's own copy, each run verified. */
class MigrateBenchTest {

    @Test
    void benchReportsTheMigrateCasesAgainstDuckDbsOwnCopy() {
        CliRun run = fanout("bench", "--rows", "20000", "--batch-rows", "5000", "--rounds", "1");
        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(0);
        List<String> reference = run.out().lines().filter(l -> l.startsWith(MigrateBench.REFERENCE_CASE)).toList();
        assertThat(reference).singleElement().satisfies(l -> assertThat(l).contains("20,000").endsWith("1.00x"));
        assertThat(run.out().lines().filter(l -> l.startsWith("(g) migrate"))).hasSize(2)
                .allSatisfy(l -> assertThat(l).contains("20,000").matches(".*[0-9]\\.[0-9]{2}x$"));
        assertThat(run.out()).contains("(f) and (g) against (f)");
    }
}
