package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.writer.clickhouse.ClickHouseCluster;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fanout bench --rows 20000 --rounds 1 --clickhouse … --clickhouse-cluster …} from the unpacked
 * tarball against a real ClickHouse server and a real 2-shard, 2-replica cluster (ZooKeeper and four
 * servers): the cluster cases report the 20,000 rows beside the single server's, each ratio is its
 * rows/s over the one-server dispatcher's, and the bench's tables and databases are gone from every
 * server afterwards. Figures are checked for consistency, never against a speed.
 */
class BenchClickHouseClusterTest {

    private static final Pattern CASE = Pattern.compile(
            "^(\\([a-i]\\) .+?)\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+(\\d+\\.\\d\\d)x$");
    private static final String SINGLE = "(i) dispatcher -> 1 ClickHouse server, 1 lane (reference)";
    private static final String CLUSTER = "(i) dispatcher -> ClickHouse cluster, 2 shards, a lane each";
    private static final String SPLIT = "(i) routing alone: ShardRouter splits rows by shard, no writes";

    private static Installation installation;
    private static ClickHouseServer server;
    private static ClickHouseCluster cluster;

    @TempDir
    Path work;

    @BeforeAll
    static void start() throws Exception {
        installation = Installation.unpack();
        server = ClickHouseServer.start();
        cluster = ClickHouseCluster.start();
    }

    @AfterAll
    static void stop() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    /** One row of the bench's table: rows, median rows/s, ratio to its reference. */
    private record Case(long rows, long median, double ratio) {
    }

    @Test
    void theClusterCasesRunBesideTheSingleServerAndEveryBenchTableIsDroppedAfterwards() throws Exception {
        String single = "ch://127.0.0.1:" + server.httpPort() + "/bench_single";
        String clusterUri = "ch://127.0.0.1:" + cluster.server(1).httpPort() + "/bench_cluster";
        String replicas = cluster.servers().subList(1, 4).stream().map(s -> "127.0.0.1:" + s.httpPort()).collect(Collectors.joining(","));

        Installation.Run r = installation.fanout(work, SampleWork.environment(server), "bench", "--rows", "20000", "--rounds", "1",
                "--clickhouse", single, "--clickhouse-native-port", Integer.toString(server.tcpPort()),
                "--clickhouse-cluster", clusterUri, "--clickhouse-cluster-replicas", replicas);

        assertThat(r.code()).as(r.output()).isZero();
        String version = SampleWork.scalar(server, "SELECT version()");
        assertThat(r.out()).as(r.output()).contains("  ClickHouse " + SampleWork.scalar(cluster.server(1), "SELECT version()")
                        + " cluster fanout_cluster at " + clusterUri + ": shard 1 127.0.0.1:" + cluster.server(1).httpPort() + " and 127.0.0.1:"
                        + cluster.server(2).httpPort() + ", shard 2 127.0.0.1:" + cluster.server(3).httpPort() + " and 127.0.0.1:"
                        + cluster.server(4).httpPort() + "\n")
                .contains("  ClickHouse " + version + " at " + single).contains("  round 1 of 1 done\n")
                .contains("(i) against the one-server (i)");
        Map<String, Case> cases = new LinkedHashMap<>();
        for (String line : r.out().lines().toList()) {
            Matcher m = CASE.matcher(line);
            if (m.matches()) {
                cases.put(m.group(1), new Case(Installation.number(m.group(2)), Installation.number(m.group(3)),
                        Double.parseDouble(m.group(6))));
            }
        }
        assertThat(cases.keySet()).as(r.output()).contains("(d) ClickHouse writer upsert, fresh keys",
                "(e) clickhouse-client INSERT FORMAT TSV (reference)", SINGLE, CLUSTER, SPLIT);
        for (String name : new String[] {SINGLE, CLUSTER, SPLIT}) {
            Case c = cases.get(name);
            assertThat(c.rows()).as("rows of " + name).isEqualTo(20_000);
            assertThat(c.median()).as("rows/s of " + name).isPositive();
            assertThat(c.ratio()).as(name + " against " + SINGLE)
                    .isCloseTo((double) c.median() / cases.get(SINGLE).median(), Offset.offset(0.0051));
        }
        for (ClickHouseServer s : cluster.servers()) {
            assertThat(SampleWork.scalar(s, "SELECT count() FROM system.databases WHERE name = 'bench_cluster'"))
                    .as("the bench created database bench_cluster on %s and drops it", s).isEqualTo("0");
        }
        assertThat(SampleWork.scalar(server, "SELECT count() FROM system.databases WHERE name = 'bench_single'"))
                .as("the bench created database bench_single and drops it").isEqualTo("0");
    }
}
