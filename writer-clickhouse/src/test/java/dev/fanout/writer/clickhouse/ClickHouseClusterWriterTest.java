package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.ShardLayout;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cluster destination against a real 2-shard × 2-replica cluster: the layout, the tables ON
 * CLUSTER, rows on their shard only (and where a Distributed insert by another client puts them),
 * failover between replicas, a shard with no replica left, reading through the Distributed tables.
 * Each test writes a database of its own.
 */
@Timeout(600)
@ExtendWith(ClickHouseClusterExtension.class)
class ClickHouseClusterWriterTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final Schema TRADES = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("symbol", LogicalType.STRING),
            Column.of("price", LogicalType.FLOAT64)), List.of("id"));

    private final ClickHouseWriterProvider provider = new ClickHouseWriterProvider();
    private final ClickHouseCluster cluster;
    private String database;

    ClickHouseClusterWriterTest(ClickHouseCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeEach
    void freshDatabase() {
        database = "cluster_writer_" + DATABASES.incrementAndGet();
    }

    /** The cluster through server {@code first}'s endpoint and the other three in the option replicas. */
    static Destination clusterDestination(ClickHouseCluster cluster, String database, int first, Map<String, String> extra) {
        List<String> others = new ArrayList<>();
        for (int n = 1; n <= 4; n++) {
            if (n != first) {
                others.add(cluster.host() + ":" + cluster.server(n).httpPort());
            }
        }
        Map<String, String> options = new HashMap<>(extra);
        options.putIfAbsent("cluster", ClickHouseCluster.NAME);
        options.putIfAbsent("replicas", String.join(",", others));
        return new Destination("market", "ch://" + cluster.host() + ":" + cluster.server(first).httpPort() + "/" + database, options,
                Path.of("."), Set.of("password"));
    }

    private Destination clusterDestination() {
        return clusterDestination(cluster, database, 1, Map.of());
    }

    private static WriteBatch trades(long version, long from, long to) {
        FramePacket.Builder b = FramePacket.builder("trades", TRADES).version(version);
        for (long id = from; id < to; id++) {
            b.addRow(id, "S" + id + "-v" + version, id * 0.5);
        }
        return WriteBatch.of(b.build());
    }

    /** {@code batch} cut by the layout's sharding: one batch (or null) per shard. */
    private static List<WriteBatch> split(ShardLayout layout, WriteBatch batch) {
        List<WriteBatch> parts = new ArrayList<>();
        FramePacket p = batch.packets().get(0);
        int[] shards = layout.sharding().shardsOf(p);
        for (int s = 0; s < layout.shards().size(); s++) {
            final int shard = s;
            int[] rows = java.util.stream.IntStream.range(0, shards.length).filter(r -> shards[r] == shard).toArray();
            parts.add(rows.length == 0 ? null : WriteBatch.of(p.selectRows(rows)));
        }
        return parts;
    }

    private static List<Long> keysOf(WriteBatch batch) {
        List<Long> keys = new ArrayList<>();
        if (batch != null) {
            FramePacket p = batch.packets().get(0);
            for (int r = 0; r < p.rowCount(); r++) {
                keys.add((Long) p.value(r, 0));
            }
        }
        keys.sort(null);
        return keys;
    }

    private List<Long> ids(int server, String table) throws Exception {
        return cluster.server(server).rows("SELECT id FROM `" + database + "`.`" + table + "` ORDER BY id").stream()
                .map(r -> Long.parseLong(r[0])).toList();
    }

    private void syncReplicas(String table) throws Exception {
        for (ClickHouseServer s : cluster.servers()) {
            s.query("SYSTEM SYNC REPLICA `" + database + "`.`" + table + "`");
        }
    }

    /**
     * Waits until server {@code caughtUp}'s {@code table} holds, after FINAL, the keys of server
     * {@code reference}'s, synchronizing both each round, and asserts it. A server killed and
     * restarted replicates only once ZooKeeper has expired its old session (30-40 s on 18.16), and
     * SYNC REPLICA before that may return before it has caught up; a table a server's DDL queue has
     * just created is listed before it has loaded its queue.
     */
    private void assertCatchesUp(int caughtUp, int reference, String table, String description) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        List<Long> expected;
        List<Long> got;
        do {
            for (int server : List.of(reference, caughtUp)) {
                cluster.server(server).query("SYSTEM SYNC REPLICA `" + database + "`.`" + table + "`");
            }
            expected = finalIds(reference, table);
            got = finalIds(caughtUp, table);
            if (!expected.isEmpty() && got.equals(expected)) {
                return;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        assertThat(got).as(description + " within 120 s").isNotEmpty().isEqualTo(expected);
    }

    private List<Long> finalIds(int server, String table) throws Exception {
        return cluster.server(server).rows("SELECT id FROM `" + database + "`.`" + table + "` FINAL ORDER BY id").stream()
                .map(r -> Long.parseLong(r[0])).toList();
    }

    @Test
    void theLayoutListsTheShardsInOrderWithTheirReplicasEndpoints() throws Exception {
        ShardLayout layout = provider.shardLayout(clusterDestination(cluster, database, 3, Map.of())).orElseThrow();
        assertThat(layout.shards()).extracting(ShardLayout.Shard::name).containsExactly("shard1", "shard2");
        for (int s = 1; s <= 2; s++) {
            Destination shard = layout.shards().get(s - 1).destination();
            assertThat(ClickHouseDestination.problems(shard)).isEmpty();
            assertThat(provider.validate(shard)).as("as a topology's destination, naming one shard is refused").hasSize(2);
            assertThat(shard.name()).isEqualTo("market@shard" + s);
            ClickHouseDestination d = ClickHouseDestination.of(shard);
            assertThat(d.shard()).isEqualTo(s);
            assertThat(d.cluster()).isEqualTo(ClickHouseCluster.NAME);
            assertThat(d.database()).isEqualTo(database);
            assertThat(d.shardEndpoints()).extracting(ClickHouseDestination.Endpoint::port)
                    .containsExactly(cluster.replica(s, 1).httpPort(), cluster.replica(s, 2).httpPort());
            assertThat(provider.shardLayout(shard)).as("a shard is one target").isEmpty();
        }
    }

    @Test
    void aReplicaWithoutEndpointOrAnUnknownClusterIsRefusedNamingWhatToFix() {
        Destination threeOfFour = clusterDestination(cluster, database, 1, Map.of("replicas",
                cluster.host() + ":" + cluster.server(2).httpPort() + "," + cluster.host() + ":" + cluster.server(3).httpPort()));
        WriteException missing = catchThrowableOfType(WriteException.class, () -> provider.shardLayout(threeOfFour));
        assertThat(missing.retryable()).isFalse();
        assertThat(missing.getMessage()).contains("destination market", "shard 2 replica 2 (127.0.0.1:" + cluster.server(4).tcpPort()
                + " in remote_servers)", "add the HTTP(S) endpoint", "option replicas");

        Destination derived = new Destination("market", "ch://127.0.0.1:" + cluster.server(1).httpPort() + "/" + database,
                Map.of("cluster", ClickHouseCluster.NAME), Path.of("."), Set.of());
        WriteException oneHost = catchThrowableOfType(WriteException.class, () -> provider.shardLayout(derived));
        assertThat(oneHost.retryable()).isFalse();
        assertThat(oneHost.getMessage()).as("without replicas, each host_name with the URI's port: here all four share one host")
                .contains("no endpoint of the destination is shard 1 replica 2", "shard 2 replica 1", "shard 2 replica 2", "option replicas");

        Destination unknown = clusterDestination(cluster, database, 1, Map.of("cluster", "no_such_cluster"));
        WriteException e = catchThrowableOfType(WriteException.class, () -> provider.shardLayout(unknown));
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("has no cluster no_such_cluster in its remote_servers");

        String secret = "not-" + cluster.securedPassword();
        Destination wrongPassword = clusterDestination(cluster, database, 1, Map.of("user", ClickHouseServer.SECURED_USER, "password", secret));
        WriteException auth = catchThrowableOfType(WriteException.class, () -> provider.shardLayout(wrongPassword));
        assertThat(auth.retryable()).isFalse();
        assertThat(auth.getMessage()).contains("authentication failed for user " + ClickHouseServer.SECURED_USER).doesNotContain(secret);
    }

    @Test
    void shardWritersCreateTheTablesOnAllFourAndPutEveryRowOnItsShardOnly() throws Exception {
        Destination d = clusterDestination();
        ShardLayout layout = provider.shardLayout(d).orElseThrow();
        WriteBatch batch = trades(1, -300, 300);
        List<WriteBatch> parts = split(layout, batch);
        for (int s = 0; s < 2; s++) {
            try (BaseWriter w = provider.create(layout.shards().get(s).destination())) {
                w.open();
                assertThat(w.writeCounted(parts.get(s)).applied()).hasValue(parts.get(s).rowCount());
            }
        }
        for (int n = 1; n <= 4; n++) {
            assertThat(cluster.server(n).rows("SELECT name, engine FROM system.tables WHERE database = '" + database + "' ORDER BY name"))
                    .as("server %d", n).extracting(r -> r[0] + " " + r[1])
                    .containsExactly("trades Distributed", "trades_local ReplicatedReplacingMergeTree");
        }
        assertThat(cluster.server(2).scalar("SELECT engine_full FROM system.tables WHERE database = '" + database + "' AND name = 'trades'"))
                .contains("intHash64(id)");
        syncReplicas("trades_local");
        Set<Long> all = new TreeSet<>();
        for (int s = 1; s <= 2; s++) {
            List<Long> expected = keysOf(parts.get(s - 1));
            List<Long> first = ids(s == 1 ? 1 : 3, "trades_local");
            assertThat(first).as("shard %d holds its part, non-empty", s).isNotEmpty().containsExactlyElementsOf(expected);
            assertThat(ids(s == 1 ? 2 : 4, "trades_local")).as("both replicas of shard %d are equal", s).isEqualTo(first);
            assertThat(all.addAll(first)).isTrue();
            assertThat(first).doesNotContainAnyElementsOf(s == 1 ? ids(3, "trades_local") : ids(1, "trades_local"));
        }
        assertThat(all).hasSize(600);

        try (BaseWriter w = provider.create(d)) {
            w.open();
            TableReader reader = w.reader().orElseThrow();
            assertThat(reader.tables()).containsExactly("trades");
            assertThat(reader.count("trades", RowFilter.all())).isEqualTo(600);
            assertThat(reader.schema("trades")).contains(TRADES);
        }
    }

    @Test
    void keysAnotherClientInsertsThroughTheDistributedTableLandOnTheShardTheJavaShardingPicks() throws Exception {
        Schema ints = Schema.of(List.of(Column.of("id", LogicalType.INT32), Column.of("v", LogicalType.STRING)), List.of("id"));
        Schema strings = Schema.of(List.of(Column.of("sym", LogicalType.STRING), Column.of("v", LogicalType.STRING)), List.of("sym"));
        Schema compound = Schema.of(List.of(Column.of("sym", LogicalType.STRING), Column.of("seq", LogicalType.INT64),
                Column.of("v", LogicalType.STRING)), List.of("sym", "seq"));
        Destination d = clusterDestination();
        ShardLayout layout = provider.shardLayout(d).orElseThrow();
        FramePacket.Builder a = FramePacket.builder("ints", ints).version(1);
        FramePacket.Builder b = FramePacket.builder("strings", strings).version(1);
        FramePacket.Builder c = FramePacket.builder("compound", compound).version(1);
        StringBuilder intValues = new StringBuilder();
        StringBuilder stringValues = new StringBuilder();
        StringBuilder compoundValues = new StringBuilder();
        String[] words = {"", "é", "日本", "🙂", "abcdefgh", "tab\t", "q'uote"};
        for (int i = 0; i < 200; i++) {
            int id = (i % 2 == 0 ? -1 : 1) * i * 7919;
            String sym = words[i % words.length] + i;
            a.addRow(id, "x");
            b.addRow(sym, "x");
            c.addRow(sym, (long) i - 100, "x");
            intValues.append(i == 0 ? "" : ",").append('(').append(id).append(", 'x', 1)");
            stringValues.append(i == 0 ? "" : ",").append('(').append(ClickHouseSql.literal(sym)).append(", 'x', 1)");
            compoundValues.append(i == 0 ? "" : ",").append('(').append(ClickHouseSql.literal(sym)).append(", ").append(i - 100).append(", 'x', 1)");
        }
        Map<String, FramePacket> packets = Map.of("ints", a.build(), "strings", b.build(), "compound", c.build());
        Map<String, String> values = Map.of("ints", intValues.toString(), "strings", stringValues.toString(), "compound", compoundValues.toString());
        try (BaseWriter w = provider.create(d)) {
            w.open();
            for (FramePacket p : packets.values()) {
                // one row through fanout creates the tables; the rest come from another client
                w.write(WriteBatch.of(p.selectRows(new int[] {0})));
            }
        }
        for (Map.Entry<String, FramePacket> e : packets.entrySet()) {
            String table = e.getKey();
            cluster.server(2).query("INSERT INTO `" + database + "`.`" + table + "` VALUES " + values.get(table),
                    Map.of("insert_distributed_sync", "1"));
            syncReplicas(table + "_local");
            int[] shards = layout.sharding().shardsOf(e.getValue());
            for (int s = 1; s <= 2; s++) {
                long expected = java.util.Arrays.stream(shards).filter(x -> x == 0).count();
                String count = cluster.replica(s, 2).scalar("SELECT count() FROM `" + database + "`.`" + table + "_local` FINAL");
                assertThat(Long.parseLong(count)).as("%s on shard %d", table, s).isEqualTo(s == 1 ? expected : shards.length - expected);
            }
            // every row the other client inserted sits on exactly the shard fanout picked: nothing of a key on the other shard
            String keyColumns = e.getValue().schema().primaryKey().stream().map(ClickHouseSql::quote).collect(Collectors.joining(", "));
            for (int s = 1; s <= 2; s++) {
                List<String[]> rows = cluster.replica(s, 1).rows("SELECT " + keyColumns + " FROM `" + database + "`.`" + table
                        + "_local` FINAL");
                for (String[] r : rows) {
                    int row = rowOf(e.getValue(), r);
                    assertThat(shards[row]).as("%s key %s", table, String.join(",", r)).isEqualTo(s - 1);
                }
            }
        }
    }

    /** The row of {@code p} whose key prints as {@code key}. */
    private static int rowOf(FramePacket p, String[] key) {
        int[] k = p.schema().keyIndexes();
        for (int r = 0; r < p.rowCount(); r++) {
            boolean match = true;
            for (int i = 0; i < k.length; i++) {
                match &= String.valueOf(p.value(r, k[i])).equals(key[i]);
            }
            if (match) {
                return r;
            }
        }
        throw new AssertionError("no row with key " + String.join(",", key));
    }

    @Test
    void aKilledReplicaIsFailedOverAndCatchesUpAfterItsRestart() throws Exception {
        Destination d = clusterDestination();
        ShardLayout layout = provider.shardLayout(d).orElseThrow();
        Destination shard1 = layout.shards().get(0).destination();
        try (BaseWriter w = provider.create(shard1)) {
            w.open();
            w.write(split(layout, trades(1, 0, 200)).get(0));
            cluster.kill(1);
            try {
                List<WriteBatch> second = split(layout, trades(2, 0, 400));
                assertThat(w.writeCounted(second.get(0)).applied()).hasValue(second.get(0).rowCount());
                assertThat(cluster.replica(1, 2).scalar("SELECT count() FROM `" + database + "`.trades_local FINAL"))
                        .isEqualTo(Integer.toString(second.get(0).rowCount() == 0 ? 0 : (int) second.get(0).rowCount()));
            } finally {
                cluster.restart(1);
            }
        }
        assertCatchesUp(1, 2, "trades_local", "the restarted replica caught up");
        assertThat(cluster.server(1).scalar("SELECT countIf(symbol LIKE '%-v2') FROM `" + database + "`.trades_local FINAL"))
                .isEqualTo(cluster.server(1).scalar("SELECT count() FROM `" + database + "`.trades_local FINAL"));
    }

    @Test
    void aShardWithBothReplicasDownFailsRetryablyWhileTheOtherShardCommits() throws Exception {
        Destination d = clusterDestination();
        ShardLayout layout = provider.shardLayout(d).orElseThrow();
        List<WriteBatch> first = split(layout, trades(1, 0, 100));
        try (BaseWriter w1 = provider.create(layout.shards().get(0).destination());
             BaseWriter w2 = provider.create(layout.shards().get(1).destination())) {
            w1.open();
            w2.open();
            w1.write(first.get(0));
            w2.write(first.get(1));
            cluster.kill(3);
            cluster.kill(4);
            try {
                List<WriteBatch> second = split(layout, trades(2, 0, 300));
                WriteException down = catchThrowableOfType(WriteException.class, () -> w2.write(second.get(1)));
                assertThat(down.retryable()).isTrue();
                assertThat(down.getMessage()).contains("destination market@shard2", "shard 2", "no replica of the shard could take it",
                        "127.0.0.1:" + cluster.server(3).httpPort(), "127.0.0.1:" + cluster.server(4).httpPort());
                w1.write(second.get(0));
                assertThat(cluster.replica(1, 1).scalar("SELECT count() FROM `" + database + "`.trades_local FINAL"))
                        .isEqualTo(Long.toString(second.get(0).rowCount()));
            } finally {
                cluster.restart(3);
                cluster.restart(4);
            }
            List<WriteBatch> second = split(layout, trades(2, 0, 300));
            w2.write(second.get(1));
        }
        syncReplicas("trades_local");
        try (BaseWriter w = provider.create(d)) {
            w.open();
            assertThat(w.reader().orElseThrow().count("trades", RowFilter.all())).isEqualTo(300);
        }
    }

    @Test
    void theClusterWriterSplitsBatchesItselfAndReadsBackThroughTheDistributedTablesWithFinal() throws Exception {
        Destination d = clusterDestination(cluster, database, 4, Map.of());
        try (BaseWriter w = provider.create(d)) {
            w.open();
            w.write(trades(1, 0, 500));
            w.write(trades(2, 100, 200));
            w.write(trades(0, 150, 250));
            TableReader reader = w.reader().orElseThrow();
            assertThat(reader.tables()).containsExactly("trades");
            assertThat(reader.count("trades", RowFilter.all())).isEqualTo(500);
            List<Object> keys = new ArrayList<>();
            Map<Long, String> symbols = new TreeMap<>();
            reader.scan("trades", RowFilter.all(), Optional.empty(), 64, packet -> {
                for (int r = 0; r < packet.rowCount(); r++) {
                    keys.add(packet.value(r, 0));
                    symbols.put((Long) packet.value(r, 0), (String) packet.value(r, 1));
                }
                return true;
            });
            assertThat(keys).hasSize(500).isSortedAccordingTo((x, y) -> Long.compare((Long) x, (Long) y));
            assertThat(symbols.get(120L)).isEqualTo("S120-v2");
            assertThat(symbols.get(220L)).as("version 0 is older than 1").isEqualTo("S220-v1");
            assertThat(symbols.get(420L)).isEqualTo("S420-v1");
            assertThat(reader.delete("trades", RowFilter.all())).isEqualTo(500);
            assertThat(reader.count("trades", RowFilter.all())).isZero();
        }
        for (int n = 1; n <= 4; n++) {
            assertThat(cluster.server(n).scalar("SELECT count() FROM `" + database + "`.trades_local")).as("server %d", n).isEqualTo("0");
        }
    }

    @Test
    void aDeleteWithAReplicaDownIsRefusedRetryablyBeforeItStartsAndRunsOnceTheReplicaIsBack() throws Exception {
        Destination d = clusterDestination();
        try (BaseWriter w = provider.create(d)) {
            w.open();
            w.write(trades(1, 0, 300));
            TableReader reader = w.reader().orElseThrow();
            String before = cluster.server(1).scalar("SELECT count() FROM `" + database + "`.trades_local");
            cluster.server(2).stop();
            try {
                assertDeleteRefused(reader, " (not answering: 127.0.0.1:" + cluster.server(2).httpPort() + ")");
                // a writer that learns the layout while the replica is down has no endpoint for it: ZooKeeper's count tells
                try (BaseWriter late = provider.create(d)) {
                    late.open();
                    assertDeleteRefused(late.reader().orElseThrow(), "");
                }
                assertThat(cluster.server(1).scalar("SELECT count() FROM system.processes WHERE query LIKE 'TRUNCATE%'"))
                        .as("no TRUNCATE left waiting for the stopped replica").isEqualTo("0");
                assertThat(cluster.server(1).scalar("SELECT count() FROM `" + database + "`.trades_local")).isEqualTo(before);
            } finally {
                cluster.restart(2);
            }
            assertThat(reader.delete("trades", RowFilter.all())).isEqualTo(300);
            assertThat(reader.count("trades", RowFilter.all())).isZero();
        }
    }

    private void assertDeleteRefused(TableReader reader, String after) {
        assertThatThrownBy(() -> reader.delete("trades", RowFilter.all())).isInstanceOfSatisfying(WriteException.class, e -> {
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).contains("table trades: not deleting rows while a replica is not active: shard 1 has 1 of 2 "
                    + "replicas active" + after).contains("start the replica and run again").doesNotContain("shard 2");
        });
    }

    @Test
    void aTableWhoseNameWouldChangeItsZooKeeperPathIsRefusedBeforeAnyDdl() throws Exception {
        try (BaseWriter w = provider.create(clusterDestination())) {
            w.open();
            for (String table : List.of("t{replica}", "a/b")) {
                WriteBatch batch = WriteBatch.of(FramePacket.builder(table, TRADES).addRow(1L, "S1", 0.5).build());
                assertThatThrownBy(() -> w.write(batch)).isInstanceOfSatisfying(WriteException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("table " + table + " in database " + database
                            + " cannot be replicated on a cluster, as '{', '}' and '/' in a name would change its ZooKeeper path");
                });
            }
        }
        for (int n = 1; n <= 4; n++) {
            assertThat(cluster.server(n).scalar("SELECT count() FROM system.tables WHERE database = '" + database + "'"))
                    .as("server %d", n).isEqualTo("0");
        }
    }

    @Test
    void twoDestinationsNamingOneClusterByDifferentServersHaveOneIdentityPerShard() throws Exception {
        ShardLayout a = provider.shardLayout(clusterDestination(cluster, database, 1, Map.of())).orElseThrow();
        ShardLayout b = provider.shardLayout(clusterDestination(cluster, database, 4, Map.of())).orElseThrow();
        for (int s = 0; s < 2; s++) {
            try (BaseWriter x = provider.create(a.shards().get(s).destination()); BaseWriter y = provider.create(b.shards().get(s).destination())) {
                x.open();
                y.open();
                assertThat(x.targetIdentity()).isPresent().isEqualTo(y.targetIdentity());
                assertThat(x.targetIdentity().orElseThrow()).contains("cluster " + ClickHouseCluster.NAME, "shard " + (s + 1),
                        ":" + cluster.replica(s + 1, 1).tcpPort(), ":" + cluster.replica(s + 1, 2).tcpPort());
            }
        }
    }

    @Test
    void aSingleServerDestinationRefusesTheClusterDistributedTableNamingTheClusterOption() throws Exception {
        try (BaseWriter w = provider.create(clusterDestination())) {
            w.open();
            w.write(trades(1, 0, 10));
        }
        Destination single = Destination.of("single", cluster.server(1).uri(database), Path.of("."));
        try (BaseWriter w = provider.create(single)) {
            w.open();
            WriteException e = catchThrowableOfType(WriteException.class, () -> w.write(trades(2, 0, 10)));
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage()).contains("table trades is a Distributed table", "option cluster");
        }
    }

    @Test
    void schemaEvolutionReachesBothTablesOnAllFourAndTheOtherShardsWriterFollows() throws Exception {
        Schema v1 = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("qty", LogicalType.INT32)), List.of("id"));
        Schema v2 = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("qty", LogicalType.INT64),
                Column.of("flag", LogicalType.BOOLEAN), Column.of("venue", LogicalType.STRING)), List.of("id"));
        ShardLayout layout = provider.shardLayout(clusterDestination()).orElseThrow();
        FramePacket.Builder a = FramePacket.builder("orders", v1).version(1);
        FramePacket.Builder b = FramePacket.builder("orders", v2).version(2);
        for (long id = 0; id < 100; id++) {
            a.addRow(id, (int) id);
            b.addRow(id, id * 1_000_000_000_000L, id % 2 == 0, "X" + id);
        }
        List<WriteBatch> first = split(layout, WriteBatch.of(a.build()));
        List<WriteBatch> second = split(layout, WriteBatch.of(b.build()));
        try (BaseWriter w1 = provider.create(layout.shards().get(0).destination());
             BaseWriter w2 = provider.create(layout.shards().get(1).destination())) {
            w1.open();
            w2.open();
            w1.write(first.get(0));
            w2.write(first.get(1));
            w1.write(second.get(0));
            w2.write(second.get(1));
        }
        for (int n = 1; n <= 4; n++) {
            assertThat(cluster.server(n).rows("SELECT name, type, comment FROM system.columns WHERE database = '" + database
                    + "' AND table = 'orders_local'")).as("local part on server %d: no comments on 18.16", n).extracting(r -> String.join(" ", r))
                    .containsExactly("id Int64 ", "qty Nullable(Int64) ", "_fanout_version Int64 ", "flag Nullable(UInt8) ", "venue Nullable(String) ");
            assertThat(cluster.server(n).rows("SELECT name, type, comment FROM system.columns WHERE database = '" + database
                    + "' AND table = 'orders'")).as("Distributed table on server %d", n).extracting(r -> String.join(" ", r))
                    .containsExactly("id Int64 ", "qty Nullable(Int64) ", "_fanout_version Int64 ", "flag Nullable(UInt8) fanout:boolean",
                            "venue Nullable(String) ");
        }
        try (BaseWriter w = provider.create(clusterDestination())) {
            w.open();
            assertThat(w.reader().orElseThrow().schema("orders")).contains(v2);
        }
        List<Map<String, Object>> rows = ClickHouseTables.rows(cluster.server(3), database, "orders");
        assertThat(rows).hasSize(100).allSatisfy(r -> assertThat(r.get("venue")).isEqualTo("X" + r.get("id")));
    }

    @Test
    void aTableCreatedWhileAServerIsDownIsWrittenAndReachesThatServerWhenItIsBack() throws Exception {
        cluster.kill(4);
        try (BaseWriter w = provider.create(clusterDestination())) {
            w.open();
            w.write(trades(1, 0, 200));
            assertThat(w.reader().orElseThrow().count("trades", RowFilter.all())).isEqualTo(200);
        } finally {
            cluster.restart(4);
        }
        ClickHouseServer back = cluster.server(4);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (back.rows("SELECT 1 FROM system.tables WHERE database = '" + database + "' AND name IN ('trades_local', 'trades')")
                .size() < 2) {
            assertThat(System.nanoTime()).as("server 4 runs the queued CREATEs within 120 s").isLessThan(deadline);
            Thread.sleep(200);
        }
        assertCatchesUp(4, 3, "trades_local", "server 4's replica of the table created while it was down");
        assertThat(back.scalar("SELECT count() FROM `" + database + "`.trades")).isEqualTo("200");
    }

    @Test
    void aReplicaOrAShardDownAtStartIsPlacedByEliminationAndItsShardWriterFailsOverOrFailsRetryably() throws Exception {
        cluster.kill(2);
        try {
            ShardLayout layout = provider.shardLayout(clusterDestination()).orElseThrow();
            assertThat(ClickHouseDestination.of(layout.shards().get(0).destination()).shardEndpoints())
                    .extracting(ClickHouseDestination.Endpoint::port).containsExactly(cluster.server(1).httpPort(), cluster.server(2).httpPort());
            try (BaseWriter w = provider.create(layout.shards().get(0).destination())) {
                w.open();
                WriteBatch part = split(layout, trades(1, 0, 50)).get(0);
                w.write(part);
                assertThat(cluster.server(1).scalar("SELECT count() FROM `" + database + "`.trades_local"))
                        .isEqualTo(Long.toString(part.rowCount()));
            }
        } finally {
            cluster.restart(2);
        }
        cluster.kill(3);
        cluster.kill(4);
        try {
            ShardLayout layout = provider.shardLayout(clusterDestination()).orElseThrow();
            assertThat(ClickHouseDestination.of(layout.shards().get(1).destination()).shardEndpoints())
                    .extracting(ClickHouseDestination.Endpoint::port).containsExactly(cluster.server(3).httpPort(), cluster.server(4).httpPort());
            try (BaseWriter w = provider.create(layout.shards().get(1).destination())) {
                WriteException down = catchThrowableOfType(WriteException.class, () -> {
                    w.open();
                    w.write(split(layout, trades(1, 0, 50)).get(1));
                });
                assertThat(down.retryable()).isTrue();
            }
        } finally {
            cluster.restart(3);
            cluster.restart(4);
        }
        cluster.kill(2);
        cluster.kill(4);
        try {
            WriteException e = catchThrowableOfType(WriteException.class, () -> provider.shardLayout(clusterDestination()));
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).as("a replica of each shard down: which endpoint is which is not known")
                    .contains("no endpoint answered for shard 1 replica 2 (127.0.0.1:" + cluster.server(2).tcpPort() + " in remote_servers)",
                            "127.0.0.1:" + cluster.server(2).httpPort() + " did not answer", "start the replicas");
            try (BaseWriter w = provider.create(clusterDestination())) {
                w.open();
                w.write(trades(2, 0, 50));
                assertThat(w.reader().orElseThrow().count("trades", RowFilter.all())).isEqualTo(50);
            }
        } finally {
            cluster.restart(2);
            cluster.restart(4);
        }
    }
}
