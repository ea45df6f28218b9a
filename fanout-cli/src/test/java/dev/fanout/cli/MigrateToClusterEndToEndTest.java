package dev.fanout.cli;

import dev.fanout.writer.clickhouse.ClickHouseCluster;
import dev.fanout.writer.clickhouse.ClickHouseClusterExtension;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static dev.fanout.cli.CliRun.fanout;
import static dev.fanout.cli.MigrateEndToEndTest.line;
import static dev.fanout.cli.Phase3EndToEndTest.ingest;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fanout migrate} from phase 4 (one real clickhouse-server) to phase 5 (a real cluster of 2
 * shards x 2 replicas, {@code examples/phase-5-cluster.yaml}): the moves stream through the cluster
 * destination's own writer, which puts every row into its key's shard (never {@code INSERT … SELECT}
 * into the {@code Distributed} table, which 18.16 forwards asynchronously); verification reads the
 * cluster through the {@code Distributed} tables with {@code FINAL}. The tables equal
 * {@link Examples#expectation} row by row, each shard holds a disjoint non-empty part on both its
 * replicas, each row where the {@code Distributed} table's sharding expression puts it
 * ({@link ClusterPlacement}), a rerun only verifies, a key another client inserts through the {@code Distributed} table
 * lands on the shard where fanout put it, and {@code --delete-source} empties the source only after
 * verifying.
 */
@ExtendWith({ClickHouseServerExtension.class, ClickHouseClusterExtension.class})
class MigrateToClusterEndToEndTest {

    @TempDir
    Path work;

    @Test
    void phaseFourToFiveStreamsEveryRowToItsShardAndVerifiesThroughTheDistributedTables(ClickHouseServer server,
                                                                                      ClickHouseCluster cluster) throws Exception {
        String database = "market_to_cluster";
        Path phase4 = Phase3EndToEndTest.shipped("phase-4.yaml", work, server, database);
        Path phase5 = phase5(work, cluster, database);
        List<Path> inputs = Examples.inputs("day1", "day2");
        assertThat(ingest(phase4, inputs).code()).isEqualTo(0);
        Map<String, Map<List<Object>, Map<String, Object>>> expected =
                Examples.phase4(Examples.expectation(inputs)).get(Examples.CLICKHOUSE);

        CliRun plan = fanout("plan", phase4.toString(), phase5.toString());
        assertThat(plan.code()).as(plan.out() + plan.err()).isEqualTo(0);
        for (String table : ClusterPlacement.TABLES) {
            List<String> move = line(plan, table, "all rows");
            assertThat(move.get(6)).as("%s in\n%s", table, plan.out()).isEqualTo("moves (uri changed)");
            assertThat(move.get(7)).as(table).isEqualTo(String.format("%,d", expected.get(table).size()));
        }

        CliRun migrate = fanout("migrate", "--from", phase4.toString(), "--to", phase5.toString());
        assertThat(migrate.code()).as(migrate.out() + migrate.err()).isEqualTo(0);
        assertThat(migrate.out()).contains("5 of 5 moves verified").doesNotContain("inside");
        for (String table : ClusterPlacement.TABLES) {
            assertThat(migrate.out()).contains(String.format("%s (all rows): clickhouse -> clickhouse: %,d rows copied, verified",
                    table, expected.get(table).size()));
            assertThat(line(migrate, table, "all rows").get(12)).isEqualTo("verified");
        }
        // placement first: it synchronizes every replica, so the read through the Distributed tables sees them caught up
        Map<String, List<Set<List<String>>>> shards = ClusterPlacement.assertPlacedAsDistributedPicks(cluster.servers(), database, expected);
        Examples.Tables want = new Examples.Tables();
        want.put(Examples.CLICKHOUSE, expected);
        Examples.Tables got = new Examples.Tables();
        got.put(Examples.CLICKHOUSE, ClusterPlacement.throughDistributed(cluster.server(1), database));
        Examples.assertMatches(want, got);

        CliRun again = fanout("migrate", "--from", phase4.toString(), "--to", phase5.toString());
        assertThat(again.code()).as(again.out() + again.err()).isEqualTo(0);
        assertThat(again.out()).contains("5 of 5 moves verified");
        for (String table : ClusterPlacement.TABLES) {
            assertThat(again.out()).contains(String.format("%s (all rows): clickhouse -> clickhouse: already copied (%,d rows), verified",
                    table, expected.get(table).size()));
            assertThat(line(again, table, "all rows").get(4)).as("copied").isEqualTo("0");
        }

        ClusterPlacement.assertAnotherClientsKeysLandOnFanoutsShards(cluster.servers(), database, shards);

        CliRun delete = fanout("migrate", "--from", phase4.toString(), "--to", phase5.toString(), "--delete-source");
        assertThat(delete.code()).as(delete.out() + delete.err()).isEqualTo(0);
        for (String table : ClusterPlacement.TABLES) {
            assertThat(line(delete, table, "all rows").get(12))
                    .isEqualTo(String.format("verified, %,d deleted at source", expected.get(table).size()));
            assertThat(server.scalar("SELECT count() FROM `" + database + "`.`" + table + "` FINAL")).as("%s at the source", table)
                    .isEqualTo("0");
        }
        assertThat(ClusterPlacement.throughDistributed(cluster.server(1), database).get("trades")).hasSameSizeAs(expected.get("trades"));
    }

    /** {@code examples/phase-5-cluster.yaml} pointed at the test cluster and at {@code database} instead of {@code market}. */
    static Path phase5(Path dir, ClickHouseCluster cluster, String database) throws IOException {
        String yaml = Files.readString(Examples.DIR.resolve("phase-5-cluster.yaml"));
        Map<String, String> shipped = new TreeMap<>(Map.of(
                "\"ch://127.0.0.1:${CH1_HTTP_PORT:-8123}/market\"",
                "\"ch://" + cluster.host() + ":" + cluster.server(1).httpPort() + "/" + database + "\"",
                "\"${CH_CLUSTER:-fanout_cluster}\"", "\"" + ClickHouseCluster.NAME + "\"",
                "\"127.0.0.1:${CH2_HTTP_PORT:-8124},127.0.0.1:${CH3_HTTP_PORT:-8125},127.0.0.1:${CH4_HTTP_PORT:-8126}\"",
                "\"" + cluster.host() + ":" + cluster.server(2).httpPort() + "," + cluster.host() + ":" + cluster.server(3).httpPort()
                        + "," + cluster.host() + ":" + cluster.server(4).httpPort() + "\""));
        for (Map.Entry<String, String> e : shipped.entrySet()) {
            assertThat(yaml).contains(e.getKey());
            yaml = yaml.replace(e.getKey(), e.getValue());
        }
        return Files.writeString(dir.resolve("phase-5-cluster.yaml"), yaml);
    }
}
