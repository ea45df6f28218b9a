package dev.fanout.cli;

import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.Router;
import dev.fanout.api.ShardLayout;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import dev.fanout.core.Fanout;
import dev.fanout.core.dispatch.PacketOutcome;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.routing.ShardRouter;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The cluster cases of {@code fanout bench}: the benchmark's trade rows written as {@code fanout
 * ingest} writes them — a {@link Fanout} over a topology whose one destination is a ClickHouse
 * cluster, so the dispatcher splits every packet by shard ({@link ShardRouter}) and one lane per shard
 * writes to a replica of its shard, the lanes in parallel — next to the same {@link Fanout} over one
 * ClickHouse server (the {@code --clickhouse} database), its reference, so the two differ only in the
 * destination. A third case times the split alone, on the same packets, with the cluster's sharding.
 * Timed: from the first submit until the last packet is acknowledged; opening the writers is not.
 *
 * <p>After each timed run the bench checks what the servers hold: every packet committed, and
 * {@code count()} through the table ({@code FINAL}) equals the rows written; on the cluster, after
 * {@code SYSTEM SYNC REPLICA} on every replica, through the {@code Distributed} table, and each shard's
 * replicas hold the same, non-empty share. Otherwise the bench fails: a rate of rows that did not
 * arrive would mean nothing.
 *
 * <p>The bench owns the tables {@code trades} and {@code trades_local} in the cluster's database and
 * {@code trades} in the single server's: it refuses to start when a replica already has one, drops
 * them ({@code ON CLUSTER}) after each round, and drops the cluster's database at the end when no
 * server had it. It connects as ClickHouse's {@code default} user, over HTTP.
 */
final class ClusterBench implements AutoCloseable {

    static final String SINGLE_CASE = "(i) dispatcher -> 1 ClickHouse server, 1 lane (reference)";
    static final String SPLIT_CASE = "(i) routing alone: ShardRouter splits rows by shard, no writes";
    private static final String TABLE = "trades";
    private static final String LOCAL_TABLE = "trades_local";
    private static final String SHARD = "shard";
    private static final String SHARD_REPLICAS = "shard_replicas";
    private static final Duration TIMEOUT = Duration.ofSeconds(300);

    private final WriterRegistry registry;
    private final Destination cluster;
    private final String clusterName;
    private final String database;
    private final boolean databaseExisted;
    private final Sql entry;
    private final Map<Integer, List<Sql>> replicasByShard;
    private final ShardLayout layout;
    private final String singleUri;
    private final Sql single;
    private final String singleDatabase;
    private final String serverVersion;
    private final Path work;
    private final String clusterCase;

    private ClusterBench(WriterRegistry registry, Destination cluster, String clusterName, String database, boolean databaseExisted,
                         Sql entry, Map<Integer, List<Sql>> replicasByShard, ShardLayout layout, String singleUri, Sql single,
                         String singleDatabase, String serverVersion, Path work) {
        this.registry = registry;
        this.cluster = cluster;
        this.clusterName = clusterName;
        this.database = database;
        this.databaseExisted = databaseExisted;
        this.entry = entry;
        this.replicasByShard = replicasByShard;
        this.layout = layout;
        this.singleUri = singleUri;
        this.single = single;
        this.singleDatabase = singleDatabase;
        this.serverVersion = serverVersion;
        this.work = work;
        this.clusterCase = "(i) dispatcher -> ClickHouse cluster, " + Plural.of(layout.shards().size(), "shard") + ", a lane each";
    }

    /**
     * Checks everything before any case runs: the plugin, both URIs, the cluster's shards and
     * replicas (every replica must answer), and that no replica holds the bench's tables.
     *
     * @param uri         {@code ch://host:port/database}, one server of the cluster, HTTP
     * @param clusterName the cluster's name in the servers' {@code remote_servers}
     * @param replicas    the other servers' HTTP endpoints {@code host:port,…}, or null for every
     *                    {@code host_name} of the cluster on the URI's port
     * @param singleUri   the {@code --clickhouse} database, for the single-server reference
     * @throws ConfigurationProblem a missing plugin, a URI or option the plugin refuses, tables that exist
     * @throws IllegalStateException when a server does not answer
     */
    static ClusterBench connect(WriterRegistry registry, String uri, String clusterName, String replicas, String singleUri, Path work) {
        if (singleUri == null) {
            throw new ConfigurationProblem("--clickhouse-cluster needs --clickhouse too: the cluster is measured against one server "
                    + "written the same way");
        }
        WriterProvider provider = registry.provider("ch").orElseThrow(() -> new ConfigurationProblem(
                "--clickhouse-cluster needs the ClickHouse writer plugin (scheme ch), which is not installed; installed: "
                        + String.join(", ", registry.schemes()) + " — add writer-clickhouse under plugins/"));
        Map<String, String> options = new TreeMap<>();
        options.put("cluster", clusterName);
        if (replicas != null) {
            options.put("replicas", replicas);
        }
        Destination cluster = new Destination("bench", uri, options, Path.of("").toAbsolutePath(), Set.of("password"));
        if (!"ch".equals(cluster.scheme())) {
            throw new ConfigurationProblem("--clickhouse-cluster wants ch://host:port/database, got " + cluster.redactedUri());
        }
        List<String> problems = provider.validate(cluster);
        if (!problems.isEmpty()) {
            throw new ConfigurationProblem("--clickhouse-cluster, --clickhouse-cluster-name, --clickhouse-cluster-replicas: "
                    + String.join("; ", problems));
        }
        String database = databaseOf("--clickhouse-cluster", uri, cluster.redactedUri());
        Destination singleDestination = Destination.of("bench", singleUri, Path.of("").toAbsolutePath());
        String singleDatabase = databaseOf("--clickhouse", singleUri, singleDestination.redactedUri());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        Sql entry = new Sql(http, authority(uri));
        Sql single = new Sql(http, authority(singleUri));
        if (entry.authority().equalsIgnoreCase(single.authority())) {
            throw new ConfigurationProblem("--clickhouse-cluster and --clickhouse name the same server " + entry.authority()
                    + "; the single-server reference needs a server outside the cluster");
        }
        ShardLayout layout;
        try {
            layout = provider.shardLayout(cluster).orElseThrow(() -> new ConfigurationProblem("--clickhouse-cluster: cluster "
                    + clusterName + " has one shard; the cluster cases need at least two"));
        } catch (WriteException e) {
            throw new IllegalStateException("--clickhouse-cluster: the shards of cluster " + clusterName + " at "
                    + cluster.redactedUri() + " are not known: " + e.getMessage(), e);
        }
        Map<Integer, List<Sql>> replicasByShard = new TreeMap<>();
        for (ShardLayout.Shard shard : layout.shards()) {
            Map<String, String> o = shard.destination().options();
            List<Sql> endpoints = new ArrayList<>();
            for (String e : o.getOrDefault(SHARD_REPLICAS, "").split(",")) {
                if (!e.isBlank()) {
                    endpoints.add(new Sql(http, e.strip()));
                }
            }
            replicasByShard.put(Integer.parseInt(o.get(SHARD)), List.copyOf(endpoints));
        }
        String version = entry.run("SELECT version()");
        boolean existed = false;
        for (Sql replica : replicasByShard.values().stream().flatMap(List::stream).toList()) {
            existed |= !"0".equals(replica.run("SELECT count() FROM system.databases WHERE name = " + literal(database)));
            String taken = replica.run("SELECT name FROM system.tables WHERE database = " + literal(database) + " AND name IN ("
                    + literal(TABLE) + ", " + literal(LOCAL_TABLE) + ")");
            if (!taken.isEmpty()) {
                throw new ConfigurationProblem("ClickHouse database " + database + " on " + replica.authority() + " already has "
                        + taken.lines().map(t -> database + "." + t).collect(Collectors.joining(" and ")) + "; fanout bench creates "
                        + "and drops its own tables " + TABLE + " and " + LOCAL_TABLE + " on the cluster: point --clickhouse-cluster "
                        + "at another database, e.g. ch://" + entry.authority() + "/fanout_bench_cluster");
            }
        }
        return new ClusterBench(registry, cluster, clusterName, database, existed, entry, replicasByShard, layout, singleUri, single,
                singleDatabase, version, work);
    }

    /** E.g. {@code ClickHouse 18.16.1 cluster fanout_cluster at ch://127.0.0.1:8124/bench: shard 1 127.0.0.1:8124, …}. */
    String describe() {
        return "ClickHouse " + serverVersion + " cluster " + clusterName + " at " + cluster.redactedUri() + ": "
                + replicasByShard.entrySet().stream().map(e -> "shard " + e.getKey() + " " + e.getValue().stream().map(Sql::authority)
                .collect(Collectors.joining(" and "))).collect(Collectors.joining(", "));
    }

    /** The name of the cluster case, which counts the shards. */
    String clusterCase() {
        return clusterCase;
    }

    /**
     * Runs the three cases once on {@code packets}, on new tables: one server, the cluster, the split alone.
     *
     * @return rows/s by case name
     */
    Map<String, Double> measure(List<FramePacket> packets, int batchRows) throws Exception {
        long rows = packets.stream().mapToLong(FramePacket::rowCount).sum();
        Map<String, Double> rates = new LinkedHashMap<>();
        try {
            rates.put(SINGLE_CASE, fanoutRate(topology(singleUri, Map.of(), batchRows), packets, rows));
            String stored = single.run("SELECT count() FROM " + qualified(singleDatabase, TABLE) + " FINAL");
            if (!stored.equals(Long.toString(rows))) {
                throw new IllegalStateException("after the single-server case, " + singleDatabase + "." + TABLE + " on "
                        + single.authority() + " holds " + stored + " rows; expected " + rows);
            }
        } finally {
            single.run("DROP TABLE IF EXISTS " + qualified(singleDatabase, TABLE));
        }
        try {
            rates.put(clusterCase, fanoutRate(topology(cluster.uri(), cluster.options(), batchRows), packets, rows));
            checkCluster(rows);
        } finally {
            dropClusterTables();
        }
        rates.put(SPLIT_CASE, splitRate(packets, rows));
        return rates;
    }

    /** A Fanout over {@code topology}: every packet submitted, then flushed; fails unless every packet committed. */
    private double fanoutRate(String topology, List<FramePacket> packets, long rows) throws Exception {
        Path file = Files.writeString(work.resolve("cluster-bench.yaml"), topology);
        try (Fanout fanout = Fanout.builder().topology(file).registry(registry).requireAllDestinations(true).build()) {
            List<CompletableFuture<PacketOutcome>> outcomes = new ArrayList<>(packets.size());
            double rate = BenchCommand.rowsPerSecond(rows, () -> {
                for (FramePacket p : packets) {
                    outcomes.add(fanout.submit(p));
                }
                fanout.flush();
            });
            List<PacketOutcome> failed = outcomes.stream().map(CompletableFuture::join).filter(o -> !o.isCommitted()).toList();
            if (!failed.isEmpty()) {
                throw new IllegalStateException(failed.size() + " of " + packets.size() + " packets did not commit during the "
                        + "ClickHouse dispatcher benchmark, e.g. " + failed.get(0).status() + " " + failed.get(0));
            }
            return rate;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * The cluster holds exactly {@code rows}: through the Distributed table with FINAL, and as each
     * shard's replicas report, after each has fetched what the others committed.
     */
    private void checkCluster(long rows) {
        String local = qualified(database, LOCAL_TABLE);
        List<String> shares = new ArrayList<>();
        long sum = 0;
        for (Map.Entry<Integer, List<Sql>> shard : replicasByShard.entrySet()) {
            Set<String> counts = new LinkedHashSet<>();
            for (Sql replica : shard.getValue()) {
                replica.run("SYSTEM SYNC REPLICA " + local);
                counts.add(replica.run("SELECT count() FROM " + local + " FINAL"));
            }
            String count = counts.iterator().next();
            if (counts.size() != 1 || "0".equals(count)) {
                throw new IllegalStateException("after the cluster case, shard " + shard.getKey() + "'s replicas "
                        + shard.getValue().stream().map(Sql::authority).collect(Collectors.joining(" and ")) + " hold " + counts
                        + " rows in " + database + "." + LOCAL_TABLE + "; expected the same, non-zero count on each");
            }
            shares.add("shard " + shard.getKey() + ": " + count);
            sum += Long.parseLong(count);
        }
        String total = entry.run("SELECT count() FROM " + qualified(database, TABLE) + " FINAL");
        if (!total.equals(Long.toString(rows)) || sum != rows) {
            throw new IllegalStateException("after the cluster case, " + database + "." + TABLE + " (Distributed, FINAL) holds " + total
                    + " rows (" + String.join(", ", shares) + "); expected " + rows);
        }
    }

    /** Rows/s of the dispatcher's split by shard alone: the cluster's sharding on every packet, nothing written. */
    private double splitRate(List<FramePacket> packets, long rows) throws Exception {
        List<String> lanes = layout.shards().stream().map(s -> "bench@" + s.name()).toList();
        ShardRouter router = new ShardRouter(p -> List.of(new Router.RoutedPart("bench", p)),
                Map.of("bench", new ShardRouter.Shards(lanes, layout.sharding())));
        long[] parts = {0};
        double rate = BenchCommand.rowsPerSecond(rows, () -> {
            for (FramePacket p : packets) {
                parts[0] += router.route(p).size();
            }
        });
        if (parts[0] < packets.size()) {
            throw new IllegalStateException("the shard router made " + parts[0] + " parts of " + packets.size() + " packets");
        }
        return rate;
    }

    private static String topology(String uri, Map<String, String> options, int batchRows) {
        StringBuilder o = new StringBuilder();
        options.forEach((k, v) -> o.append(o.length() == 0 ? "" : ", ").append(k).append(": ").append(yamlString(v)));
        return """
                version: 1
                destinations:
                  db: { uri: %s, options: { %s } }
                default: db
                tables:
                  trades: { primary_key: [trade_id] }
                batch: { max_rows: %d, max_age: 200ms }
                """.formatted(yamlString(uri), o, batchRows);
    }

    private static String yamlString(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private void dropClusterTables() {
        for (String table : List.of(TABLE, LOCAL_TABLE)) {
            entry.run("DROP TABLE IF EXISTS " + qualified(database, table) + " ON CLUSTER " + quote(clusterName));
        }
    }

    /** The single database of {@code uri}'s path. */
    static String databaseOf(String option, String uri, String redacted) {
        try {
            URI parsed = new URI(uri);
            String path = parsed.getPath() == null ? "" : parsed.getPath().replaceFirst("^/", "");
            if (parsed.getHost() == null || path.isEmpty() || path.contains("/") || parsed.getRawUserInfo() != null) {
                throw new ConfigurationProblem(option + " wants ch://host:port/database (a database the bench creates its tables in), got "
                        + redacted);
            }
            return path;
        } catch (URISyntaxException e) {
            throw new ConfigurationProblem(option + " wants ch://host:port/database, got " + redacted);
        }
    }

    /** {@code host:port} of {@code uri}, port 8123 when it has none. */
    static String authority(String uri) {
        URI parsed = URI.create(uri);
        return parsed.getHost() + ":" + (parsed.getPort() < 0 ? 8123 : parsed.getPort());
    }

    private static String qualified(String database, String table) {
        return quote(database) + "." + quote(table);
    }

    static String quote(String name) {
        return '`' + name.replace("\\", "\\\\").replace("`", "\\`") + '`';
    }

    static String literal(String text) {
        return '\'' + text.replace("\\", "\\\\").replace("'", "\\'") + '\'';
    }

    /** One server's HTTP interface, as the {@code default} user. */
    record Sql(HttpClient http, String authority) {
        /** Runs {@code query} and returns its output, stripped. */
        String run(String query) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + authority + "/?query="
                            + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                    .timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.noBody()).build();
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("ClickHouse at " + authority + " answered HTTP " + response.statusCode() + " to ["
                            + query + "]: " + response.body().strip());
                }
                return response.body().strip();
            } catch (IOException e) {
                throw new IllegalStateException("ClickHouse at " + authority + " did not answer [" + query + "]: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while querying ClickHouse at " + authority, e);
            }
        }
    }

    /** Drops what the bench made: its tables, and the cluster's database when no server had it before. */
    @Override
    public void close() {
        try {
            dropClusterTables();
            single.run("DROP TABLE IF EXISTS " + qualified(singleDatabase, TABLE));
        } finally {
            if (!databaseExisted) {
                entry.run("DROP DATABASE IF EXISTS " + quote(database) + " ON CLUSTER " + quote(clusterName));
            }
        }
    }
}
