package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cluster harness against the real servers, and what ClickHouse 18.16 does in it that the
 * cluster writer relies on (writer-clickhouse/CLUSTER-NOTES.md): DDL ON CLUSTER reaches all four
 * servers, replicas of a shard copy each other's rows, a Distributed table places keys as
 * {@link ShardingHash} computes and reads both shards, FINAL through it deduplicates within a shard
 * only, identical blocks are deduplicated across replicas, and a killed replica catches up on rows
 * and on the DDL queued while it was down. Each test has a database of its own.
 */
@Timeout(300)
@ExtendWith(ClickHouseClusterExtension.class)
class ClickHouseClusterTest {

    private static final String ON_CLUSTER = " ON CLUSTER " + ClickHouseCluster.NAME;

    @Test
    void everyServerKnowsTheClusterAndItsOwnPlaceInIt(ClickHouseCluster cluster) throws IOException {
        for (int n = 1; n <= 4; n++) {
            ClickHouseServer s = cluster.server(n);
            List<String[]> rows = s.rows("SELECT shard_num, shard_weight, replica_num, host_address, port FROM system.clusters WHERE cluster = '"
                    + ClickHouseCluster.NAME + "' ORDER BY shard_num, replica_num");
            assertThat(rows).as("system.clusters on server %d: native ports, not HTTP ones", n).extracting(r -> String.join("/", r)).containsExactly(
                    "1/1/1/127.0.0.1/" + cluster.server(1).tcpPort(), "1/1/2/127.0.0.1/" + cluster.server(2).tcpPort(),
                    "2/1/1/127.0.0.1/" + cluster.server(3).tcpPort(), "2/1/2/127.0.0.1/" + cluster.server(4).tcpPort());
            assertThat(s.scalar("SELECT substitution FROM system.macros WHERE macro = 'shard'")).isEqualTo(Integer.toString(ClickHouseCluster.shardOf(n)));
            assertThat(s.scalar("SELECT substitution FROM system.macros WHERE macro = 'replica'")).isEqualTo("r" + ClickHouseCluster.replicaOf(n));
        }
        assertThat(cluster.replica(2, 1)).isSameAs(cluster.server(3));
    }

    @Test
    void anHttpEndpointIsMatchedToItsSystemClustersRowThroughItsReplicaPathAndZooKeeper(ClickHouseCluster cluster) throws IOException {
        String db = "harness_identity";
        createLocalTable(cluster, db);
        for (int n = 1; n <= 4; n++) {
            String replicaPath = cluster.server(n).scalar("SELECT replica_path FROM system.replicas WHERE database = '" + db + "' AND table = 't_local'");
            String host = cluster.server(1).scalar("SELECT value FROM system.zookeeper WHERE path = '" + replicaPath + "' AND name = 'host'");

            assertThat(replicaPath).isEqualTo("/clickhouse/tables/" + ClickHouseCluster.shardOf(n) + "/" + db + "/t_local/replicas/r"
                    + ClickHouseCluster.replicaOf(n));
            assertThat(host).as("the host node of server %d's replica", n).contains("host: 127.0.0.1\n")
                    .contains("tcp_port: " + cluster.server(n).tcpPort() + "\n");
        }
    }

    @Test
    void createOnClusterReachesAllServersAndReplicasCopyRows(ClickHouseCluster cluster) throws IOException {
        String db = "harness_replication";
        createLocalTable(cluster, db);
        for (ClickHouseServer s : cluster.servers()) {
            assertThat(s.scalar("SELECT count() FROM system.tables WHERE database = '" + db + "' AND name = 't_local'")).as(s.toString()).isEqualTo("1");
        }

        cluster.replica(1, 1).query("INSERT INTO " + db + ".t_local VALUES (1, 'a', 1)");
        cluster.replica(2, 2).query("INSERT INTO " + db + ".t_local VALUES (2, 'b', 1)");
        syncReplicas(cluster, db + ".t_local");

        assertThat(ids(cluster.replica(1, 2), db + ".t_local")).containsExactly(1L);
        assertThat(ids(cluster.replica(2, 1), db + ".t_local")).containsExactly(2L);
    }

    @Test
    void aDistributedTablePutsEachKeyOnTheShardShardingHashPicksAndReadsBothShards(ClickHouseCluster cluster) throws IOException {
        String db = "harness_sharding";
        createLocalTable(cluster, db);
        createDistributedTable(cluster, db);
        StringBuilder values = new StringBuilder();
        List<Set<Long>> expected = List.of(new TreeSet<>(), new TreeSet<>());
        for (long id = -150; id < 150; id++) {
            values.append(values.isEmpty() ? "" : ",").append('(').append(id).append(", 'v', 1)");
            expected.get(ShardingHash.shard(ShardingHash.intHash64(id), 1, 1)).add(id);
        }

        cluster.server(2).query("INSERT INTO " + db + ".t VALUES " + values, Map.of("insert_distributed_sync", "1"));
        syncReplicas(cluster, db + ".t_local");

        assertThat(expected).allSatisfy(ids -> assertThat(ids).hasSizeGreaterThan(100));
        for (int n = 1; n <= 4; n++) {
            assertThat(ids(cluster.server(n), db + ".t_local")).as("the local table of server %d (shard %d)", n, ClickHouseCluster.shardOf(n))
                    .containsExactlyElementsOf(expected.get(ClickHouseCluster.shardOf(n) - 1));
            assertThat(cluster.server(n).scalar("SELECT count() FROM " + db + ".t")).isEqualTo("300");
        }
    }

    @Test
    void aCompoundKeyPlacedByTheCombinedHashAndWeightedShardsFollowShardingHash(ClickHouseCluster cluster) throws Exception {
        String db = "harness_weights";
        cluster.server(1).query("DROP DATABASE IF EXISTS " + db + ON_CLUSTER);
        cluster.server(1).query("CREATE DATABASE " + db + ON_CLUSTER);
        cluster.server(1).query("CREATE TABLE " + db + ".k_local" + ON_CLUSTER + " (s String, x Int64, _fanout_version UInt64) "
                + "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/" + db + "/k_local', '{replica}', _fanout_version) ORDER BY (s, x)");
        cluster.server(1).query("CREATE TABLE " + db + ".k" + ON_CLUSTER + " AS " + db + ".k_local ENGINE = Distributed(" + ClickHouseCluster.NAME
                + ", " + db + ", k_local, intHash64(bitXor(sipHash64(s), intHash64(intHash64(toUInt64(x))))))");
        // A second cluster over the same servers, shard 2 weighing 2, added to every server's configuration while it runs.
        String weighted = "<yandex><remote_servers><fanout_weighted>"
                + "<shard><weight>1</weight><internal_replication>true</internal_replication>" + replicas(cluster, 1, 2) + "</shard>"
                + "<shard><weight>2</weight><internal_replication>true</internal_replication>" + replicas(cluster, 3, 4) + "</shard>"
                + "</fanout_weighted></remote_servers></yandex>\n";
        for (ClickHouseServer s : cluster.servers()) {
            Files.writeString(s.home().resolve("config.d/weighted.xml"), weighted);
        }
        try {
            for (ClickHouseServer s : cluster.servers()) {
                await("server reloads its configuration with the cluster fanout_weighted",
                        () -> s.scalar("SELECT count() FROM system.clusters WHERE cluster = 'fanout_weighted' AND shard_weight = 2").equals("2"));
            }
            cluster.server(1).query("CREATE TABLE " + db + ".w AS " + db + ".k_local ENGINE = Distributed(fanout_weighted, " + db + ", k_local, x)");
            StringBuilder compound = new StringBuilder();
            StringBuilder byWeight = new StringBuilder();
            List<Set<String>> expected = List.of(new TreeSet<>(), new TreeSet<>());
            String[] strings = {"", "a", "Zürich", "東京", "long".repeat(30)};
            for (int i = 0; i < 200; i++) {
                String str = strings[i % strings.length] + i;
                long x = i * 7_777_777_777L - 500_000_000_000L;
                compound.append(compound.isEmpty() ? "" : ",").append("('").append(str).append("', ").append(x).append(", 1)");
                expected.get(ShardingHash.shard(ShardingHash.combine(ShardingHash.sipHash64(str), ShardingHash.intHash64(x)), 1, 1)).add(str + "|" + x);
                long w = i - 100;
                byWeight.append(byWeight.isEmpty() ? "" : ",").append("('w', ").append(w).append(", 1)");
                expected.get(ShardingHash.shard(w, 1, 2)).add("w|" + w);
            }
            cluster.server(1).query("INSERT INTO " + db + ".k VALUES " + compound, Map.of("insert_distributed_sync", "1"));
            cluster.server(1).query("INSERT INTO " + db + ".w VALUES " + byWeight, Map.of("insert_distributed_sync", "1"));
            syncReplicas(cluster, db + ".k_local");

            for (int shard = 1; shard <= 2; shard++) {
                Set<String> stored = new TreeSet<>();
                for (String[] r : cluster.replica(shard, 2).rows("SELECT s, x FROM " + db + ".k_local")) {
                    stored.add(r[0] + "|" + r[1]);
                }
                assertThat(stored).as("shard %d: the compound key by combine(sipHash64(s), intHash64(x)), and x by weights 1, 2", shard)
                        .isEqualTo(expected.get(shard - 1));
            }
        } finally {
            for (ClickHouseServer s : cluster.servers()) {
                Files.deleteIfExists(s.home().resolve("config.d/weighted.xml"));
            }
        }
    }

    @Test
    void finalThroughTheDistributedTableKeepsTheLatestVersionWithinEachShardButNotAcrossShards(ClickHouseCluster cluster) throws IOException {
        String db = "harness_final";
        createLocalTable(cluster, db);
        createDistributedTable(cluster, db);
        Map<String, String> sync = Map.of("insert_distributed_sync", "1");
        cluster.server(1).query("INSERT INTO " + db + ".t VALUES (1, 'one', 1), (2, 'two', 1), (3, 'three', 1), (4, 'four', 1)", sync);
        cluster.server(3).query("INSERT INTO " + db + ".t VALUES (1, 'one-v2', 2), (2, 'two-v2', 2), (3, 'three-v0', 0)", sync);
        // A key written to both shards' local tables, as no sharding expression would put it.
        cluster.replica(1, 1).query("INSERT INTO " + db + ".t_local VALUES (99, 'on shard 1', 5)");
        cluster.replica(2, 1).query("INSERT INTO " + db + ".t_local VALUES (99, 'on shard 2', 6)");
        syncReplicas(cluster, db + ".t_local");

        for (ClickHouseServer s : cluster.servers()) {
            assertThat(s.rows("SELECT id, v, _fanout_version FROM " + db + ".t FINAL WHERE id < 99 ORDER BY id")).as(s.toString())
                    .extracting(r -> String.join("|", r)).containsExactly("1|one-v2|2", "2|two-v2|2", "3|three|1", "4|four|1");
            assertThat(s.rows("SELECT v FROM " + db + ".t FINAL WHERE id = 99 ORDER BY v")).as("FINAL does not merge across shards")
                    .extracting(r -> r[0]).containsExactly("on shard 1", "on shard 2");
        }
    }

    @Test
    void anIdenticalBlockIsDeduplicatedOnEitherReplicaUnlessInsertDeduplicateIsOff(ClickHouseCluster cluster) throws IOException {
        String db = "harness_dedup";
        createLocalTable(cluster, db);
        // Deduplication is ReplicatedMergeTree's; a table without replacing shows the rows a merge would otherwise fold.
        cluster.server(1).query("CREATE TABLE " + db + ".plain_local" + ON_CLUSTER + " (id Int64, v String) "
                + "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/" + db + "/plain_local', '{replica}') ORDER BY id");
        for (String table : List.of("t_local", "plain_local")) {
            String version = table.equals("t_local") ? ", 1" : "";
            String block = "INSERT INTO " + db + "." + table + " VALUES (1, 'a'" + version + "), (2, 'b'" + version + ")";
            String reordered = "INSERT INTO " + db + "." + table + " VALUES (2, 'b'" + version + "), (1, 'a'" + version + ")";
            cluster.replica(1, 1).query(block);
            cluster.replica(1, 1).query(block);
            cluster.replica(1, 2).query(block);
            cluster.replica(1, 2).query(reordered);
        }
        syncReplicas(cluster, db + ".plain_local");

        assertThat(cluster.replica(1, 1).scalar("SELECT count() FROM " + db + ".plain_local")).as("one block kept, the same rows reordered too")
                .isEqualTo("2");
        assertThat(cluster.replica(1, 2).scalar("SELECT count() FROM " + db + ".plain_local")).isEqualTo("2");
        assertThat(cluster.replica(1, 2).scalar("SELECT count() FROM " + db + ".t_local")).isEqualTo("2");

        cluster.replica(1, 1).query("INSERT INTO " + db + ".plain_local VALUES (1, 'a'), (2, 'b')", Map.of("insert_deduplicate", "0"));
        assertThat(cluster.replica(1, 1).scalar("SELECT count() FROM " + db + ".plain_local")).isEqualTo("4");
    }

    @Test
    void addColumnOnClusterWorksOnTheReplicatedTablesButNotOnTheDistributedOneWhichEachServerAltersItself(ClickHouseCluster cluster)
            throws IOException {
        String db = "harness_alter";
        createLocalTable(cluster, db);
        createDistributedTable(cluster, db);

        cluster.server(1).query("ALTER TABLE " + db + ".t_local" + ON_CLUSTER + " ADD COLUMN w Nullable(String)");
        IOException distributed = catchThrowableOfType(IOException.class,
                () -> cluster.server(1).query("ALTER TABLE " + db + ".t" + ON_CLUSTER + " ADD COLUMN w Nullable(String)"));
        IOException ifNotExists = catchThrowableOfType(IOException.class,
                () -> cluster.server(1).query("ALTER TABLE " + db + ".t_local ADD COLUMN IF NOT EXISTS w Nullable(String)"));
        IOException again = catchThrowableOfType(IOException.class,
                () -> cluster.server(1).query("ALTER TABLE " + db + ".t_local" + ON_CLUSTER + " ADD COLUMN w Nullable(String)"));
        for (ClickHouseServer s : cluster.servers()) {
            s.query("ALTER TABLE " + db + ".t ADD COLUMN w Nullable(String)");
        }
        cluster.server(2).query("INSERT INTO " + db + ".t (id, v, w, _fanout_version) VALUES (1, 'a', 'w1', 1)", Map.of("insert_distributed_sync", "1"));
        syncReplicas(cluster, db + ".t_local");

        for (ClickHouseServer s : cluster.servers()) {
            assertThat(s.scalar("SELECT type FROM system.columns WHERE database = '" + db + "' AND table = 't_local' AND name = 'w'"))
                    .isEqualTo("Nullable(String)");
            assertThat(s.rows("SELECT id, w FROM " + db + ".t FINAL")).extracting(r -> r[0] + "|" + r[1]).containsExactly("1|w1");
        }
        assertThat(distributed).isNotNull();
        assertThat(distributed.getMessage()).contains("Code: 371").contains("isn't replicated, but shard #").contains("is replicated according to its cluster definition");
        assertThat(ifNotExists).isNotNull();
        assertThat(ifNotExists.getMessage()).as("18.16 has no ADD COLUMN IF NOT EXISTS").contains("Syntax error");
        assertThat(again).isNotNull();
        assertThat(again.getMessage()).contains("Code: 44").contains("column with this name already exists");
    }

    @Test
    void aKilledReplicaCatchesUpOnRowsAndOnDdlQueuedWhileItWasDown(ClickHouseCluster cluster) throws Exception {
        String db = "harness_catch_up";
        createLocalTable(cluster, db);
        createDistributedTable(cluster, db);
        cluster.kill(4);
        try {
            assertThat(cluster.server(4).isRunning()).isFalse();
            cluster.replica(2, 1).query("INSERT INTO " + db + ".t_local VALUES (7, 'while r2 was down', 1)");
            IOException ddl = catchThrowableOfType(IOException.class, () -> cluster.server(1).query("CREATE TABLE " + db + ".later_local" + ON_CLUSTER
                    + " (id Int64) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/" + db + "/later_local', '{replica}') ORDER BY id",
                    Map.of("distributed_ddl_task_timeout", "3")));
            assertThat(ddl).as("ON CLUSTER with a host down fails after distributed_ddl_task_timeout").isNotNull();
            assertThat(ddl.getMessage()).contains("Code: 159").contains("distributed_ddl_task_timeout").contains("unfinished hosts");
            for (int n = 1; n <= 3; n++) {
                ClickHouseServer live = cluster.server(n);
                await("the live server " + n + " runs it",
                        () -> live.scalar("SELECT count() FROM system.tables WHERE database = '" + db + "' AND name = 'later_local'").equals("1"));
            }
            assertThat(ids(cluster.server(1), db + ".t")).as("reads through the Distributed table fail over to the live replica").containsExactly(7L);
        } finally {
            cluster.restart(4);
        }
        ClickHouseServer restarted = cluster.server(4);
        await("the restarted server runs the CREATE queued while it was down",
                () -> restarted.scalar("SELECT count() FROM system.tables WHERE database = '" + db + "' AND name = 'later_local'").equals("1"));
        // a server killed and restarted replicates once ZooKeeper has expired its old session: until then SYNC REPLICA is no
        // proof that it has caught up
        await("the restarted replica fetches the row inserted while it was down", () -> {
            restarted.query("SYSTEM SYNC REPLICA " + db + ".t_local");
            return ids(restarted, db + ".t_local").equals(List.of(7L));
        });
    }

    @Test
    void withZooKeeperDownReplicasServeReadsRefuseInsertsAndDdlAndWriteAgainOnceItIsBack(ClickHouseCluster cluster) throws Exception {
        String db = "harness_zookeeper";
        createLocalTable(cluster, db);
        cluster.replica(1, 1).query("INSERT INTO " + db + ".t_local VALUES (1, 'before', 1)");
        cluster.killZooKeeper();
        try {
            IOException insert = catchThrowableOfType(IOException.class,
                    () -> cluster.replica(1, 1).query("INSERT INTO " + db + ".t_local VALUES (2, 'during', 1)"));
            IOException ddl = catchThrowableOfType(IOException.class,
                    () -> cluster.server(1).query("DROP DATABASE IF EXISTS harness_nothing" + ON_CLUSTER));

            assertThat(insert).isNotNull();
            assertThat(insert.getMessage()).containsAnyOf("Code: 225", "Code: 242", "Code: 999");
            assertThat(ddl).isNotNull();
            assertThat(ddl.getMessage()).contains("Code: 999");
            assertThat(ids(cluster.replica(1, 1), db + ".t_local")).as("reads go on").containsExactly(1L);
            assertThat(cluster.servers()).allSatisfy(s -> assertThat(s.isRunning()).as(s.toString()).isTrue());
        } finally {
            cluster.restartZooKeeper();
        }
        await("an insert succeeds again once ZooKeeper is back", () -> {
            try {
                cluster.replica(1, 1).query("INSERT INTO " + db + ".t_local VALUES (3, 'after', 1)");
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        await("ON CLUSTER DDL succeeds again", () -> {
            try {
                cluster.server(1).query("DROP DATABASE IF EXISTS harness_nothing" + ON_CLUSTER, Map.of("distributed_ddl_task_timeout", "10"));
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        for (ClickHouseServer s : cluster.servers()) {
            await("every replicated table of " + s + " writable again, for the tests that follow",
                    () -> s.scalar("SELECT count() FROM system.replicas WHERE is_readonly OR is_session_expired").equals("0"));
        }
        cluster.replica(1, 2).query("SYSTEM SYNC REPLICA " + db + ".t_local");
        assertThat(ids(cluster.replica(1, 2), db + ".t_local")).containsExactly(1L, 3L);
    }

    private static String replicas(ClickHouseCluster cluster, int... servers) {
        StringBuilder b = new StringBuilder();
        for (int n : servers) {
            b.append("<replica><host>").append(cluster.host()).append("</host><port>").append(cluster.server(n).tcpPort()).append("</port></replica>");
        }
        return b.toString();
    }

    private static void createLocalTable(ClickHouseCluster cluster, String db) throws IOException {
        cluster.server(1).query("DROP DATABASE IF EXISTS " + db + ON_CLUSTER);
        cluster.server(1).query("CREATE DATABASE " + db + ON_CLUSTER);
        cluster.server(1).query("CREATE TABLE " + db + ".t_local" + ON_CLUSTER + " (id Int64, v String, _fanout_version UInt64) "
                + "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/" + db + "/t_local', '{replica}', _fanout_version) ORDER BY id");
    }

    private static void createDistributedTable(ClickHouseCluster cluster, String db) throws IOException {
        cluster.server(1).query("CREATE TABLE " + db + ".t" + ON_CLUSTER + " AS " + db + ".t_local ENGINE = Distributed(" + ClickHouseCluster.NAME
                + ", " + db + ", t_local, intHash64(id))");
    }

    /** Waits until every replica has fetched what the others have: reads through Distributed may otherwise hit one behind. */
    private static void syncReplicas(ClickHouseCluster cluster, String table) throws IOException {
        for (ClickHouseServer s : cluster.servers()) {
            s.query("SYSTEM SYNC REPLICA " + table);
        }
    }

    private static List<Long> ids(ClickHouseServer server, String table) throws IOException {
        List<Long> ids = new ArrayList<>();
        for (String[] r : server.rows("SELECT id FROM " + table + " ORDER BY id")) {
            ids.add(Long.parseLong(r[0]));
        }
        return ids;
    }

    private static void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 120 s: " + what);
            }
            Thread.sleep(200);
        }
    }
}
