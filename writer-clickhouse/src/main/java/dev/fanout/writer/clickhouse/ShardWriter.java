package dev.fanout.writer.clickhouse;

import static dev.fanout.writer.clickhouse.ClickHouseSql.literal;
import static dev.fanout.writer.clickhouse.ClickHouseSql.qualified;
import static dev.fanout.writer.clickhouse.ClickHouseSql.quote;
import static dev.fanout.writer.clickhouse.ReplacingMergeTreeDdl.localTable;
import static dev.fanout.writer.clickhouse.ReplacingMergeTreeDdl.onCluster;

import com.clickhouse.client.api.ServerException;
import dev.fanout.api.Column;
import dev.fanout.api.LatestPerKey;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriteOutcome;
import dev.fanout.writer.clickhouse.ClickHouseDestination.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes one shard of a ClickHouse cluster: each batch into {@code <table>_local} of one replica of
 * the shard, in {@code RowBinary} as {@link ClickHouseWriter} writes one server (same winners per
 * key, same encoding, same table shape), failing over to the shard's next replica when one does not
 * answer.
 *
 * <p><b>Failover</b>: the replica that took the last write is tried first. A retryable failure on a
 * replica — refused or timed-out connection, broken transfer, a transient server state such as a
 * read-only table while its ZooKeeper session is lost — moves on to the next replica; a permanent one
 * (types, privileges) fails at once. When every replica failed, the write fails retryably, naming
 * each replica's failure. An insert that returned means the replica committed the rows and registered
 * the part in ZooKeeper; the shard's other replicas fetch it from there (without {@code insert_quorum}:
 * a replica lost for good before the others fetched its part loses those rows). A retry after an
 * unknown outcome sends the same block again, which replicated deduplication drops, and the
 * version-conditional ReplacingMergeTree makes any other replay harmless.
 *
 * <p><b>Tables</b> are created and evolved {@code ON CLUSTER} ({@link ReplacingMergeTreeDdl}): when
 * a server is down, the statement runs on the others and waits for it at most
 * {@value #DDL_WAIT_SECONDS} s ({@code distributed_ddl_task_timeout}); the server runs it from the
 * DDL queue when it is back, and the writer goes on once the replica it writes to has the table. An
 * existing table must be fanout's cluster table: {@code <table>_local} a
 * {@code ReplicatedReplacingMergeTree} versioned by {@code _fanout_version}, {@code <table>} a
 * {@code Distributed} table over it sharded by {@link ClusterSharding#expression}; anything else is
 * refused permanently. Not thread-safe: one lane thread drives it.
 */
final class ShardWriter implements AutoCloseable {

    /** How long an ON CLUSTER statement waits for the cluster's servers (distributed_ddl_task_timeout). */
    static final int DDL_WAIT_SECONDS = 15;
    /** TIMEOUT_EXCEEDED: an ON CLUSTER statement some server has not run yet. */
    private static final int TIMEOUT_EXCEEDED = 159;

    /** One step on one replica. */
    @FunctionalInterface
    interface Step<T> {
        T run(ClickHouseHttp http, ClickHouseServerVersion version) throws WriteException;
    }

    private final ClickHouseDestination destination;
    private final int shard;
    private final List<Endpoint> replicas;
    /** Every server of the cluster, whose Distributed tables the writer aligns. */
    private final List<Endpoint> servers;
    private final ClickHouseHttp[] clients;
    private final ClickHouseServerVersion[] versions;
    private final Map<String, StoredTable> tables = new HashMap<>();
    private int preferred;
    private boolean databaseCreated;

    /**
     * @param destination the cluster (or shard) destination: database, cluster, credentials, options
     * @param shard       the shard's {@code shard_num}
     * @param replicas    the endpoints of its replicas, at least one
     * @param servers     the endpoints of every server of the cluster
     */
    ShardWriter(ClickHouseDestination destination, int shard, List<Endpoint> replicas, List<Endpoint> servers) {
        this.destination = Objects.requireNonNull(destination, "destination is null");
        this.shard = shard;
        this.replicas = List.copyOf(replicas);
        this.servers = List.copyOf(servers);
        if (this.replicas.isEmpty()) {
            throw new IllegalArgumentException("shard " + shard + " has no replica endpoint");
        }
        this.clients = new ClickHouseHttp[this.replicas.size()];
        this.versions = new ClickHouseServerVersion[this.replicas.size()];
    }

    int shard() {
        return shard;
    }

    List<Endpoint> replicas() {
        return replicas;
    }

    /** Inserts the winners of {@code batch} into the shard's local table on one replica. */
    WriteOutcome write(WriteBatch batch) throws WriteException {
        String table = batch.table();
        LatestPerKey winners = ClickHouseWriter.winners(destination, batch);
        return onSomeReplica("inserting rows", table, (http, version) -> {
            StoredTable stored = prepareTable(http, version, table, batch.schema(), batch.tableOptions());
            RowBinaryEncoder encoder = ClickHouseWriter.encoder(destination, table, batch.schema(), stored);
            RowBinaryEncoder.Encoded rows = encoder.encode(winners);
            http.insert(qualified(destination.database(), localTable(table)), ClickHouseWriter.quoted(encoder.columnNames()), rows);
            return WriteOutcome.counted(batch.rowCount(), winners.size());
        });
    }

    /**
     * Runs {@code step} on the preferred replica, then on the others while they fail retryably.
     *
     * @throws WriteException the first permanent failure; or, when every replica failed, a retryable
     *                        one naming the shard and each replica's failure
     */
    <T> T onSomeReplica(String action, String table, Step<T> step) throws WriteException {
        List<String> failures = new ArrayList<>();
        WriteException last = null;
        for (int i = 0; i < replicas.size(); i++) {
            int r = (preferred + i) % replicas.size();
            ClickHouseDestination at = destination.at(replicas.get(r));
            WriteException failure;
            try {
                ClickHouseHttp http = client(r, at);
                T result = step.run(http, versions[r]);
                preferred = r;
                return result;
            } catch (RuntimeException e) {
                failure = ClickHouseFailure.of(at, table, action, e);
            } catch (WriteException e) {
                failure = e;
            }
            if (table != null) {
                tables.remove(table);
            }
            if (!failure.retryable()) {
                throw failure;
            }
            disconnect(r);
            failures.add(replicas.get(r).hostPort() + ": " + failure.getMessage());
            last = failure;
        }
        throw new WriteException("destination " + destination.name() + ": cluster " + destination.cluster() + ", shard " + shard
                + (table == null ? "" : ", table " + table) + ": no replica of the shard could take it while " + action + " ("
                + String.join("; ", failures) + ") — fanout retries; start a replica of shard " + shard, true, table, null, last);
    }

    /** The clients of the replicas that answer {@code SELECT 1} now (for waiting on replication). */
    List<ClickHouseHttp> answering() {
        List<ClickHouseHttp> live = new ArrayList<>();
        WriteException[] failures = ping();
        for (int r = 0; r < replicas.size(); r++) {
            if (failures[r] == null) {
                live.add(clients[r]);
            }
        }
        return live;
    }

    /**
     * The replicas that do not answer {@code SELECT 1} now, as {@code host:port}.
     *
     * @throws WriteException a permanent failure (a refused password, say), which no restart mends
     */
    List<String> notAnswering() throws WriteException {
        List<String> down = new ArrayList<>();
        WriteException[] failures = ping();
        for (int r = 0; r < replicas.size(); r++) {
            if (failures[r] != null) {
                if (!failures[r].retryable()) {
                    throw failures[r];
                }
                down.add(replicas.get(r).hostPort());
            }
        }
        return down;
    }

    /** {@code SELECT 1} on each replica: per replica null when it answers, else why not (and it is disconnected). */
    private WriteException[] ping() {
        WriteException[] failures = new WriteException[replicas.size()];
        for (int r = 0; r < replicas.size(); r++) {
            ClickHouseDestination at = destination.at(replicas.get(r));
            try {
                client(r, at).rows("SELECT 1");
                continue;
            } catch (RuntimeException e) {
                failures[r] = ClickHouseFailure.of(at, null, "checking the connection", e);
            } catch (WriteException e) {
                failures[r] = e;
            }
            disconnect(r);
        }
        return failures;
    }

    /** The client of replica {@code r}, connecting first: the server version decides compression. */
    private ClickHouseHttp client(int r, ClickHouseDestination at) throws WriteException {
        if (clients[r] != null) {
            return clients[r];
        }
        ClickHouseHttp plain = new ClickHouseHttp(at, false);
        try {
            List<String[]> v = plain.rows("SELECT version()");
            ClickHouseServerVersion version = ClickHouseServerVersion.parse(v.get(0)[0]);
            if (version.compressesHttp()) {
                plain.close();
                plain = new ClickHouseHttp(at, true);
            }
            versions[r] = version;
            clients[r] = plain;
            return plain;
        } catch (RuntimeException e) {
            plain.close();
            throw ClickHouseFailure.of(at, null, "reading the server version", e);
        }
    }

    private void disconnect(int r) {
        ClickHouseHttp h = clients[r];
        clients[r] = null;
        if (h != null) {
            h.close();
        }
    }

    /**
     * Creates or evolves the cluster table so that {@code schema} fits it; returns its shape on this
     * replica: the local part's columns with the Distributed table's comments.
     */
    private StoredTable prepareTable(ClickHouseHttp http, ClickHouseServerVersion version, String table, Schema schema,
                                     Map<String, String> tableOptions) throws WriteException {
        String database = destination.database();
        String local = localTable(table);
        StoredTable stored = tables.get(table);
        if (stored == null) {
            StoredTable localPart = StoredTable.load(http, database, local);
            StoredTable distributed = StoredTable.load(http, database, table);
            if (localPart == null || distributed == null) {
                create(http, version, table, schema, tableOptions);
                localPart = StoredTable.load(http, database, local);
                distributed = StoredTable.load(http, database, table);
                if (localPart == null || distributed == null) {
                    throw WriteException.retryable("destination " + destination.name() + ": table " + table + ": created ON CLUSTER "
                            + destination.cluster() + ", but the server at " + destination.at(replicas.get(preferred)).hostPort()
                            + " has not run the statement yet (its DDL queue) — fanout retries", null);
                }
            }
            checkClusterTable(table, schema, version, localPart, distributed);
            stored = StoredTable.clusterTable(table, localPart, distributed.comments());
            completeReplicas(http, table);
            alignDistributed(table, stored);
            tables.put(table, stored);
        }
        StoredTable.Evolution evolution = stored.plan(destination.name(), schema, version);
        if (evolution.isEmpty()) {
            return stored;
        }
        tables.remove(table);
        String cluster = destination.cluster();
        Map<String, String> comments = new HashMap<>(stored.comments());
        try {
            for (Map.Entry<String, LogicalType> w : evolution.widened().entrySet()) {
                ddl(http, ReplacingMergeTreeDdl.modifyColumn(database, local, cluster, w.getKey(), w.getValue(),
                        stored.column(w.getKey()).type().nullable(), version));
            }
            for (Column c : evolution.added()) {
                ddl(http, ReplacingMergeTreeDdl.addLocalColumn(database, table, cluster, c, version));
            }
        } catch (RuntimeException e) {
            // another shard's writer may have made the same change a moment earlier: what counts is the table now
            StoredTable now = StoredTable.load(http, database, local);
            if (now == null || !StoredTable.clusterTable(table, now, comments).plan(destination.name(), schema, version).added().isEmpty()) {
                throw e;
            }
        }
        for (Column c : evolution.added()) {
            String comment = ClickHouseColumnType.comment(c.type(), version);
            if (comment != null) {
                comments.put(c.name(), comment);
            }
        }
        evolution.commented().forEach((column, type) -> comments.put(column, ClickHouseColumnType.comment(type, version)));
        StoredTable localPart = StoredTable.load(http, database, local);
        if (localPart == null) {
            throw WriteException.retryable("destination " + destination.name() + ": table " + local
                    + " is missing right after fanout altered it — was it dropped concurrently?", null);
        }
        stored = StoredTable.clusterTable(table, localPart, comments);
        stored.plan(destination.name(), schema, version);
        alignDistributed(table, stored);
        tables.put(table, stored);
        return stored;
    }

    /** Creates the database, {@code <table>_local} and the Distributed {@code <table>} ON CLUSTER. */
    private void create(ClickHouseHttp http, ClickHouseServerVersion version, String table, Schema schema,
                        Map<String, String> tableOptions) throws WriteException {
        String database = destination.database();
        String cluster = destination.cluster();
        for (String name : List.of(database, table)) {
            if (name.indexOf('{') >= 0 || name.indexOf('}') >= 0 || name.indexOf('/') >= 0) {
                // the name goes into the replicated table's ZooKeeper path, where {…} is a macro and / a level
                throw WriteException.permanent(table, null, "destination " + destination.name() + ": table " + table + " in database "
                        + database + " cannot be replicated on a cluster, as '{', '}' and '/' in a name would change its ZooKeeper path"
                        + " (a macro or another level); rename it without them");
            }
        }
        String expression = ClusterSharding.expression(destination.name(), table, schema, version);
        String partitionBy = ClickHouseWriter.partitionBy(destination, table, tableOptions);
        Map<String, String> settings = ClickHouseWriter.engineSettings(destination, table, tableOptions);
        if (!databaseCreated) {
            ddl(http, ReplacingMergeTreeDdl.createDatabase(database, cluster));
            databaseCreated = true;
        }
        ddl(http, ReplacingMergeTreeDdl.createLocalTable(database, table, cluster, schema, version, partitionBy, settings));
        if (partitionBy != null) {
            String outside = ClickHouseWriter.partitionColumnOutsideKey(http, database, localTable(table), schema);
            if (outside != null) {
                ddl(http, "DROP TABLE IF EXISTS " + qualified(database, localTable(table)) + onCluster(cluster));
                throw ClickHouseWriter.partitionOutsideKey(destination, table, outside);
            }
        }
        ddl(http, ReplacingMergeTreeDdl.createDistributedTable(database, table, cluster, schema, version, expression));
    }

    /**
     * Runs an ON CLUSTER statement. When some server has not run it within {@value #DDL_WAIT_SECONDS}
     * s (it is down, say), ClickHouse leaves it in the DDL queue for that server and the writer goes
     * on: the caller checks the table on the replica it writes to.
     */
    private void ddl(ClickHouseHttp http, String sql) {
        try {
            http.execute(sql, Map.of("distributed_ddl_task_timeout", Integer.toString(DDL_WAIT_SECONDS)));
        } catch (RuntimeException e) {
            if (!(ClickHouseFailure.unwrap(e) instanceof ServerException se && ClickHouseFailure.code(se) == TIMEOUT_EXCEEDED)) {
                throw e;
            }
        }
    }

    /** Refuses a table of that name that is not fanout's cluster table, sharded as fanout shards. */
    private void checkClusterTable(String table, Schema schema, ClickHouseServerVersion version, StoredTable local, StoredTable distributed)
            throws WriteException {
        String prefix = "destination " + destination.name() + ": cluster " + destination.cluster() + ", table " + table;
        String engine = local.engine();
        if (!engine.startsWith("Replicated") || !engine.endsWith("ReplacingMergeTree")) {
            throw WriteException.permanent(table, null, prefix + ": " + localTable(table) + " has engine " + engine + ", not "
                    + "ReplicatedReplacingMergeTree, so rows written to one replica would not reach the others — drop or rename it, "
                    + "or route " + table + " elsewhere");
        }
        String expected = ReplacingMergeTreeDdl.createDistributedTable(destination.database(), table, destination.cluster(), schema,
                version, ClusterSharding.expression(destination.name(), table, schema, version));
        String expectedEngine = expected.substring(expected.lastIndexOf(" ENGINE = ") + " ENGINE = ".length());
        if (!"Distributed".equals(distributed.engine()) || !normalized(distributed.engineFull()).equals(normalized(expectedEngine))) {
            throw WriteException.permanent(table, null, prefix + " exists as " + distributed.engineFull() + ", but fanout writes its rows to "
                    + "the shards by " + expectedEngine + " — a key would live on two shards; drop or rename " + table
                    + ", or route it elsewhere");
        }
    }

    /** Engine text without quotes, backquotes and blanks, as 18.16 prints identifiers bare where it can. */
    private static String normalized(String engine) {
        return engine.replaceAll("[`'\"\\s\\\\]", "");
    }

    /**
     * Gives each replica of the shard that answers and lacks {@code <table>_local} the table as the
     * replica of {@code http} has it ({@code SHOW CREATE TABLE}, macros unexpanded). A replica that was
     * down when the table was created runs the queued {@code CREATE … ON CLUSTER} when it is back, but
     * when the table was altered in between, 18.16 refuses that statement on it (Code 122, {@code Table
     * structure in ZooKeeper is too different}) and the replica would stay without the table, its
     * shard without a second copy. A replica that does not answer, or refuses, is left as it is; the
     * next writer that prepares the table tries again.
     */
    private void completeReplicas(ClickHouseHttp http, String table) {
        String qualified = qualified(destination.database(), localTable(table));
        String create = null;
        for (Endpoint replica : replicas) {
            try (ClickHouseHttp other = new ClickHouseHttp(destination.at(replica), false)) {
                if (StoredTable.load(other, destination.database(), localTable(table)) != null) {
                    continue;
                }
                if (create == null) {
                    create = http.rows("SHOW CREATE TABLE " + qualified).get(0)[0];
                    if (!create.startsWith("CREATE TABLE ")) {
                        return;
                    }
                    create = "CREATE TABLE IF NOT EXISTS " + create.substring("CREATE TABLE ".length());
                }
                other.execute(create);
            } catch (RuntimeException e) {
                // that replica is away, lacks the database yet, or refused: its DDL queue or the next writer gives it the table
            }
        }
    }

    /**
     * Gives the Distributed table on every server of the cluster that answers the columns of
     * {@code wanted} — the local part's types, fanout's comments — server by server: 18.16 refuses
     * {@code ALTER … ON CLUSTER} on a table that is not replicated when the cluster's shards are
     * ({@code internal_replication}). A server that does not answer is left as it is; the next writer
     * that prepares the table aligns it.
     */
    private void alignDistributed(String table, StoredTable wanted) {
        String alter = "ALTER TABLE " + qualified(destination.database(), table);
        for (Endpoint server : servers) {
            try (ClickHouseHttp http = new ClickHouseHttp(destination.at(server), false)) {
                StoredTable distributed = StoredTable.load(http, destination.database(), table);
                if (distributed == null || !"Distributed".equals(distributed.engine())) {
                    continue;
                }
                for (String name : wanted.columnNames()) {
                    StoredTable.StoredColumn want = wanted.column(name);
                    StoredTable.StoredColumn have = distributed.column(name);
                    if (have == null) {
                        http.execute(alter + " ADD COLUMN " + quote(name) + " " + want.type().text());
                    } else if (!have.type().text().equals(want.type().text())) {
                        http.execute(alter + " MODIFY COLUMN " + quote(name) + " " + want.type().text());
                    }
                    String comment = want.comment() == null ? "" : want.comment();
                    if (!comment.isEmpty() && (have == null || !comment.equals(have.comment()))) {
                        http.execute(alter + " COMMENT COLUMN " + quote(name) + " " + literal(comment));
                    }
                }
            } catch (RuntimeException e) {
                // that server is away or refused: its Distributed table stays as it is until a writer prepares the table again
            }
        }
    }

    @Override
    public void close() {
        tables.clear();
        for (int r = 0; r < clients.length; r++) {
            disconnect(r);
        }
    }
}
