package dev.fanout.writer.clickhouse;

import static dev.fanout.writer.clickhouse.ClickHouseSql.literal;

import dev.fanout.api.WriteException;
import dev.fanout.writer.clickhouse.ClickHouseDestination.Endpoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The shards and replicas of a ClickHouse cluster as its servers' {@code system.clusters} lists them,
 * each replica with the HTTP(S) endpoint that reaches it.
 *
 * <p>{@code system.clusters} names every replica by the host and <em>native</em> port of
 * {@code remote_servers}, not by its HTTP port, so the writer cannot derive a replica's endpoint
 * from it. The endpoints are the URI's server and the option {@code replicas}; without that option,
 * the URI's server and every {@code host_name} of the cluster with the URI's port (one server per
 * host, all on one HTTP port, as clusters are usually run). Every endpoint says which replica it is:
 * <ul>
 *   <li>its rows of {@code system.clusters} marked {@code is_local}: on 18.16 that means "the host is
 *       one of this server's addresses", <em>whatever the port</em>, so on a cluster of one server
 *       per host it names the replica, and with several servers on one host it names several;</li>
 *   <li>then its macros ({@code system.macros}): when {@code is_local} leaves several shards, the
 *       {@code {shard}} macro, when it is the number of one of them, picks the shard (the convention of
 *       fanout's sample configuration); otherwise the endpoint is refused as ambiguous. Within a
 *       shard, which replica an endpoint is matters only for naming it: endpoints are given the
 *       shard's replicas that {@code is_local} allows, in listing order.</li>
 * </ul>
 * The endpoints of one shard must share one {@code {shard}} macro and differ in {@code {replica}}
 * (two endpoints of one server would otherwise count as two replicas), and two shards must differ in
 * {@code {shard}}: the local tables' ZooKeeper paths are made of them. Immutable.
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

    /** The endpoints of every replica that has one, shard by shard. */
    List<Endpoint> endpoints() {
        return shards.stream().flatMap(s -> s.endpoints().stream()).toList();
    }

    /** The shards' weights in order, for {@link ClusterSharding}. */
    List<Integer> weights() {
        return shards.stream().map(Shard::weight).toList();
    }

    /**
     * Asks every endpoint of {@code destination} which replica of its cluster it is.
     *
     * @param complete true: every replica must have answered through some endpoint (what a shard
     *                 layout needs, so that each shard's writer can fail over to all its replicas),
     *                 or be the one shard whose replicas only silent endpoints can be (see
     *                 {@link #byElimination}); false: every shard needs one replica that answered
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
        Map<Endpoint, String> silent = new LinkedHashMap<>();
        List<Answer> answers = new ArrayList<>();
        String sql = "SELECT shard_num, shard_weight, replica_num, host_name, port, is_local FROM system.clusters WHERE cluster = "
                + literal(destination.cluster()) + " ORDER BY shard_num, replica_num";
        List<Endpoint> endpoints = new ArrayList<>(destination.endpoints());
        boolean derive = endpoints.size() == 1;
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get(i);
            ClickHouseDestination at = destination.at(e);
            List<String[]> rows;
            Map<String, String> macros = new HashMap<>();
            ClickHouseServerVersion v;
            try (ClickHouseHttp http = new ClickHouseHttp(at, false)) {
                v = ClickHouseServerVersion.parse(http.rows("SELECT version()").get(0)[0]);
                rows = http.rows(sql);
                for (String[] m : http.rows("SELECT macro, substitution FROM system.macros")) {
                    macros.put(m[0], m[1]);
                }
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
            if (!macros.containsKey("shard") || !macros.containsKey("replica")) {
                throw WriteException.permanent(prefix + "the server at " + e.hostPort() + " lacks the macro "
                        + (macros.containsKey("shard") ? "{replica}" : "{shard}") + " (system.macros), which names its replica in "
                        + "ZooKeeper — give every server <macros> with <shard> and <replica>, as fanout's sample cluster configuration does", null);
            }
            if (layout == null) {
                layout = rows;
                layoutFrom = e;
                if (derive) {
                    for (String[] r : rows) {
                        Endpoint server = new Endpoint(r[3], e.port());
                        if (endpoints.stream().noneMatch(x -> x.hostPort().equalsIgnoreCase(server.hostPort()))) {
                            endpoints.add(server);
                        }
                    }
                }
            } else if (!sameLayout(layout, rows)) {
                throw WriteException.permanent(prefix + "the servers at " + layoutFrom.hostPort() + " and " + e.hostPort()
                        + " list different shards or replicas for the cluster in remote_servers — give every server the same "
                        + "remote_servers", null);
            }
            List<String[]> local = rows.stream().filter(r -> "1".equals(r[5])).toList();
            if (local.isEmpty()) {
                throw WriteException.permanent(prefix + "the server at " + e.hostPort() + " is not one of the cluster's replicas (none "
                        + "of its remote_servers entries is one of its addresses) — list only the cluster's servers in the URI and the "
                        + "option replicas", null);
            }
            answers.add(new Answer(e, local, macros.get("shard"), macros.get("replica")));
            version = version == null || v.compareTo(version) < 0 ? v : version;
        }
        if (layout == null) {
            throw WriteException.retryable(prefix + "no server of the cluster answers ("
                    + silent.entrySet().stream().map(x -> x.getKey().hostPort() + ": " + x.getValue()).collect(Collectors.joining("; "))
                    + ") — start them, or correct the URI and the option replicas", null);
        }
        Map<String, Endpoint> endpointOf = identify(prefix, answers);
        if (complete) {
            byElimination(layout, endpointOf, silent.keySet());
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

    /** What one endpoint said: the system.clusters rows of its host, and its macros. */
    private record Answer(Endpoint endpoint, List<String[]> local, String shardMacro, String replicaMacro) {
        Set<Integer> shards() {
            return local.stream().map(r -> Integer.parseInt(r[0])).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /**
     * Which replica ({@code shard_num/replica_num}) each answering endpoint is, as the class comment
     * says.
     *
     * @throws WriteException (permanent) when an endpoint is ambiguous or the macros contradict the layout
     */
    private static Map<String, Endpoint> identify(String prefix, List<Answer> answers) throws WriteException {
        Map<Integer, List<Answer>> byShard = new TreeMap<>();
        for (Answer a : answers) {
            Set<Integer> candidates = a.shards();
            int shard;
            if (candidates.size() == 1) {
                shard = candidates.iterator().next();
            } else {
                Integer byMacro = a.shardMacro().matches("[0-9]{1,9}") ? Integer.parseInt(a.shardMacro()) : null;
                if (byMacro == null || !candidates.contains(byMacro)) {
                    throw WriteException.permanent(prefix + "the server at " + a.endpoint().hostPort() + " shares its host with "
                            + "servers of shards " + candidates + ", which system.clusters cannot tell apart on this server version, "
                            + "and its {shard} macro '" + a.shardMacro() + "' is not one of those shard numbers — set each server's "
                            + "{shard} macro to its shard's number (shard_num), as fanout's sample cluster configuration does", null);
                }
                shard = byMacro;
            }
            byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(a);
        }
        Map<String, Integer> shardOfMacro = new HashMap<>();
        Map<String, Endpoint> endpointOf = new LinkedHashMap<>();
        for (Map.Entry<Integer, List<Answer>> s : byShard.entrySet()) {
            Map<String, Endpoint> replicaMacros = new HashMap<>();
            Set<String> taken = new HashSet<>();
            for (Answer a : s.getValue()) {
                Integer other = shardOfMacro.putIfAbsent(a.shardMacro(), s.getKey());
                if (other != null && other != s.getKey().intValue()) {
                    throw WriteException.permanent(prefix + "servers of shards " + other + " and " + s.getKey() + " (" + a.endpoint().hostPort()
                            + ") have the same {shard} macro '" + a.shardMacro() + "', so their replicated tables would share ZooKeeper "
                            + "paths — give each shard's servers a {shard} macro of their own", null);
                }
                if (s.getValue().stream().anyMatch(b -> !b.shardMacro().equals(a.shardMacro()))) {
                    throw WriteException.permanent(prefix + "the servers of shard " + s.getKey() + " have different {shard} macros ("
                            + s.getValue().stream().map(b -> b.endpoint().hostPort() + ": '" + b.shardMacro() + "'")
                            .collect(Collectors.joining(", ")) + "), so their tables would not replicate each other — give the "
                            + "servers of one shard the same {shard} macro", null);
                }
                Endpoint same = replicaMacros.put(a.replicaMacro(), a.endpoint());
                if (same != null) {
                    throw WriteException.permanent(prefix + "the endpoints " + same.hostPort() + " and " + a.endpoint().hostPort()
                            + " both say they are replica '" + a.replicaMacro() + "' of shard " + s.getKey() + " — list each server once, "
                            + "and give the replicas of a shard {replica} macros of their own", null);
                }
                String[] row = a.local().stream().filter(r -> Integer.parseInt(r[0]) == s.getKey() && !taken.contains(r[2]))
                        .findFirst().orElse(null);
                if (row == null) {
                    throw WriteException.permanent(prefix + "shard " + s.getKey() + " has more endpoints than replicas on their hosts ("
                            + s.getValue().stream().map(b -> b.endpoint().hostPort()).collect(Collectors.joining(", "))
                            + ") — list each server of the cluster once", null);
                }
                taken.add(row[2]);
                endpointOf.put(row[0] + "/" + row[2], a.endpoint());
            }
        }
        return endpointOf;
    }

    /**
     * Gives the endpoints that did not answer to the replicas no answer named, when that cannot be
     * wrong: as many endpoints as such replicas, all of one shard. Every endpoint is one of the
     * cluster's servers (the URI's server and the option replicas are listed as such, and each one
     * that answers is checked), and within a shard which replica an endpoint is matters only for its
     * name, so the silent endpoints can only be that shard's replicas. This keeps the shard layout,
     * and with it one lane per shard, while a replica or a whole shard is down at start: the lane of
     * such a shard fails over, or fails retryably and parks its rows, while the others commit.
     * Anything else (replicas of several shards unnamed, or counts that differ) is left unassigned.
     */
    private static void byElimination(List<String[]> layout, Map<String, Endpoint> endpointOf, Set<Endpoint> silent) {
        List<String> unnamed = layout.stream().map(r -> r[0] + "/" + r[2]).filter(k -> !endpointOf.containsKey(k)).toList();
        long shards = unnamed.stream().map(k -> k.substring(0, k.indexOf('/'))).distinct().count();
        if (unnamed.isEmpty() || unnamed.size() != silent.size() || shards != 1) {
            return;
        }
        Iterator<Endpoint> endpoints = silent.iterator();
        for (String replica : unnamed) {
            endpointOf.put(replica, endpoints.next());
        }
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
