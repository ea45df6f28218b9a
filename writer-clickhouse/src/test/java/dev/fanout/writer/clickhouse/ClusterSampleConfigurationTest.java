package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Without a cluster: the sample cluster configuration users start from, examples/clickhouse-cluster/config.d/cluster.xml,
 * is the template the tests' cluster and scripts/clickhouse run with, filled for host ch1 of four
 * hosts: what the harness proves of the template holds for the sample. And a machine without
 * ZooKeeper fails the cluster tests saying what to install, rather than skipping them.
 */
class ClusterSampleConfigurationTest {

    private static final Path SAMPLE = Path.of("..", "examples", "clickhouse-cluster", "config.d", "cluster.xml").toAbsolutePath().normalize();

    @Test
    void theSampleIsTheTemplateFilledForTheFirstOfFourHosts() throws IOException {
        Map<String, String> values = new HashMap<>(Map.of("CH_CLUSTER", ClickHouseCluster.NAME, "CH_SHARD", "1", "CH_REPLICA", "r1",
                "CH_INTERSERVER_HOST", "ch1.example.internal", "CH_INTERSERVER_PORT", "9009",
                "CH_ZOOKEEPER_HOST", "zk1.example.internal", "CH_ZOOKEEPER_PORT", "2181"));
        for (int n = 1; n <= 4; n++) {
            values.put("CH_HOST_" + n, "ch" + n + ".example.internal");
            values.put("CH_TCP_PORT_" + n, "9000");
        }

        assertThat(Files.readString(SAMPLE)).as("%s: regenerate it from scripts/clickhouse-config/cluster.xml with these values", SAMPLE)
                .isEqualTo(ClickHouseServer.fill("cluster.xml", values));
    }

    @Test
    void withoutZooKeeperTheClusterRefusesToStartNamingThePackage() {
        assertThatThrownBy(() -> ClickHouseCluster.zookeeperJar("/nonexistent/zookeeper.jar")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ZooKeeper was not found").hasMessageContaining("apt-get install zookeeper")
                .hasMessageContaining("scripts/install-clickhouse");
    }
}
