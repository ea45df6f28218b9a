package dev.fanout.cli;

import dev.fanout.writer.clickhouse.ClickHouseCluster;
import dev.fanout.writer.clickhouse.ClickHouseClusterExtension;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.util.stream.Collectors;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code fanout bench --clickhouse-cluster}: the up-front checks, and one short run on a real cluster beside a real server. */
@ExtendWith({ClickHouseServerExtension.class, ClickHouseClusterExtension.class})
class ClusterBenchTest {

    private static String replicas(ClickHouseCluster cluster) {
        return cluster.servers().subList(1, 4).stream().map(s -> s.host() + ":" + s.httpPort()).collect(Collectors.joining(","));
    }

    @Test
    void aClusterWithoutTheSingleServerIsAUsageErrorBeforeAnyCaseRuns() {
        CliRun r = fanout("bench", "--rows", "10", "--clickhouse-cluster", "ch://127.0.0.1:8123/bench");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--clickhouse-cluster needs --clickhouse");
        assertThat(r.out()).doesNotContain("round");
    }

    @Test
    void aShortRunReportsTheClusterBesideOneServerAndLeavesNothingBehind(ClickHouseServer server, ClickHouseCluster cluster) throws IOException {
        ClickHouseServer first = cluster.server(1);
        CliRun r = fanout("bench", "--rows", "3000", "--batch-rows", "1000", "--rounds", "1",
                "--clickhouse", server.uri("fanout_bench_single"), "--clickhouse-native-port", String.valueOf(server.tcpPort()),
                "--clickhouse-cluster", first.uri("fanout_bench_cluster"), "--clickhouse-cluster-replicas", replicas(cluster));
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("cluster fanout_cluster at " + first.uri("fanout_bench_cluster") + ": shard 1 ")
                .containsPattern("\\(i\\) dispatcher -> 1 ClickHouse server, 1 lane \\(reference\\) +3,000 .* 1\\.00x")
                .containsPattern("\\(i\\) dispatcher -> ClickHouse cluster, 2 shards, a lane each +3,000 ")
                .containsPattern("\\(i\\) routing alone: ShardRouter splits rows by shard, no writes +3,000 ")
                .contains("(i) against the one-server (i)");
        for (ClickHouseServer s : cluster.servers()) {
            assertThat(s.scalar("SELECT count() FROM system.databases WHERE name = 'fanout_bench_cluster'")).as(s.toString()).isEqualTo("0");
        }
        assertThat(server.scalar("SELECT count() FROM system.databases WHERE name = 'fanout_bench_single'")).isEqualTo("0");
    }

    @Test
    void aReplicaHoldingTheLocalTableIsRefusedAndKept(ClickHouseServer server, ClickHouseCluster cluster) throws IOException {
        ClickHouseServer fourth = cluster.server(4);
        fourth.query("CREATE DATABASE IF NOT EXISTS users_cluster_db");
        fourth.query("CREATE TABLE IF NOT EXISTS users_cluster_db.trades_local (id Int64) ENGINE = MergeTree ORDER BY id");
        try {
            CliRun r = fanout("bench", "--rows", "10", "--clickhouse", server.uri("fanout_bench_single"),
                    "--clickhouse-native-port", String.valueOf(server.tcpPort()),
                    "--clickhouse-cluster", cluster.server(1).uri("users_cluster_db"), "--clickhouse-cluster-replicas", replicas(cluster));
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("users_cluster_db.trades_local").contains(fourth.host() + ":" + fourth.httpPort())
                    .contains("another database");
            assertThat(r.out()).doesNotContain("round");
            assertThat(fourth.scalar("EXISTS TABLE users_cluster_db.trades_local")).isEqualTo("1");
        } finally {
            fourth.query("DROP DATABASE users_cluster_db");
        }
    }
}
