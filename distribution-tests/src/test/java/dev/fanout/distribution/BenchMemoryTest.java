package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fanout bench memory} from the unpacked tarball, small: both generated tables are committed
 * whole to their DuckDB files while one stalls, and the peak resident set is reported with a verdict
 * that follows from it. Figures are checked for consistency, never against a speed or a size.
 */
class BenchMemoryTest {

    private static final Pattern ROW = Pattern.compile("^(hot|cold)\\s+20,000\\s+[\\d,]+\\s", Pattern.MULTILINE);
    private static final Pattern PEAK = Pattern.compile(
            "^peak RSS \\(VmHWM\\) ([\\d,]+) MiB, highest RSS sampled ([\\d,]+) MiB, peak heap used [\\d,]+ MiB of max ([\\d,]+) MiB$",
            Pattern.MULTILINE);
    private static final Pattern VERDICT = Pattern.compile("^peak RSS (within|OVER) the 512 MiB budget$", Pattern.MULTILINE);

    private static Installation installation;

    @TempDir
    Path work;

    @BeforeAll
    static void unpack() throws Exception {
        installation = Installation.unpack();
    }

    @Test
    void bothTablesAreCommittedWhileOneDestinationStallsAndThePeakIsReported() throws Exception {
        Installation.Run r = installation.fanout(work, Map.of("FANOUT_JAVA_OPTS", "-Xmx256m"),
                "bench", "memory", "--rows", "40000", "--packet-rows", "1000", "--stall", "200ms", "--stall-after", "5000");

        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.out()).as(r.output()).contains("fanout bench memory: 40,000 rows (20,000 per table) in packets of 1,000")
                .contains("40,000 rows in ").contains("; not committed: 0;");
        Matcher rows = ROW.matcher(r.out());
        assertThat(rows.find()).as(r.output()).isTrue();
        assertThat(rows.find()).as(r.output()).isTrue();
        Matcher peak = PEAK.matcher(r.out());
        assertThat(peak.find()).as(r.output()).isTrue();
        assertThat(Installation.number(peak.group(1))).isPositive();
        assertThat(Installation.number(peak.group(3))).as("max heap under -Xmx256m").isLessThanOrEqualTo(256);
        Matcher verdict = VERDICT.matcher(r.out());
        assertThat(verdict.find()).as(r.output()).isTrue();
        assertThat(verdict.group(1)).isEqualTo(Installation.number(peak.group(1)) < 512 ? "within" : "OVER");
    }
}
