package dev.fanout.writer.clickhouse;

import static dev.fanout.writer.clickhouse.ClickHouseSql.VERSION_COLUMN;
import static dev.fanout.writer.clickhouse.ClickHouseSql.literal;
import static dev.fanout.writer.clickhouse.ClickHouseSql.qualified;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.LatestPerKey;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowLoad;
import dev.fanout.api.SameEngineCopy;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriteOutcome;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Upserts batches into the tables of one ClickHouse database (or one table of it) over HTTP.
 *
 * <p><b>Write path</b>, per batch: the winner per key ({@link LatestPerKey}: highest version, ties
 * to the later row) is encoded in {@code RowBinary} in the stored table's column layout and sent as
 * one insert — never row by row. The table is a {@code ReplacingMergeTree(_fanout_version)} ordered
 * by the primary key, so of the rows with one key ClickHouse keeps the highest version (equal
 * versions: the last inserted): an older replay never overwrites newer data. The replacement is
 * <em>eventual</em>: until parts merge, plain reads may see several rows per key; reads with
 * {@code FINAL} see the upserted state. A winning row replaces the stored row whole: columns the
 * batch lacks are NULL in it, as the contract wants (the state never depends on arrival order).
 *
 * <p><b>Atomicity</b>: an insert above ClickHouse's block size is committed block by block, so a
 * failed write may leave part of the batch visible; every such row carries its own key and
 * version, so a replay overwrites it identically — the state the contract allows.
 *
 * <p><b>Schema</b>: the table is created on first write, and its shape is read from the catalog and
 * cached. New columns are added as {@code Nullable}; int32 → int64 → float64 and decimals widen
 * with {@code MODIFY COLUMN} (not key columns: ClickHouse cannot retype a sorting-key column);
 * anything else is a permanent {@link WriteException} naming table and column. A table fanout
 * creates is partitioned by the batch's table option {@code partition_by} (the topology's
 * {@code tables.<t>.options}), else by the destination option {@code partition_by.<table>}, and gets
 * the table options {@code settings.<name>} as engine {@code SETTINGS}; changing either later does
 * not alter an existing table. Other table options are ignored.
 *
 * <p><b>Connecting</b>: {@link #open()} reads the server version, which decides compression and
 * the timestamp and date types of new columns (see {@link ClickHouseServerVersion}), and creates the
 * database when it is missing. A permanent failure there (authentication, privileges, TLS; a
 * missing database outside the user's allowed databases, which the message names as such with what
 * to do) fails {@code open}. A retryable one — the server down or unreachable for now — does not: the
 * destination must not stop the run's other destinations, so {@code open} returns and every
 * {@link #write} connects first, failing retryably while the server is away (the core's retries,
 * circuit breaker and dead-letter queue take it from there) and writing once it is back.
 * {@link #checkConnection()} (what {@code fanout validate --connect} calls) does insist on an answer.
 * Not thread-safe: one lane thread drives it.
 *
 * <p><b>Reading back</b>: {@link #reader()} reads the stored tables with {@code FINAL} over the same
 * client ({@link ClickHouseReader}), so a ClickHouse destination can be a migration source.
 */
public final class ClickHouseWriter implements BaseWriter {

    /** The table option naming a table's PARTITION BY expression. */
    static final String TABLE_PARTITION_BY = "partition_by";
    /** The prefix of table options naming a table's engine settings. */
    static final String TABLE_SETTINGS_PREFIX = "settings.";

    private final ClickHouseDestination destination;
    private final Map<String, StoredTable> tables = new HashMap<>();
    private final ClickHouseReader reader;
    private ClickHouseHttp http;
    private ClickHouseServerVersion serverVersion;
    private boolean opened;
    private boolean closed;
    /** What the server said of the database, once asked: see {@link #targetIdentity()}. */
    private String identity;

    ClickHouseWriter(ClickHouseDestination destination) {
        this.destination = Objects.requireNonNull(destination, "destination is null");
        this.reader = new ClickHouseReader(this::httpForReading, destination);
    }

    @Override
    public void open() throws WriteException {
        if (closed) {
            throw new IllegalStateException("destination " + destination.name() + ": the writer is closed");
        }
        if (opened) {
            return;
        }
        try {
            connect();
        } catch (WriteException e) {
            if (!e.retryable()) {
                // nothing is kept (connect closed its client): the core may call open again later
                throw e;
            }
            // The server is away for now: each write connects first and fails retryably until it is back.
        }
        opened = true;
    }

    /**
     * {@code SELECT 1} with the destination's credentials, connecting first when the server was away
     * at {@link #open()}: a server that does not answer is a retryable failure saying so with its
     * {@code host:port}, refused credentials a permanent one (neither carries the password).
     */
    @Override
    public void checkConnection() throws WriteException {
        try {
            ClickHouseHttp client = requireConnection("check the connection");
            try {
                client.rows("SELECT 1");
            } catch (RuntimeException e) {
                throw ClickHouseFailure.of(destination, null, "checking the connection", e);
            }
        } catch (WriteException e) {
            if (e.retryable() && e.getCause() != null && ClickHouseFailure.isUnreachable(e.getCause())) {
                throw ClickHouseFailure.notAnswering(destination, e.getCause());
            }
            throw e;
        }
    }

    /**
     * Empty before {@link #open()}: a host name does not tell which server answers to it. After it,
     * what the server says — {@code ClickHouse database market (server host db1, data path
     * /var/lib/clickhouse/data/market/)}: its {@code hostName()} and the database's {@code data_path}
     * from {@code system.databases} (an absolute path on that host, so two servers of one host
     * differ) — asked once, connecting first when the server was away at open, so one server under
     * {@code localhost}, {@code 127.0.0.1} or its host name is one target. Retryable while the server
     * does not answer, like a write.
     */
    @Override
    public Optional<String> targetIdentity() throws WriteException {
        if (!opened || closed) {
            return Optional.empty();
        }
        if (identity == null) {
            ClickHouseHttp client = requireConnection("ask the server which it is");
            try {
                List<String[]> rows = client.rows("SELECT hostName(), data_path FROM system.databases WHERE name = "
                        + literal(destination.database()));
                if (rows.isEmpty() || rows.get(0).length < 2) {
                    throw WriteException.retryable("destination " + destination.name() + ": the server at " + destination.hostPort()
                            + " does not list database " + destination.database() + " in system.databases — was it dropped meanwhile?", null);
                }
                identity = "ClickHouse database " + destination.database() + " (server host " + rows.get(0)[0] + ", data path "
                        + rows.get(0)[1] + ")";
            } catch (RuntimeException e) {
                throw ClickHouseFailure.of(destination, null, "asking the server which it is", e);
            }
        }
        return Optional.of(identity);
    }

    /** Reads the server version, chooses compression, creates the database if missing; sets {@link #http}. */
    private void connect() throws WriteException {
        String step = "reading the server version";
        ClickHouseHttp plain = new ClickHouseHttp(destination, false);
        try {
            List<String[]> version = plain.rows("SELECT version()");
            if (version.isEmpty() || version.get(0).length == 0 || version.get(0)[0] == null) {
                throw WriteException.permanent("destination " + destination.name() + ": the server at " + destination.hostPort()
                        + " did not say its version — is it ClickHouse?", null);
            }
            serverVersion = ClickHouseServerVersion.parse(version.get(0)[0]);
            if (serverVersion.compressesHttp()) {
                plain.close();
                plain = new ClickHouseHttp(destination, true);
            }
            step = "checking the database " + destination.database();
            List<String[]> found = plain.rows("SELECT count() FROM system.databases WHERE name = " + literal(destination.database()));
            if (found.isEmpty() || "0".equals(found.get(0)[0])) {
                step = "creating the database " + destination.database();
                try {
                    plain.execute(ReplacingMergeTreeDdl.createDatabase(destination.database()));
                } catch (RuntimeException e) {
                    throw ClickHouseFailure.isDatabaseAccessDenied(e) ? ClickHouseFailure.databaseNotCreated(destination, e)
                            : ClickHouseFailure.of(destination, null, step, e);
                }
            }
            http = plain;
        } catch (RuntimeException e) {
            plain.close();
            throw ClickHouseFailure.of(destination, null, step, e);
        } catch (WriteException e) {
            plain.close();
            throw e;
        }
    }

    /** The version the server reported when the writer connected; null before. */
    ClickHouseServerVersion serverVersion() {
        return serverVersion;
    }

    /** Whether requests and responses are compressed; false before {@link #open()}. */
    boolean compressed() {
        return http != null && http.compressed();
    }

    @Override
    public void write(WriteBatch batch) throws WriteException {
        writeCounted(batch);
    }

    /**
     * Counts what it inserted: every winner per key is applied, the rows superseded within the batch
     * are skipped. A stale row (older than the stored one) or a replay is inserted and counted as
     * applied too — the ReplacingMergeTree drops it at merge or {@code FINAL}, not at write time, and
     * telling it apart would cost a read of the stored versions per batch.
     */
    @Override
    public WriteOutcome writeCounted(WriteBatch batch) throws WriteException {
        Objects.requireNonNull(batch, "batch is null");
        requireConnection("write");
        String table = batch.table();
        Schema schema = batch.schema();
        refuseTableAndColumns(table, schema, "a packet");
        LatestPerKey winners = winners(destination, batch);
        String step = "preparing the table";
        try {
            StoredTable stored = prepareTable(table, schema, batch.tableOptions());
            RowBinaryEncoder encoder = encoder(destination, table, schema, stored);
            RowBinaryEncoder.Encoded rows = encoder.encode(winners);
            step = "inserting rows";
            http.insert(qualified(destination.database(), table), quoted(encoder.columnNames()), rows);
            return WriteOutcome.counted(batch.rowCount(), winners.size());
        } catch (RuntimeException e) {
            tables.remove(table);
            throw ClickHouseFailure.of(destination, table, step, e);
        } catch (WriteException e) {
            tables.remove(table);
            throw e;
        }
    }

    /** Refuses a table the URI does not name and a column named like the version; {@code what} says what brought them. */
    private void refuseTableAndColumns(String table, Schema schema, String what) throws WriteException {
        if (destination.table() != null && !destination.table().equals(table)) {
            throw WriteException.permanent(table, null, "destination " + destination.name() + " takes only table "
                    + destination.table() + " (its URI names it), but " + what + " of table " + table + " was routed to it — "
                    + "route " + table + " to another destination, or use ch://" + destination.hostPort() + "/" + destination.database());
        }
        for (Column c : schema.columns()) {
            if (c.name().equals(VERSION_COLUMN)) {
                throw WriteException.permanent(table, c.name(), "destination " + destination.name() + ": table " + table + ", column "
                        + c.name() + ": the name is reserved for fanout's row version — rename the column");
            }
        }
    }

    /**
     * The {@link dev.fanout.api.Capability#LOAD_ROWS} side: the table prepared as for a write, then one
     * {@code Native} (or {@code RowBinary}) insert whose body is the row stream turned into the stored
     * layout as it is read ({@link RowStreamTranscoder}), sent while the source still exports — no
     * packet, no row object, and no more of the range in memory than one native block. Every row keeps the version it carries,
     * so the ReplacingMergeTree keeps the newest per key as it does for writes; a load that fails
     * midway may have committed whole blocks of its rows, which loading the range again replaces
     * identically.
     */
    @Override
    public Optional<RowLoad> rowLoad() {
        return Optional.of(this::load);
    }

    private long load(String table, Schema schema, Map<String, String> tableOptions, InputStream rows) throws WriteException {
        Objects.requireNonNull(schema, "schema is null");
        Objects.requireNonNull(tableOptions, "tableOptions is null");
        Objects.requireNonNull(rows, "rows is null");
        requireConnection("load rows");
        refuseTableAndColumns(table, schema, "a migrated table");
        String step = "preparing the table";
        RowStreamTranscoder transcoder = null;
        try {
            StoredTable stored = prepareTable(table, schema, tableOptions);
            RowStreamTranscoder t = new RowStreamTranscoder(destination.name(), table, targets(schema, stored));
            transcoder = t;
            step = "loading rows";
            http.insertStreamed(qualified(destination.database(), table), quoted(columnNames(schema)), t.format(), out -> t.copy(rows, out));
            return t.rows();
        } catch (RuntimeException e) {
            tables.remove(table);
            if (transcoder != null && transcoder.failure() != null) {
                throw transcoder.failure();
            }
            throw ClickHouseFailure.of(destination, table, step, e);
        } catch (WriteException e) {
            tables.remove(table);
            throw e;
        }
    }

    /**
     * The rows of {@code batch} that win per key ({@link LatestPerKey}), after refusing a column named
     * like fanout's version column; the first step of every insert.
     */
    static LatestPerKey winners(ClickHouseDestination destination, WriteBatch batch) throws WriteException {
        String table = batch.table();
        Schema schema = batch.schema();
        for (Column c : schema.columns()) {
            if (c.name().equals(VERSION_COLUMN)) {
                throw WriteException.permanent(table, c.name(), "destination " + destination.name() + ": table " + table + ", column "
                        + c.name() + ": the name is reserved for fanout's row version — rename the column");
            }
        }
        try {
            return LatestPerKey.of(batch);
        } catch (IllegalStateException e) {
            throw WriteException.permanent(table, schema.versionColumn().orElse(null), "destination " + destination.name() + ": " + e.getMessage());
        }
    }

    /**
     * The {@link dev.fanout.api.Capability#READ} side: this writer's tables read back with {@code FINAL}
     * over its client ({@link ClickHouseReader}), between {@link #open()} and {@link #close()}, on the
     * writer's thread; like a write, a read first connects when the server was away at open.
     */
    @Override
    public Optional<TableReader> reader() {
        return Optional.of(reader);
    }

    /**
     * The {@link dev.fanout.api.Capability#COPY_FROM_SAME_ENGINE} side: another database of this
     * writer's server, reached with its user and password, copied and compared by the server itself
     * ({@link AttachedClickHouseDatabase}); a source elsewhere is not {@link SameEngineCopy#reaches reached}
     * and is streamed.
     */
    @Override
    public Optional<SameEngineCopy> sameEngineCopy() {
        return Optional.of(new SameEngineCopy() {
            @Override
            public boolean reaches(Destination source) {
                return AttachedClickHouseDatabase.reaches(destination, source);
            }

            @Override
            public Attached attach(Destination source) throws WriteException {
                return AttachedClickHouseDatabase.attach(ClickHouseWriter.this, destination, reader, source);
            }
        });
    }

    /** Creates or evolves {@code table} so that {@code schema} fits it, before rows are copied into it from another database. */
    void prepareForCopy(String table, Schema schema) throws WriteException {
        requireConnection("copy rows");
        try {
            prepareTable(table, schema, Map.of());
        } catch (RuntimeException e) {
            tables.remove(table);
            throw ClickHouseFailure.of(destination, table, "preparing the table", e);
        }
    }

    /** The client, connecting first when the server was away so far; for {@code what} the caller does. */
    private ClickHouseHttp requireConnection(String what) throws WriteException {
        if (!opened || closed) {
            throw new IllegalStateException("destination " + destination.name() + ": " + what + " before open or after close");
        }
        if (http == null) {
            connect();
        }
        return http;
    }

    /** The client {@link ClickHouseReader} reads over. */
    ClickHouseHttp httpForReading() throws WriteException {
        return requireConnection("read");
    }

    /**
     * Creates or evolves the table so that {@code schema} fits it; returns its shape. A table fanout
     * creates takes {@code PARTITION BY} and engine {@code SETTINGS} from {@code tableOptions}
     * ({@code partition_by}, {@code settings.<name>}), the partition expression otherwise from the
     * destination option {@code partition_by.<table>}; an existing table is left as it is.
     */
    private StoredTable prepareTable(String table, Schema schema, Map<String, String> tableOptions) throws WriteException {
        StoredTable stored = tables.get(table);
        if (stored == null) {
            stored = StoredTable.load(http, destination.database(), table);
            if (stored == null) {
                String partitionBy = partitionBy(destination, table, tableOptions);
                http.execute(ReplacingMergeTreeDdl.createTable(destination.database(), table, schema, serverVersion,
                        partitionBy, engineSettings(destination, table, tableOptions)));
                if (partitionBy != null) {
                    String outside = partitionColumnOutsideKey(http, destination.database(), table, schema);
                    if (outside != null) {
                        http.execute("DROP TABLE IF EXISTS " + qualified(destination.database(), table));
                        throw partitionOutsideKey(destination, table, outside);
                    }
                }
                stored = loadExisting(table);
            }
            tables.put(table, stored);
        }
        StoredTable.Evolution evolution = stored.plan(destination.name(), schema, serverVersion);
        if (evolution.isEmpty()) {
            return stored;
        }
        tables.remove(table);
        for (Map.Entry<String, LogicalType> w : evolution.widened().entrySet()) {
            http.execute(ReplacingMergeTreeDdl.modifyColumn(destination.database(), table, w.getKey(), w.getValue(),
                    stored.column(w.getKey()).type().nullable(), serverVersion));
        }
        for (Map.Entry<String, LogicalType> c : evolution.commented().entrySet()) {
            http.execute(ReplacingMergeTreeDdl.commentColumn(destination.database(), table, c.getKey(), c.getValue(), serverVersion));
        }
        for (Column c : evolution.added()) {
            for (String sql : ReplacingMergeTreeDdl.addColumn(destination.database(), table, c, serverVersion)) {
                http.execute(sql);
            }
        }
        stored = loadExisting(table);
        stored.plan(destination.name(), schema, serverVersion);
        tables.put(table, stored);
        return stored;
    }

    /**
     * ReplacingMergeTree deduplicates only within a partition: a partition key over a non-key column
     * would let versions of one key survive in two partitions, even under FINAL. So right after
     * creating a partitioned table the writer asks for a column of its partition key outside the
     * primary key ({@code system.columns.is_in_partition_key}, which 18.16 has), and when there is
     * one drops the table again and fails ({@link #partitionOutsideKey}). Null when there is none.
     */
    static String partitionColumnOutsideKey(ClickHouseHttp http, String database, String table, Schema schema) {
        List<String[]> partitionColumns = http.rows("SELECT name FROM system.columns WHERE database = "
                + ClickHouseSql.literal(database) + " AND table = " + ClickHouseSql.literal(table)
                + " AND is_in_partition_key = 1 ORDER BY name");
        for (String[] c : partitionColumns) {
            if (!schema.isKey(c[0])) {
                return c[0];
            }
        }
        return null;
    }

    /** The permanent failure of a partition key using {@code column}, which is not in the primary key. */
    static WriteException partitionOutsideKey(ClickHouseDestination destination, String table, String column) {
        return WriteException.permanent(table, column, "destination " + destination.name() + ": table " + table
                + ": partition_by uses column " + column + ", which is not in the primary key; ReplacingMergeTree "
                + "deduplicates only within a partition, so versions of one key would survive in two partitions — "
                + "partition by key columns only");
    }

    /** The table option {@code partition_by}, else the destination option {@code partition_by.<table>}, else null. */
    static String partitionBy(ClickHouseDestination destination, String table, Map<String, String> tableOptions) throws WriteException {
        String fromTopology = tableOptions.get(TABLE_PARTITION_BY);
        if (fromTopology == null) {
            return destination.partitionBy().get(table);
        }
        if (fromTopology.isBlank()) {
            throw WriteException.permanent(table, null, "destination " + destination.name() + ": table " + table
                    + ", option " + TABLE_PARTITION_BY + " is empty — give a PARTITION BY expression, e.g. toYYYYMM(day), or leave it out");
        }
        return fromTopology.strip();
    }

    /** The table options {@code settings.<name>}: name → value, sorted by name. */
    static Map<String, String> engineSettings(ClickHouseDestination destination, String table, Map<String, String> tableOptions)
            throws WriteException {
        Map<String, String> settings = new TreeMap<>();
        for (Map.Entry<String, String> o : tableOptions.entrySet()) {
            if (!o.getKey().startsWith(TABLE_SETTINGS_PREFIX)) {
                continue;
            }
            String name = o.getKey().substring(TABLE_SETTINGS_PREFIX.length());
            String problem = ReplacingMergeTreeDdl.settingProblem(name);
            if (problem != null) {
                throw WriteException.permanent(table, null, "destination " + destination.name() + ": table " + table + ", option "
                        + o.getKey() + ": " + problem + " — write settings.<name>, e.g. settings.index_granularity");
            }
            settings.put(name, o.getValue());
        }
        return settings;
    }

    private StoredTable loadExisting(String table) throws WriteException {
        StoredTable stored = StoredTable.load(http, destination.database(), table);
        if (stored == null) {
            throw WriteException.retryable("destination " + destination.name() + ": table " + table
                    + " is missing right after fanout created or altered it — was it dropped concurrently?", null);
        }
        return stored;
    }

    /** The insert's columns: the batch's, then the version, each encoded as stored. */
    static RowBinaryEncoder encoder(ClickHouseDestination destination, String table, Schema schema, StoredTable stored) {
        return new RowBinaryEncoder(destination.name(), table, targets(schema, stored));
    }

    /** The insert's columns for {@code schema}: its columns, then the version, each with its stored type. */
    private static List<RowBinaryEncoder.Target> targets(Schema schema, StoredTable stored) {
        List<RowBinaryEncoder.Target> targets = new ArrayList<>();
        for (int i = 0; i < schema.width(); i++) {
            Column c = schema.column(i);
            targets.add(new RowBinaryEncoder.Target(c.name(), i, c.type(), stored.column(c.name()).type()));
        }
        targets.add(new RowBinaryEncoder.Target(VERSION_COLUMN, -1, LogicalType.INT64, stored.column(VERSION_COLUMN).type()));
        return targets;
    }

    /** The names {@link #targets} inserts, unquoted. */
    private static List<String> columnNames(Schema schema) {
        List<String> names = new ArrayList<>();
        schema.columns().forEach(c -> names.add(c.name()));
        names.add(VERSION_COLUMN);
        return names;
    }

    static List<String> quoted(List<String> names) {
        return names.stream().map(ClickHouseSql::quote).collect(Collectors.toList());
    }

    @Override
    public void close() {
        closed = true;
        tables.clear();
        ClickHouseHttp h = http;
        http = null;
        if (h != null) {
            h.close();
        }
    }

    @Override
    public String toString() {
        return "ClickHouseWriter[" + destination.name() + ", " + destination.physicalTarget() + "]";
    }
}
