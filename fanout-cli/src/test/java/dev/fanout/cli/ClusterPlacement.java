package dev.fanout.cli;

import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseTables;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's tables as fanout stored them on a ClickHouse cluster of 2 shards x 2 replicas (servers
 * 1 and 2 are shard 1, servers 3 and 4 shard 2, as {@code ClickHouseCluster} and
 * {@code scripts/clickhouse cluster start} run them), read through the servers' own HTTP interface:
 * the {@code Distributed} tables with {@code FINAL}, each shard's {@code <table>_local}, and where
 * another client's insert through a {@code Distributed} table lands. For the fanout-cli and the
 * distribution tests.
 */
public final class ClusterPlacement {

    /** The sample's tables. */
    public static final List<String> TABLES = List.of("bars", "instruments", "quotes_eu", "quotes_us", "trades");

    private ClusterPlacement() {
    }

    /** Server {@code 1..4} of {@code servers} as replica {@code replica} of shard {@code shard}. */
    private static ClickHouseServer replica(List<ClickHouseServer> servers, int shard, int replica) {
        assertThat(servers).as("the cluster's four servers").hasSize(4);
        return servers.get((shard - 1) * 2 + replica - 1);
    }

    private static String keyColumns(String table) {
        return table.equals("trades") ? "trade_id" : table.equals("bars") ? "symbol, day" : "symbol";
    }

    /** Every table of {@code database} read on {@code server} through its {@code Distributed} table with {@code FINAL}, values as {@link Examples#readClickHouse}. */
    public static Map<String, Map<List<Object>, Map<String, Object>>> throughDistributed(ClickHouseServer server, String database)
            throws IOException {
        Map<String, Map<List<Object>, Map<String, Object>>> tables = new TreeMap<>();
        for (String[] t : server.rows("SELECT name FROM system.tables WHERE database = '" + database + "' AND engine = 'Distributed'")) {
            Map<List<Object>, Map<String, Object>> rows = new HashMap<>();
            for (Map<String, Object> stored : ClickHouseTables.rows(server, database, t[0])) {
                Map<String, Object> r = new HashMap<>();
                stored.forEach((column, v) -> r.put(column, v instanceof Instant i ? LocalDateTime.ofInstant(i, ZoneOffset.UTC)
                        : v instanceof Integer n ? (Object) n.longValue() : v));
                List<Object> key = t[0].equals("trades") ? List.of(r.get("trade_id"))
                        : t[0].equals("bars") ? List.of(r.get("symbol"), r.get("day")) : List.of(r.get("symbol"));
                assertThat(rows.put(key, r)).as("duplicate key %s in %s.%s FINAL", key, database, t[0]).isNull();
            }
            tables.put(t[0], rows);
        }
        return tables;
    }

    /**
     * Per table, the keys (as the server prints them) in each shard's local table with {@code FINAL},
     * after both replicas caught up; asserts that both replicas of a shard hold the same keys.
     */
    public static Map<String, List<Set<List<String>>>> shardKeys(List<ClickHouseServer> servers, String database) throws IOException {
        Map<String, List<Set<List<String>>>> out = new TreeMap<>();
        for (String table : TABLES) {
            List<Set<List<String>>> shards = new ArrayList<>();
            for (int s = 1; s <= 2; s++) {
                List<Set<List<String>>> replicas = new ArrayList<>();
                for (int r = 1; r <= 2; r++) {
                    ClickHouseServer replica = replica(servers, s, r);
                    replica.query("SYSTEM SYNC REPLICA `" + database + "`.`" + table + "_local`");
                    Set<List<String>> keys = new HashSet<>();
                    for (String[] k : replica.rows("SELECT " + keyColumns(table) + " FROM `" + database + "`.`" + table + "_local` FINAL")) {
                        keys.add(List.of(k));
                    }
                    replicas.add(keys);
                }
                assertThat(replicas.get(1)).as("%s: both replicas of shard %d", table, s).isEqualTo(replicas.get(0));
                shards.add(replicas.get(0));
            }
            out.put(table, shards);
        }
        return out;
    }

    /**
     * Asserts that the shards hold disjoint parts of every table that together have the expected
     * number of rows, both non-empty for the tables of more than 100 rows (a table of 3 keys may
     * well hash to one shard), and that every row sits on the shard the table's {@code Distributed}
     * sharding expression picks (its value modulo 2, the shards having weight 1 each).
     */
    public static Map<String, List<Set<List<String>>>> assertPlacedAsDistributedPicks(List<ClickHouseServer> servers, String database,
            Map<String, Map<List<Object>, Map<String, Object>>> expected) throws IOException {
        Map<String, List<Set<List<String>>>> shards = shardKeys(servers, database);
        for (String table : TABLES) {
            Set<List<String>> first = shards.get(table).get(0);
            Set<List<String>> second = shards.get(table).get(1);
            assertThat(first).as("%s on shard 1", table).doesNotContainAnyElementsOf(second);
            assertThat(first.size() + second.size()).as("%s rows on both shards", table).isEqualTo(expected.get(table).size());
            if (expected.get(table).size() > 100) {
                assertThat(first).as("%s on shard 1", table).isNotEmpty();
                assertThat(second).as("%s on shard 2", table).isNotEmpty();
            }
            String sharding = shardingExpression(servers.get(0), database, table);
            for (int s = 1; s <= 2; s++) {
                assertThat(replica(servers, s, 1).scalar("SELECT count() FROM `" + database + "`.`" + table + "_local` WHERE (" + sharding
                        + ") % 2 != " + (s - 1))).as("%s rows on shard %d that the Distributed table's %s puts elsewhere", table, s, sharding)
                        .isEqualTo("0");
            }
        }
        return shards;
    }

    /** The sharding expression of {@code table}'s Distributed table, as the server prints it: its last argument. */
    private static String shardingExpression(ClickHouseServer server, String database, String table) throws IOException {
        String engine = server.scalar("SELECT engine_full FROM system.tables WHERE database = '" + database + "' AND name = '" + table + "'");
        String local = "'" + table + "_local', ";
        assertThat(engine).startsWith("Distributed(").contains(local).endsWith(")");
        return engine.substring(engine.indexOf(local) + local.length(), engine.length() - 1);
    }

    /**
     * For a trades key and a bars key (a compound key) of each shard, which fanout wrote: another
     * client inserts a newer version of the row through the {@code Distributed} table of server 4
     * (shard 2), synchronously ({@code insert_distributed_sync=1}); the row must sit on the shard
     * fanout put the key on, on both its replicas, and on no other, and the {@code Distributed} table
     * must then give the newer version.
     */
    public static void assertAnotherClientsKeysLandOnFanoutsShards(List<ClickHouseServer> servers, String database,
                                                                   Map<String, List<Set<List<String>>>> shards) throws IOException {
        for (String table : List.of("trades", "bars")) {
            for (int shard = 1; shard <= 2; shard++) {
                List<String> picked = shards.get(table).get(shard - 1).stream().sorted((a, b) -> a.toString().compareTo(b.toString()))
                        .findFirst().orElseThrow();
                String where = table.equals("trades") ? "trade_id = '" + picked.get(0) + "'"
                        : "symbol = '" + picked.get(0) + "' AND day = " + picked.get(1); // days since 1970 on 18.16
                ClickHouseServer first = servers.get(0);
                String written = first.scalar("SELECT _fanout_version FROM `" + database + "`.`" + table + "` FINAL WHERE " + where);
                List<String> columns = new ArrayList<>();
                List<String> selected = new ArrayList<>();
                for (String[] c : first.rows("SELECT name FROM system.columns WHERE database = '" + database + "' AND table = '" + table + "'")) {
                    columns.add("`" + c[0] + "`");
                    selected.add(c[0].equals("_fanout_version") ? "_fanout_version + 1" : "`" + c[0] + "`");
                }
                // through server 4, of shard 2: the Distributed table, not the server taken, places the row
                replica(servers, 2, 2).query("INSERT INTO `" + database + "`.`" + table + "` (" + String.join(", ", columns) + ") SELECT "
                        + String.join(", ", selected) + " FROM `" + database + "`.`" + table + "` FINAL WHERE " + where,
                        Map.of("insert_distributed_sync", "1"));
                String newer = Long.toString(Long.parseLong(written) + 1);
                for (int s = 1; s <= 2; s++) {
                    for (int r = 1; r <= 2; r++) {
                        ClickHouseServer replica = replica(servers, s, r);
                        replica.query("SYSTEM SYNC REPLICA `" + database + "`.`" + table + "_local`");
                        List<String> versions = replica.rows("SELECT _fanout_version FROM `" + database + "`.`" + table
                                + "_local` WHERE " + where).stream().map(v -> v[0]).toList();
                        if (s == shard) {
                            assertThat(versions).as("%s key %s on its shard %d, replica %d: fanout's row and the other client's, "
                                    + "or the newer alone once merged", table, picked, s, r).contains(newer).isSubsetOf(written, newer);
                        } else {
                            assertThat(versions).as("%s key %s on the other shard %d, replica %d", table, picked, s, r).isEmpty();
                        }
                    }
                }
                assertThat(first.scalar("SELECT _fanout_version FROM `" + database + "`.`" + table + "` FINAL WHERE " + where))
                        .as("%s key %s through the Distributed table", table, picked).isEqualTo(newer);
            }
        }
    }
}
