package dev.fanout.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fanout bench} measures the two healthy destinations of three with the third's file held by a
 * real second process, against all three healthy, and ends that process.
 */
class LockedDestinationBenchTest {

    private static final Pattern HOLDER = Pattern.compile("\\(h\\) the third destination's file .*locked\\.duckdb is held by process (\\d+)");

    @Test
    void benchReportsTheHealthyDestinationsBesideALockedOneAndEndsTheHolder() {
        CliRun run = fanout("bench", "--rows", "6000", "--batch-rows", "1000", "--rounds", "1");

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(0);
        Matcher holder = HOLDER.matcher(run.out());
        assertThat(holder.find()).as(run.out()).isTrue();
        long pid = Long.parseLong(holder.group(1));
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("the holder process %d after the bench", pid).isEmpty();
        assertThat(run.console()).as("the third destination's open error").contains("is locked by another process (PID " + pid + ")");
        List<String> reference = run.out().lines().filter(l -> l.startsWith(LockedDestinationBench.REFERENCE_CASE)).toList();
        assertThat(reference).singleElement().satisfies(l -> assertThat(l).matches(".* 6,000 +[0-9,]+ .* 1\\.00x$"));
        List<String> locked = run.out().lines().filter(l -> l.startsWith(LockedDestinationBench.LOCKED_CASE)).toList();
        assertThat(locked).singleElement().satisfies(l -> assertThat(l).matches(".* 6,000 +[0-9,]+ .* [0-9]+\\.[0-9]{2}x$"));
        assertThat(run.out()).contains("(h) against the all-healthy (h)");
    }
}
