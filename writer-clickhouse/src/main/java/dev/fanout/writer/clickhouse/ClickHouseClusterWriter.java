package dev.fanout.writer.clickhouse;

import static dev.fanout.writer.clickhouse.ClickHouseSql.literal;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.FramePacket;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriteOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Writes a sharded, replicated ClickHouse cluster ({@code ch://host:port/database} with the option
 * {@code cluster}), either one shard of it or all of it.
 *
 * <p><b>One shard</b> (the option {@code shard}, which the {@link ClickHouseWriterProvider#shardLayout
 * shard layout} sets for each shard's lane): batches go into the shard's local tables through one
 * {@link ShardWriter}, which fails over between the shard's replicas. The rows are the shard's: the
 * core split every packet with the layout's {@link ClusterSharding}.
 *
 * <p><b>The whole cluster</b> (no {@code shard}; what the core uses when it could not learn the layout
 * at start, and what a migration, {@code tables} and {@code show} use): {@link #open()} learns the
 * shards from {@code system.clusters} ({@link ClusterTopology}; when no server answers, every write
 * tries again first), each batch is split with the same {@link ClusterSharding} and each shard's part
 * written by the shard's {@link ShardWriter}. A batch is acknowledged when every shard's replica
 * committed its part; when one shard fails, the batch fails (retryably when every failure is) and
 * its replay rewrites the other shards' parts harmlessly. {@link #reader()} reads the cluster through
 * the {@code Distributed} tables with {@code FINAL} ({@link ClickHouseReader}).
 *
 * <p>Not thread-safe: one lane thread drives it.
 */
final class ClickHouseClusterWriter implements BaseWriter {

    /** How long a replica may take to catch up with its shard before a read ({@code SYSTEM SYNC REPLICA}). */
    static final int SYNC_SECONDS = 15;

    private final ClickHouseDestination destination;
    private final ClickHouseReader reader;
    /** The shards written, in shard_num order: the one shard, or (once the topology is known) all. */
    private List<ShardWriter> shards = List.of();
    private ClusterTopology topology;
    private ClusterSharding sharding;
    private boolean opened;
    private boolean closed;
    private String identity;

    ClickHouseClusterWriter(ClickHouseDestination destination) {
        this.destination = Objects.requireNonNull(destination, "destination is null");
        if (!destination.isCluster()) {
            throw new IllegalArgumentException("destination " + destination.name() + " names no cluster");
        }
        this.reader = destination.shard() != 0 ? null : new ClickHouseReader(this::httpForReading, destination, new ClickHouseReader.Cluster() {
            @Override
            public void onEveryShard(String action, String table, ClickHouseReader.ShardStep step) throws WriteException {
                ClickHouseClusterWriter.this.onEveryShard(action, table, step);
            }

            @Override
            public void syncReplicas(String localTable) throws WriteException {
                ClickHouseClusterWriter.this.syncReplicas(localTable);
            }
        });
    }

    @Override
    public void open() throws WriteException {
        if (closed) {
            throw new IllegalStateException("destination " + destination.name() + ": the writer is closed");
        }
        if (opened) {
            return;
        }
        if (destination.shard() != 0) {
            shards = List.of(new ShardWriter(destination, destination.shard(), destination.shardEndpoints(), destination.endpoints()));
        } else {
            try {
                learnTopology();
            } catch (WriteException e) {
                if (!e.retryable()) {
                    throw e;
                }
                // No server answers for now: each write learns the topology first, failing retryably until one does.
            }
        }
        opened = true;
    }

    private void learnTopology() throws WriteException {
        ClusterTopology t = ClusterTopology.read(destination, false);
        List<ShardWriter> writers = new ArrayList<>();
        for (ClusterTopology.Shard s : t.shards()) {
            writers.add(new ShardWriter(destination, s.number(), s.endpoints(), t.endpoints()));
        }
        sharding = new ClusterSharding(t.weights(), t.version());
        topology = t;
        shards = List.copyOf(writers);
    }

    private void requireShards(String what) throws WriteException {
        if (!opened || closed) {
            throw new IllegalStateException("destination " + destination.name() + ": " + what + " before open or after close");
        }
        if (shards.isEmpty()) {
            learnTopology();
        }
    }

    @Override
    public void write(WriteBatch batch) throws WriteException {
        writeCounted(batch);
    }

    /** Counts as {@link ClickHouseWriter#writeCounted} does, summed over the shards. */
    @Override
    public WriteOutcome writeCounted(WriteBatch batch) throws WriteException {
        Objects.requireNonNull(batch, "batch is null");
        requireShards("write");
        if (destination.shard() != 0) {
            return shards.get(0).write(batch);
        }
        List<List<FramePacket>> parts = new ArrayList<>();
        for (int s = 0; s < shards.size(); s++) {
            parts.add(new ArrayList<>());
        }
        for (FramePacket packet : batch.packets()) {
            int[] of;
            try {
                of = sharding.shardsOf(packet);
            } catch (IllegalArgumentException e) {
                throw WriteException.permanent(batch.table(), null, "destination " + destination.name() + ": " + e.getMessage());
            }
            int[] counts = new int[shards.size()];
            for (int s : of) {
                counts[s]++;
            }
            for (int s = 0; s < shards.size(); s++) {
                if (counts[s] == 0) {
                    continue;
                }
                int[] rows = new int[counts[s]];
                int n = 0;
                for (int r = 0; r < of.length; r++) {
                    if (of[r] == s) {
                        rows[n++] = r;
                    }
                }
                parts.get(s).add(counts[s] == of.length ? packet : packet.selectRows(rows));
            }
        }
        long applied = 0;
        List<WriteException> failures = new ArrayList<>();
        for (int s = 0; s < shards.size(); s++) {
            if (parts.get(s).isEmpty()) {
                continue;
            }
            try {
                WriteOutcome o = shards.get(s).write(new WriteBatch(batch.table(), batch.schema(), parts.get(s), batch.tableOptions()));
                applied += o.applied().orElse(0);
            } catch (WriteException e) {
                if (!e.retryable()) {
                    throw e;
                }
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            if (failures.size() == 1) {
                throw failures.get(0);
            }
            throw new WriteException(failures.stream().map(Throwable::getMessage).collect(Collectors.joining("; ")), true,
                    batch.table(), null, failures.get(0));
        }
        return WriteOutcome.counted(batch.rowCount(), applied);
    }

    /**
     * Runs a delete step on one replica of every shard, with the shard's answering replicas to wait on,
     * once every replica of each shard is active: 18.16's {@code TRUNCATE} and {@code OPTIMIZE} of a
     * replicated table wait for every replica ZooKeeper knows of, a stopped one too, and
     * {@code TRUNCATE} blocks the table's reads meanwhile. So a delete is refused retryably before it
     * starts when a replica of the layout does not answer, or a shard's {@code system.replicas} counts
     * fewer active replicas than replicas (which also sees a replica that was down when this writer
     * learned the layout; a killed one stays active in ZooKeeper until its session expires).
     */
    private void onEveryShard(String action, String table, ClickHouseReader.ShardStep step) throws WriteException {
        requireShards("read");
        String replicasSql = "SELECT total_replicas, active_replicas FROM system.replicas WHERE database = "
                + literal(destination.database()) + " AND table = " + literal(ReplacingMergeTreeDdl.localTable(table));
        List<String> inactive = new ArrayList<>();
        for (ShardWriter shard : shards) {
            List<String[]> counts = shard.onSomeReplica("counting the active replicas", table, (http, version) -> http.rows(replicasSql));
            List<String> silent = shard.notAnswering();
            if (!silent.isEmpty() || !counts.isEmpty() && !counts.get(0)[0].equals(counts.get(0)[1])) {
                inactive.add("shard " + shard.shard() + (counts.isEmpty() ? "" : " has " + counts.get(0)[1] + " of " + counts.get(0)[0]
                        + " replicas active") + (silent.isEmpty() ? "" : " (not answering: " + String.join(", ", silent) + ")"));
            }
        }
        if (!inactive.isEmpty()) {
            throw new WriteException("destination " + destination.name() + ": cluster " + destination.cluster() + ", table " + table
                    + ": not " + action + " while a replica is not active: " + String.join("; ", inactive) + ". ClickHouse waits for "
                    + "every replica to delete (and a TRUNCATE blocks the table's reads meanwhile) — start the replica and run again",
                    true, table, null, null);
        }
        for (ShardWriter shard : shards) {
            shard.onSomeReplica(action, table, (http, version) -> {
                step.run(http, shard.answering());
                return null;
            });
        }
    }

    private void syncReplicas(String localTable) throws WriteException {
        requireShards("read");
        String sql = "SYSTEM SYNC REPLICA " + ClickHouseSql.qualified(destination.database(), localTable);
        for (ShardWriter shard : shards) {
            for (ClickHouseHttp replica : shard.answering()) {
                try {
                    replica.execute(sql, java.util.Map.of("receive_timeout", Integer.toString(SYNC_SECONDS)));
                } catch (RuntimeException e) {
                    // it could not catch up in time (a part only a replica that is down has, say): read it as it is
                }
            }
        }
    }

    /** A client of a server that answers, for reading the Distributed tables; the first shard's replicas are tried first. */
    private ClickHouseHttp httpForReading() throws WriteException {
        requireShards("read");
        WriteException last = null;
        for (ShardWriter shard : shards) {
            try {
                return shard.onSomeReplica("reading", null, (http, version) -> http);
            } catch (WriteException e) {
                if (!e.retryable()) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    /** {@code SELECT 1} on one replica of every shard: a shard none of whose replicas answers fails it retryably. */
    @Override
    public void checkConnection() throws WriteException {
        requireShards("check the connection");
        for (ShardWriter shard : shards) {
            shard.onSomeReplica("checking the connection", null, (http, version) -> http.rows("SELECT 1"));
        }
    }

    /**
     * After {@link #open()}: {@code ClickHouse cluster c, database db, shard 1 (replicas h1:9000, h2:9000)}
     * for one shard, or {@code …, shards 1 (…), 2 (…)} for the cluster — the replicas as
     * {@code remote_servers} names them (host and native port), asked once from a server of the
     * shard, so two destinations naming one cluster by different hosts are one target.
     */
    @Override
    public Optional<String> targetIdentity() throws WriteException {
        if (!opened || closed) {
            return Optional.empty();
        }
        if (identity == null) {
            requireShards("ask the servers which cluster they are");
            List<String> parts = new ArrayList<>();
            for (ShardWriter shard : shards) {
                List<String[]> rows = shard.onSomeReplica("asking the servers which cluster they are", null, (http, version) ->
                        http.rows("SELECT host_name, port FROM system.clusters WHERE cluster = " + literal(destination.cluster())
                                + " AND shard_num = " + shard.shard() + " ORDER BY replica_num"));
                parts.add(shard.shard() + " (replicas " + rows.stream().map(r -> r[0].toLowerCase(java.util.Locale.ROOT) + ":" + r[1])
                        .collect(Collectors.joining(", ")) + ")");
            }
            identity = "ClickHouse cluster " + destination.cluster() + ", database " + destination.database() + ", "
                    + (destination.shard() != 0 ? "shard " : "shards ") + String.join(", ", parts);
        }
        return Optional.of(identity);
    }

    /** The cluster's tables through their Distributed tables with FINAL; empty for a writer of one shard. */
    @Override
    public Optional<TableReader> reader() {
        return Optional.ofNullable(reader);
    }

    /** The topology learned at open or at the first write; null before. */
    ClusterTopology topology() {
        return topology;
    }

    @Override
    public void close() {
        closed = true;
        for (ShardWriter s : shards) {
            s.close();
        }
    }

    @Override
    public String toString() {
        return "ClickHouseClusterWriter[" + destination.name() + ", " + destination.physicalTarget() + "]";
    }
}
