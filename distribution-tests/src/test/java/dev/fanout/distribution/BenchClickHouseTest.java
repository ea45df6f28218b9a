package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.writer.clickhouse.ClickHouseServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fanout bench --rows 20000 --rounds 1 --clickhouse …} from the unpacked tarball against a
 * real ClickHouse server: every case reports the 20,000 rows with consistent figures, the ClickHouse
 * writer's ratio is its rows/s over clickhouse-client's, and the bench's database is gone afterwards.
 * The locked-destination cases run too: the bench's lock holder starts on the installation's class
 * path ({@code lib/*}) and is gone when the bench has ended.
 * Figures are checked for consistency, never against a speed.
 */
class BenchClickHouseTest {

    private static final Pattern CASE = Pattern.compile(
            "^(\\([a-h]\\) .+?)\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+(\\d+\\.\\d\\d)x$");

    private static final Pattern LOCK_HOLDER = Pattern.compile("\\(h\\) the third destination's file .+ is held by process (\\d+)");
    private static final String HEALTHY_CASE = "(h) dispatcher, 3 tables -> 3 DuckDB files, all healthy (reference)";
    private static final String LOCKED_CASE = "(h) dispatcher, 3 tables -> 3 DuckDB files, third locked: the two healthy";

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

    /** One row of the bench's table: rows, median, min and max rows/s, ratio to its reference. */
    private record Case(long rows, long median, long min, long max, double ratio) {
    }

    @Test
    void bothClickHouseCasesRunBesideTheDuckDbCasesAndTheBenchDatabaseIsDroppedAfterwards() throws Exception {
        String uri = "ch://127.0.0.1:" + server.httpPort() + "/bench";

        Installation.Run r = installation.fanout(work, SampleWork.environment(server), "bench", "--rows", "20000", "--rounds", "1",
                "--clickhouse", uri, "--clickhouse-native-port", Integer.toString(server.tcpPort()));

        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.out()).as(r.output()).contains("  ClickHouse " + SampleWork.scalar(server, "SELECT version()") + " at " + uri
                + ", clickhouse-client on native port " + server.tcpPort() + "\n").contains("  round 1 of 1 done\n");
        Map<String, Case> cases = new LinkedHashMap<>();
        for (String line : r.out().lines().toList()) {
            Matcher m = CASE.matcher(line);
            if (m.matches()) {
                cases.put(m.group(1), new Case(Installation.number(m.group(2)), Installation.number(m.group(3)), Installation.number(m.group(4)), Installation.number(m.group(5)),
                        Double.parseDouble(m.group(6))));
            }
        }
        assertThat(cases.keySet()).as(r.output()).contains("(d) ClickHouse writer upsert, fresh keys",
                "(e) clickhouse-client INSERT FORMAT TSV (reference)", "(a) DuckDB Appender, no constraints (reference)");
        cases.forEach((name, c) -> {
            assertThat(c.rows()).as("rows of " + name).isEqualTo(20_000);
            assertThat(c.median()).as("rows/s of " + name).isPositive();
            assertThat(List.of(c.min(), c.median(), c.max())).as("min, median and max of one round of " + name)
                    .containsOnly(c.median());
        });
        Case writer = cases.get("(d) ClickHouse writer upsert, fresh keys");
        Case reference = cases.get("(e) clickhouse-client INSERT FORMAT TSV (reference)");
        assertThat(reference.ratio()).isEqualTo(1.00);
        assertThat(writer.ratio()).as("(d) against (e)").isCloseTo((double) writer.median() / reference.median(),
                org.assertj.core.data.Offset.offset(0.0051));
        assertThat(cases.keySet()).as(r.output()).contains(HEALTHY_CASE, LOCKED_CASE);
        assertThat(cases.get(HEALTHY_CASE).ratio()).isEqualTo(1.00);
        assertThat(cases.get(LOCKED_CASE).ratio()).as("(h) locked against (h) all healthy")
                .isCloseTo((double) cases.get(LOCKED_CASE).median() / cases.get(HEALTHY_CASE).median(), org.assertj.core.data.Offset.offset(0.0051));
        Matcher holder = LOCK_HOLDER.matcher(r.out());
        assertThat(holder.find()).as(r.output()).isTrue();
        long pid = Long.parseLong(holder.group(1));
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("the lock holder %d after the bench", pid).isEmpty();
        assertThat(SampleWork.scalar(server, "SELECT count() FROM system.databases WHERE name = 'bench'"))
                .as("the bench created database bench and drops it").isEqualTo("0");
    }
}
