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
 * {@code fanout bench migrate-memory --rows 200000} from the unpacked tarball, with the heap capped as
 * its help suggests: the DuckDB move verified all 200,000 rows inside DuckDB, its peak resident set
 * (VmHWM) is reported against the budget with a verdict that follows from it, and the temporary
 * directory is gone afterwards. Figures are checked for consistency, never against a speed or a size.
 */
class BenchMigrateMemoryTest {

    private static final Pattern HEADER = Pattern.compile(
            "^fanout bench migrate-memory: 200,000 trade rows, batches of 50,000 rows, key ranges of 1,000,000 rows; "
                    + "DuckDB memory_limit DuckDB's default; max heap ([\\d,]+) MiB; budget 512 MiB; files in (\\S+)$", Pattern.MULTILINE);
    private static final Pattern ROW = Pattern.compile("^DuckDB -> DuckDB, inside DuckDB\\s+IN_ENGINE\\s+200,000\\s+(\\d+\\.\\d)"
            + "\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+(?:copy|verification|close)\\s+([\\d,]+)\\s+([\\d,]+)$", Pattern.MULTILINE);
    private static final Pattern BUDGET = Pattern.compile(
            "^DuckDB -> DuckDB, inside DuckDB: peak RSS ([\\d,]+) MiB (within|OVER) the 512 MiB budget$", Pattern.MULTILINE);

    private static Installation installation;

    @TempDir
    Path work;

    @BeforeAll
    static void unpack() throws Exception {
        installation = Installation.unpack();
    }

    @Test
    void theDuckDbMoveVerifiesAndItsPeakIsReportedAgainstTheBudget() throws Exception {
        Installation.Run r = installation.fanout(work, Map.of("FANOUT_JAVA_OPTS", "-Xmx256m"),
                "bench", "migrate-memory", "--rows", "200000");

        assertThat(r.code()).as(r.output()).isZero();
        Matcher header = HEADER.matcher(r.out());
        assertThat(header.find()).as(r.output()).isTrue();
        assertThat(Installation.number(header.group(1))).as("max heap under -Xmx256m").isPositive().isLessThanOrEqualTo(256);
        assertThat(r.out()).as(r.output()).contains("  source file written: 200,000 rows in ")
                .doesNotContain("could not be reset").doesNotContain("FAILED");
        Matcher row = ROW.matcher(r.out());
        assertThat(row.find()).as(r.output()).isTrue();
        long start = Installation.number(row.group(3));
        long peak = Installation.number(row.group(4));
        long sampled = Installation.number(row.group(5));
        long heap = Installation.number(row.group(6));
        assertThat(Installation.number(row.group(2))).as("rows/s").isPositive();
        // Linux folds a thread's resident-page counts into the process's every 64 page faults, so the
        // kernel's figures read at different moments may differ by up to 64 pages a thread
        long slack = 16;
        assertThat(peak).as("peak RSS").isPositive().isGreaterThanOrEqualTo(start - slack).isGreaterThanOrEqualTo(sampled - slack);
        assertThat(heap).as("peak heap used").isLessThanOrEqualTo(Installation.number(header.group(1)));
        Matcher budget = BUDGET.matcher(r.out());
        assertThat(budget.find()).as(r.output()).isTrue();
        assertThat(Installation.number(budget.group(1))).isEqualTo(peak);
        assertThat(budget.group(2)).isEqualTo(peak <= 512 ? "within" : "OVER");
        assertThat(Path.of(header.group(2))).as("the bench's temporary directory").doesNotExist();
    }
}
