package dev.fanout.writer.clickhouse;

import static dev.fanout.writer.clickhouse.ClickHouseSql.literal;

import dev.fanout.api.WriteException;
import dev.fanout.writer.clickhouse.ClickHouseDestination.Endpoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The shards and replicas of a ClickHouse cluster as its servers' {@code system.clusters} lists them,
 * each replica with the HTTP(S) endpoint that reaches it.
 *
 * <p>{@code system.clusters} names every replica by the host and <em>native</em> port of
 * {@code remote_servers}, not by its HTTP port, so the writer cannot derive a replica's endpoint
 * from it. Instead every endpoint the destination lists (the URI's server and the option
 * {@code replicas}) says which replica it is: the row of {@code system.clusters} it marks
 * {@code is_local} (its host is one of its own addresses and the port its own native port), which
 * 18.16 computes per server, also for several servers of one host on different ports. Immutable.
 *
 * @param cluster the cluster's name
 * @param shards  in {@code shard_num} order
 * @param version the lowest server version of the endpoints that answered
 */
record ClusterTopology(String cluster, List<Shard> shards, ClickHouseServerVersion version) {

    /**
     * One replica.
     *
     * @param endpoint the HTTP(S) endpoint that said it is this replica, or null when none did
     */
    record Replica(int shardNum, int replicaNum, String hostName, int nativePort, Endpoint endpoint) {
        /** {@code shard 1 replica 2 (host:native port in remote_servers)}. */
        String describe() {
            return "shard " + shardNum + " replica " + replicaNum + " (" + hostName + ":" + nativePort + " in remote_servers)";
        }
    }

    /** One shard: {@code shard_num}, weight and replicas in {@code replica_num} order. */
    record Shard(int number, int weight, List<Replica> replicas) {
        Shard {
            replicas = List.copyOf(replicas);
        }

        /** The endpoints of the replicas that have one, in {@code replica_num} order. */
        List<Endpoint> endpoints() {
            return replicas.stream().map(Replica::endpoint).filter(Objects::nonNull).toList();
        }
    }

    ClusterTopology {
        shards = List.copyOf(shards);
    }

    /** The shards' weights in order, for {@link ClusterSharding}. */
    List<Integer> weights() {
        return shards.stream().map(Shard::weight).toList();
    }

    /**
     * Asks every endpoint of {@code destination} which replica of its cluster it is.
     *
     * @param complete true: every replica must have answered through some endpoint (what a shard
     *                 layout needs, so that each shard's writer can fail over to all its replicas);
     *                 false: every shard needs one replica that answered
     * @throws WriteException retryable when endpoints that did not answer may be the missing replicas;
     *                        permanent when the servers that answered do not know the cluster, disagree
     *                        about it, or a replica is missing although every endpoint answered — naming
     *                        the replica and what to add
     */
    static ClusterTopology read(ClickHouseDestination destination, boolean complete) throws WriteException {
        String prefix = "destination " + destination.name() + ": cluster " + destination.cluster() + ": ";
        List<String[]> layout = null;
        Endpoint layoutFrom = null;
        ClickHouseServerVersion version = null;
        Map<String, Endpoint> endpointOf = new LinkedHashMap<>();
        Map<Endpoint, String> silent = new LinkedHashMap<>();
        String sql = "SELECT shard_num, shard_weight, replica_num, host_name, port, is_local FROM system.clusters WHERE cluster = "
                + literal(destination.cluster()) + " ORDER BY shard_num, replica_num";
        for (Endpoint e : destination.endpoints()) {
            ClickHouseDestination at = destination.at(e);
            List<String[]> rows;
            ClickHouseServerVersion v;
            try (ClickHouseHttp http = new ClickHouseHttp(at, false)) {
                v = ClickHouseServerVersion.parse(http.rows("SELECT version()").get(0)[0]);
                rows = http.rows(sql);
            } catch (RuntimeException ex) {
                WriteException failure = ClickHouseFailure.of(at, null, "reading the cluster's layout", ex);
                if (!failure.retryable()) {
                    throw failure;
                }
                silent.put(e, failure.getMessage());
                continue;
            }
            if (rows.isEmpty()) {
                throw WriteException.permanent(prefix + "the server at " + e.hostPort() + " has no cluster " + destination.cluster()
                        + " in its remote_servers (system.clusters) — correct the option cluster, or add the cluster to the servers' "
                        + "configuration", null);
            }
            String[] local = null;
            for (String[] r : rows) {
                if ("1".equals(r[5])) {
                    if (local != null) {
                        throw WriteException.permanent(prefix + "the server at " + e.hostPort() + " takes itself for two replicas of the "
                                + "cluster (" + r[3] + ":" + r[4] + " and " + local[3] + ":" + local[4] + " are both its own address and "
                                + "native port) — give every server of remote_servers its own host or native port", null);
                    }
                    local = r;
                }
            }
            if (local == null) {
                throw WriteException.permanent(prefix + "the server at " + e.hostPort() + " is not one of the cluster's replicas (none "
                        + "of its remote_servers entries is its own address and native port) — list only the cluster's servers in the "
                        + "URI and the option replicas", null);
            }
            if (layout == null) {
                layout = rows;
                layoutFrom = e;
            } else if (!sameLayout(layout, rows)) {
                throw WriteException.permanent(prefix + "the servers at " + layoutFrom.hostPort() + " and " + e.hostPort()
                        + " list different shards or replicas for the cluster in remote_servers — give every server the same "
                        + "remote_servers", null);
            }
            String replica = local[0] + "/" + local[2];
            Endpoint other = endpointOf.put(replica, e);
            if (other != null) {
                throw WriteException.permanent(prefix + "the servers at " + other.hostPort() + " and " + e.hostPort() + " both say they "
                        + "are shard " + local[0] + " replica " + local[2] + " — list each server once", null);
            }
            version = version == null || v.compareTo(version) < 0 ? v : version;
        }
        if (layout == null) {
            throw WriteException.retryable(prefix + "no server of the cluster answers ("
                    + silent.entrySet().stream().map(x -> x.getKey().hostPort() + ": " + x.getValue()).collect(Collectors.joining("; "))
                    + ") — start them, or correct the URI and the option replicas", null);
        }
        Map<Integer, List<Replica>> replicas = new LinkedHashMap<>();
        Map<Integer, Integer> weights = new LinkedHashMap<>();
        for (String[] r : layout) {
            int shard = Integer.parseInt(r[0]);
            weights.put(shard, Integer.parseInt(r[1]));
            replicas.computeIfAbsent(shard, k -> new ArrayList<>()).add(new Replica(shard, Integer.parseInt(r[2]), r[3],
                    Integer.parseInt(r[4]), endpointOf.get(r[0] + "/" + r[2])));
        }
        List<Shard> shards = new ArrayList<>();
        List<Replica> missing = new ArrayList<>();
        List<Shard> unreached = new ArrayList<>();
        for (Map.Entry<Integer, List<Replica>> s : replicas.entrySet()) {
            Shard shard = new Shard(s.getKey(), weights.get(s.getKey()), s.getValue());
            shards.add(shard);
            shard.replicas().stream().filter(r -> r.endpoint() == null).forEach(missing::add);
            if (shard.endpoints().isEmpty()) {
                unreached.add(shard);
            }
        }
        shards.sort(Comparator.comparingInt(Shard::number));
        if ((complete && !missing.isEmpty()) || !unreached.isEmpty()) {
            String which = missing.stream().map(Replica::describe).collect(Collectors.joining(", "));
            if (!silent.isEmpty()) {
                throw WriteException.retryable(prefix + "no endpoint answered for " + which + "; "
                        + silent.entrySet().stream().map(x -> x.getKey().hostPort() + " did not answer (" + x.getValue() + ")")
                        .collect(Collectors.joining("; ")) + " — start the replicas, or add their HTTP endpoints to the option replicas", null);
            }
            throw WriteException.permanent(prefix + "no endpoint of the destination is " + which + " — add the HTTP(S) endpoint "
                    + "(host:port) of each to the option replicas", null);
        }
        return new ClusterTopology(destination.cluster(), shards, version);
    }

    /** Whether two servers list the same shards, weights and replicas (is_local aside). */
    private static boolean sameLayout(List<String[]> a, List<String[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            for (int c = 0; c < 5; c++) {
                if (!Objects.equals(a.get(i)[c], b.get(i)[c])) {
                    return false;
                }
            }
        }
        return true;
    }
}
