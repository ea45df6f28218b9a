package dev.fanout.writer.clickhouse;

import static dev.fanout.writer.clickhouse.ClickHouseSql.VERSION_COLUMN;
import static dev.fanout.writer.clickhouse.ClickHouseSql.literal;
import static dev.fanout.writer.clickhouse.ClickHouseSql.qualified;
import static dev.fanout.writer.clickhouse.ClickHouseSql.quote;
import static dev.fanout.writer.clickhouse.ClickHouseSql.quoteAll;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowDigest;
import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Reads back the tables a {@link ClickHouseWriter} stored, over that writer's own client, so a
 * ClickHouse destination can be a migration source.
 *
 * <p><b>Tables</b> are the database's {@code ReplacingMergeTree} tables with a {@code _fanout_version}
 * column (for a one-table URI, that table only). A table's schema comes from {@code system.columns}
 * (types and fanout comments back to logical types, the 18.16 fallbacks included: Int64 microseconds
 * and Int32 days marked {@code fanout:timestamp} / {@code fanout:date}) and its key from
 * {@code system.tables.sorting_key}, in order; no version column — versions travel per row.
 *
 * <p><b>Every read is {@code FINAL}</b>: one row per key, the newest version (equal versions: the last
 * inserted). Filters are in {@code WHERE}, which ClickHouse applies after {@code FINAL} (never
 * {@code PREWHERE}, which would filter versions before deduplication), so a row counts by its newest
 * version only. Scans use keyset pagination, {@code … WHERE <filter> AND (key) > (cursor) ORDER BY key
 * LIMIT page}, read as {@code TabSeparated} bytes as they arrive and parsed exactly; a page has
 * {@value #PAGE_ROWS} rows (or the packet size, when larger) and is cut into packets of the requested size. Values are literals
 * built by {@link ClickHouseSql} (18.16 has no query parameters), identifiers quoted.
 *
 * <p><b>Deletes</b> are mutations ({@code ALTER TABLE … DELETE WHERE}), which remove every stored
 * version of a matching row. So that an older version of a key never reappears when its newest one is
 * deleted, a filter on a column outside the key first merges the table ({@code OPTIMIZE TABLE … FINAL},
 * leaving one version per key); a filter on key columns needs no merge, as every version of a key
 * matches alike. The call returns once the server reports the mutation done ({@code system.mutations},
 * polled), so a count afterwards sees it; {@link RowFilter#all()} truncates the table instead.
 *
 * <p><b>On a cluster</b> ({@link Cluster}) the tables are the {@code Distributed} ones whose
 * {@code <table>_local} fanout created; a table's schema comes from its local part (types, key) and
 * its Distributed table (fanout's comments, which the local part cannot carry on 18.16), and rows are read
 * from the {@code Distributed} table with {@code FINAL}, which every shard applies to its own part:
 * correct, because every key lives on one shard. Before a table is read, every replica that answers
 * catches up with its shard ({@link Cluster#syncReplicas}), as a Distributed read may use any
 * replica. A delete runs on each shard's local table through
 * one of its replicas (replication carries it to the others) and waits until every replica that
 * answers reports it done. The merge before a delete by a non-key column runs on the shard's leader
 * replica ({@code system.replicas.is_leader}): 18.16 fails {@code OPTIMIZE} forwarded from another one.
 *
 * <p><b>Digests</b> ({@link RowDigest}, SQL in {@link ClickHouseRowDigests}). A bucket listing reads
 * the table without {@code FINAL} when no key has two stored rows, which costs half as much:
 * {@code count()} with and without {@code FINAL} are compared first, and when they are equal every
 * key has one row, so the plain read sees what {@code FINAL} would. A row inserted between that check
 * and the listing can only add a second row to its key's bucket, making that bucket differ from the
 * other end's; the rows of differing buckets are always read with {@code FINAL}, so they are then
 * classified by their newest versions and the verification stays exact. A table with a column whose
 * canonical text this server cannot compute exactly is not digested (see
 * {@link ClickHouseRowDigests#unsupported}). On a cluster the same queries run on the Distributed
 * table: each shard digests its own rows, and every key lives on one shard.
 */
final class ClickHouseReader implements TableReader {

    /** Where a reader gets the client it reads over: its writer's, connecting first when needed. */
    @FunctionalInterface
    interface Connection {
        ClickHouseHttp httpForReading() throws WriteException;
    }

    /** What a reader of a cluster needs beyond a connection: how to run one step on every shard. */
    interface Cluster {
        /**
         * Runs {@code step} on one replica of every shard (failing over between its replicas), with
         * the clients of the shard's replicas that answer for waiting on replication.
         */
        void onEveryShard(String action, String table, ShardStep step) throws WriteException;

        /**
         * Lets every replica that answers catch up on the rows its shard's other replicas took
         * ({@code SYSTEM SYNC REPLICA}) before a read, so that a read through the Distributed table,
         * which may use any replica of a shard, sees every acknowledged write; a replica that cannot
         * catch up within {@value ClickHouseClusterWriter#SYNC_SECONDS} s is read as it is.
         */
        void syncReplicas(String localTable) throws WriteException;
    }

    /** One step of a delete on one shard. */
    @FunctionalInterface
    interface ShardStep {
        void run(ClickHouseHttp replica, List<ClickHouseHttp> answering) throws WriteException;
    }

    /** The rows one page query fetches unless {@link #pageRows(int)} says otherwise, whatever the packet size. */
    static final int PAGE_ROWS = 1_000_000;

    private static final DateTimeFormatter DATETIME64_TEXT = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss[.SSSSSS]");
    private static final DateTimeFormatter DATETIME64_TEXT_OUT = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");
    private static final long MICROS_PER_SECOND = 1_000_000L;
    private static final long SECONDS_PER_DAY = 86_400L;
    private static final Duration FIRST_POLL = Duration.ofMillis(20);
    private static final Duration LONGEST_POLL = Duration.ofSeconds(1);

    private final Connection writer;
    private final ClickHouseDestination destination;
    /** The cluster whose Distributed tables this reader reads, or null for one server. */
    private final Cluster cluster;
    private int pageRows = PAGE_ROWS;
    /** The server's version, read at the first digest: whether it computes every canonical text exactly. */
    private ClickHouseServerVersion serverVersion;

    ClickHouseReader(Connection writer, ClickHouseDestination destination) {
        this(writer, destination, null);
    }

    ClickHouseReader(Connection writer, ClickHouseDestination destination, Cluster cluster) {
        this.writer = Objects.requireNonNull(writer, "writer is null");
        this.destination = Objects.requireNonNull(destination, "destination is null");
        this.cluster = cluster;
    }

    @Override
    public List<String> tables() throws WriteException {
        ClickHouseHttp http = writer.httpForReading();
        String database = literal(destination.database());
        String fanoutTables = "SELECT name FROM system.tables WHERE database = " + database + " AND endsWith(engine, 'ReplacingMergeTree')"
                + " AND name IN (SELECT table FROM system.columns WHERE database = " + database + " AND name = " + literal(VERSION_COLUMN) + ")";
        String sql = cluster == null ? fanoutTables + (destination.table() == null ? "" : " AND name = " + literal(destination.table()))
                : "SELECT name FROM system.tables WHERE database = " + database + " AND engine = 'Distributed' AND concat(name, "
                + literal(ReplacingMergeTreeDdl.LOCAL_SUFFIX) + ") IN (" + fanoutTables + ")";
        List<String> tables = new ArrayList<>();
        try {
            for (String[] row : http.rows(sql)) {
                tables.add(row[0]);
            }
        } catch (RuntimeException e) {
            throw ClickHouseFailure.of(destination, null, "listing tables", e);
        }
        tables.sort(null);
        return tables;
    }

    @Override
    public Optional<Schema> schema(String table) throws WriteException {
        Readable t = readable(table);
        return t == null ? Optional.empty() : Optional.of(t.schema);
    }

    @Override
    public long count(String table, RowFilter rows) throws WriteException {
        Objects.requireNonNull(rows, "rows is null");
        Readable t = readable(table);
        if (t == null) {
            return 0;
        }
        return count(t, where(t, rows));
    }

    private long count(Readable t, String where) throws WriteException {
        try {
            return Long.parseLong(t.http.rows("SELECT count() FROM " + t.from() + where).get(0)[0]);
        } catch (RuntimeException e) {
            throw ClickHouseFailure.of(destination, t.name, "counting rows", e);
        }
    }

    @Override
    public long delete(String table, RowFilter rows) throws WriteException {
        Objects.requireNonNull(rows, "rows is null");
        Readable t = readable(table);
        if (t == null) {
            return 0;
        }
        String where = where(t, rows);
        long matching = count(t, where);
        if (matching == 0) {
            return 0;
        }
        if (cluster == null) {
            deleteIn(t.http, List.of(t.http), t, t.name, where, rows);
        } else {
            cluster.onEveryShard("deleting rows", t.name, (replica, answering) -> deleteIn(replica, answering, t,
                    ReplacingMergeTreeDdl.localTable(t.name), where, rows));
        }
        return matching;
    }

    /**
     * Deletes the rows of {@code t} that {@code where} selects from {@code stored} through
     * {@code http}, and waits until every client of {@code waitOn} reports the table's mutations done.
     */
    private void deleteIn(ClickHouseHttp http, List<ClickHouseHttp> waitOn, Readable t, String stored, String where, RowFilter rows)
            throws WriteException {
        String step = "deleting rows";
        String qualified = qualified(destination.database(), stored);
        try {
            if (rows.isAll()) {
                step = "truncating the table";
                http.execute("TRUNCATE TABLE " + qualified);
                return;
            }
            if (rows.columns().stream().anyMatch(b -> !t.schema.isKey(b.column()))) {
                step = "merging the table's versions before the delete";
                leader(waitOn, stored, http).execute("OPTIMIZE TABLE " + qualified + " FINAL", Map.of("optimize_throw_if_noop", "1"));
            }
            step = "deleting rows";
            http.execute("ALTER TABLE " + qualified + " DELETE" + where);
            step = "waiting for the delete to complete";
            for (ClickHouseHttp replica : waitOn) {
                awaitMutations(replica, t, stored);
            }
        } catch (RuntimeException e) {
            throw ClickHouseFailure.of(destination, t.name, step, e);
        }
    }

    /** Of {@code replicas}, the one that leads {@code stored} ({@code system.replicas}); {@code fallback} when none says so (one server). */
    private ClickHouseHttp leader(List<ClickHouseHttp> replicas, String stored, ClickHouseHttp fallback) {
        if (cluster == null) {
            return fallback;
        }
        for (ClickHouseHttp r : replicas) {
            List<String[]> rows = r.rows("SELECT is_leader FROM system.replicas WHERE database = " + literal(destination.database())
                    + " AND table = " + literal(stored));
            if (!rows.isEmpty() && "1".equals(rows.get(0)[0])) {
                return r;
            }
        }
        return fallback;
    }

    /**
     * Waits until the server reports every mutation of the table done, polling {@code system.mutations}
     * (18.16 cannot wait for a mutation within the statement), at most the destination's socket
     * timeout; then fails retryably, as the delete goes on in the background.
     */
    private void awaitMutations(ClickHouseHttp http, Readable t, String stored) throws WriteException {
        String pending = "SELECT count() FROM system.mutations WHERE database = " + literal(destination.database()) + " AND table = "
                + literal(stored) + " AND is_done = 0";
        long deadline = System.nanoTime() + destination.socketTimeout().toNanos();
        Duration pause = FIRST_POLL;
        while (!"0".equals(http.rows(pending).get(0)[0])) {
            if (System.nanoTime() > deadline) {
                throw WriteException.retryable("destination " + destination.name() + ": table " + t.name + ": the delete is still "
                        + "running on the server after " + destination.socketTimeout().toSeconds() + " s (system.mutations); it goes on "
                        + "in the background — check system.mutations and count the rows again", null);
            }
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw WriteException.retryable("destination " + destination.name() + ": table " + t.name
                        + ": interrupted while waiting for the delete to complete", e);
            }
            pause = pause.multipliedBy(2).compareTo(LONGEST_POLL) > 0 ? LONGEST_POLL : pause.multipliedBy(2);
        }
    }

    @Override
    public void scan(String table, RowFilter rows, Optional<List<Object>> afterKey, int batchRows, PacketSink sink)
            throws WriteException {
        Objects.requireNonNull(rows, "rows is null");
        Objects.requireNonNull(afterKey, "afterKey is null");
        Objects.requireNonNull(sink, "sink is null");
        if (batchRows < 1) {
            throw new IllegalArgumentException("batchRows must be at least 1, got " + batchRows);
        }
        Readable t = readable(table);
        if (t == null) {
            return;
        }
        String where = where(t, rows);
        List<Object> cursor = afterKey.map(k -> t.schema.keyValues(t.name, k)).orElse(null);
        int page = Math.max(batchRows, pageRows);
        int[] key = t.schema.keyIndexes();
        FramePacket.Builder packet = null;
        long newest = Long.MIN_VALUE;
        while (true) {
            Object[] last = null;
            int read = 0;
            try (TabSeparated.RowReader raw = open(t, pageSql(t, where, cursor, page), "scanning rows")) {
                byte[][] fields;
                while ((fields = next(t, raw, "scanning rows")) != null) {
                    read++;
                    last = decode(t, fields);
                    long version = Long.parseLong(new String(fields[t.schema.width()], StandardCharsets.US_ASCII));
                    if (packet == null) {
                        packet = FramePacket.builder(table, t.schema);
                    }
                    packet.addVersionedRow(version, last);
                    newest = Math.max(newest, version);
                    if (packet.rowCount() == batchRows) {
                        boolean more = sink.accept(packet.version(newest).build());
                        packet = null;
                        newest = Long.MIN_VALUE;
                        if (!more) {
                            return;
                        }
                    }
                }
            }
            if (read < page) {
                if (packet != null) {
                    sink.accept(packet.version(newest).build());
                }
                return;
            }
            List<Object> next = new ArrayList<>(key.length);
            for (int i : key) {
                next.add(last[i]);
            }
            cursor = next;
        }
    }

    @Override
    public boolean digestsRows() {
        return true;
    }

    @Override
    public Optional<List<RowDigest.Bucket>> bucketDigests(String table, RowFilter rows, int buckets) throws WriteException {
        Objects.requireNonNull(rows, "rows is null");
        requireBuckets(buckets);
        Readable t = readable(table);
        if (t == null) {
            return Optional.of(List.of());
        }
        if (!digestible(t)) {
            return Optional.empty();
        }
        String where = where(t, rows);
        String step = "counting the table's stored rows";
        try {
            String plain = qualified(t.database, t.name);
            String[] counts = t.http.rows("SELECT (SELECT count() FROM " + plain + "), (SELECT count() FROM " + t.from() + ")").get(0);
            String from = counts[0].equals(counts[1]) ? plain : t.from();
            Set<String> perDistinctValue = hashedPerDistinctValue(t, plain, where);
            step = "digesting rows";
            List<RowDigest.Bucket> digests = new ArrayList<>();
            for (String[] b : t.http.rows(ClickHouseRowDigests.bucketsSql(from, t.schema, t.types, where, buckets, perDistinctValue))) {
                digests.add(new RowDigest.Bucket(Integer.parseInt(b[0]), Long.parseLong(b[1]), Long.parseUnsignedLong(b[2])));
            }
            return Optional.of(digests);
        } catch (RuntimeException e) {
            throw ClickHouseFailure.of(destination, t.name, step, e);
        }
    }

    @Override
    public void rowDigests(String table, RowFilter rows, int buckets, Set<Integer> ofBuckets, RowDigest.RowSink sink)
            throws WriteException {
        Objects.requireNonNull(rows, "rows is null");
        Objects.requireNonNull(ofBuckets, "ofBuckets is null");
        Objects.requireNonNull(sink, "sink is null");
        requireBuckets(buckets);
        Readable t = readable(table);
        if (t == null || ofBuckets.isEmpty()) {
            return;
        }
        if (!digestible(t)) {
            throw new UnsupportedOperationException("destination " + destination.name() + ": table " + t.name
                    + " cannot be digested on this server; compare its scans");
        }
        String sql = ClickHouseRowDigests.rowsSql(t.from(), t.schema, t.types, where(t, rows), buckets, ofBuckets);
        try (TabSeparated.RowReader raw = open(t, sql, "digesting rows")) {
            byte[][] fields;
            while ((fields = next(t, raw, "digesting rows")) != null) {
                RowDigest.Row row = new RowDigest.Row(new String(fields[0], StandardCharsets.UTF_8), Long.parseUnsignedLong(ascii(fields[1])),
                        Long.parseLong(ascii(fields[2])), Long.parseUnsignedLong(ascii(fields[3])));
                if (!sink.accept(row)) {
                    return;
                }
            }
        }
    }

    /**
     * The string and JSON columns of {@code t} that a bucket listing hashes per distinct value
     * ({@link ClickHouseRowDigests#hashedPerDistinctValue}), from a sample of {@code plain}, the table
     * read without {@code FINAL}: a key's older rows do not matter to a cost estimate, and 18.16 refuses
     * {@code FINAL} on a {@code Distributed} table when the version column is not selected. The choice
     * changes what the listing costs, never what it gives, so a sample that fails only leaves every
     * column hashed value by value; the listing then reports the server's trouble itself.
     */
    Set<String> hashedPerDistinctValue(Readable t, String plain, String where) {
        String sample = ClickHouseRowDigests.sampleSql(plain, t.schema, where);
        if (sample.isEmpty()) {
            return Set.of();
        }
        try {
            return ClickHouseRowDigests.hashedPerDistinctValue(t.schema, t.http.rows(sample).get(0));
        } catch (RuntimeException e) {
            return Set.of();
        }
    }

    private boolean digestible(Readable t) throws WriteException {
        if (serverVersion == null) {
            try {
                serverVersion = ClickHouseServerVersion.parse(t.http.rows("SELECT version()").get(0)[0]);
            } catch (RuntimeException e) {
                throw ClickHouseFailure.of(destination, t.name, "reading the server version", e);
            }
        }
        ClickHouseServerVersion version = serverVersion;
        for (int c = 0; c < t.types.length; c++) {
            if (ClickHouseRowDigests.unsupported(t.schema.column(c).name(), t.types[c], t.schema.column(c).type(), version) != null) {
                return false;
            }
        }
        return true;
    }

    private static String ascii(byte[] field) {
        return new String(field, StandardCharsets.US_ASCII);
    }

    private static void requireBuckets(int buckets) {
        if (buckets < 1) {
            throw new IllegalArgumentException("buckets must be at least 1, got " + buckets);
        }
    }

    private TabSeparated.RowReader open(Readable t, String sql, String step) throws WriteException {
        try {
            return t.http.stream(sql);
        } catch (RuntimeException e) {
            throw ClickHouseFailure.of(destination, t.name, step, e);
        }
    }

    private byte[][] next(Readable t, TabSeparated.RowReader raw, String step) throws WriteException {
        try {
            return raw.next();
        } catch (RuntimeException e) {
            throw ClickHouseFailure.of(destination, t.name, step, e);
        }
    }

    /**
     * Sets the rows one page query fetches at most, {@value #PAGE_ROWS} unless set: each page is one
     * query with {@code FINAL} that reads the table from the page's first key on, so fewer, larger
     * pages read less; rows are streamed, so the page size does not bound this process's memory,
     * only the server's sort.
     */
    ClickHouseReader pageRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("page rows must be at least 1, got " + rows);
        }
        this.pageRows = rows;
        return this;
    }

    /** A table as it can be read, with the client that reads it. */
    record Readable(String name, Schema schema, StoredTable stored, String database, ClickHouseHttp http,
                            ClickHouseColumnType[] types) {
        Readable(String name, Schema schema, StoredTable stored, String database, ClickHouseHttp http) {
            this(name, schema, stored, database, http, schema.columns().stream().map(c -> stored.column(c.name()).type())
                    .toArray(ClickHouseColumnType[]::new));
        }

        /** The table read with FINAL: on a cluster, the Distributed table {@code name}, whose schema {@code stored} (its local part) gives. */
        String from() {
            return qualified(database, name) + " FINAL";
        }

        ClickHouseColumnType typeOf(String column) {
            return stored.column(column).type();
        }
    }

    /** The readable table, null when it does not exist (or is not this destination's). */
    Readable readable(String table) throws WriteException {
        Objects.requireNonNull(table, "table is null");
        ClickHouseHttp http = writer.httpForReading();
        if (destination.table() != null && !destination.table().equals(table)) {
            return null;
        }
        StoredTable stored;
        try {
            stored = StoredTable.load(http, destination.database(), table);
            if (cluster != null && stored != null && "Distributed".equals(stored.engine())) {
                cluster.syncReplicas(ReplacingMergeTreeDdl.localTable(table));
            }
            if (cluster != null && stored != null) {
                StoredTable local = "Distributed".equals(stored.engine())
                        ? StoredTable.load(http, destination.database(), ReplacingMergeTreeDdl.localTable(table)) : null;
                stored = local == null ? null : StoredTable.clusterTable(table, local, stored.comments());
            }
        } catch (RuntimeException e) {
            throw ClickHouseFailure.of(destination, table, "reading the table's columns", e);
        }
        if (stored == null) {
            return null;
        }
        return new Readable(table, stored.readableSchema(destination.name()), stored, destination.database(), http);
    }

    private static String pageSql(Readable t, String where, List<Object> cursor, int page) {
        StringBuilder sql = new StringBuilder("SELECT ");
        for (Column c : t.schema.columns()) {
            sql.append(selected(c, t.typeOf(c.name()))).append(", ");
        }
        sql.append(quote(VERSION_COLUMN)).append(" FROM ").append(t.from()).append(where);
        if (cursor != null) {
            sql.append(where.isEmpty() ? " WHERE " : " AND ").append(afterKey(t, cursor));
        }
        sql.append(" ORDER BY ").append(quoteAll(t.schema.primaryKey()));
        return sql.append(" LIMIT ").append(page).toString();
    }

    /** The condition that a row's key comes after {@code cursor}, with the leading column's own bound, which ClickHouse's primary-key index can use. */
    static String afterKey(Readable t, List<Object> cursor) {
        List<String> values = keyLiterals(t, cursor);
        return quote(t.schema.primaryKey().get(0)) + " >= " + values.get(0) + " AND (" + quoteAll(t.schema.primaryKey()) + ") > ("
                + String.join(", ", values) + ")";
    }

    /** The condition that a row's key is {@code last} or before it. */
    static String upToKey(Readable t, List<Object> last) {
        List<String> values = keyLiterals(t, last);
        return quote(t.schema.primaryKey().get(0)) + " <= " + values.get(0) + " AND (" + quoteAll(t.schema.primaryKey()) + ") <= ("
                + String.join(", ", values) + ")";
    }

    private static List<String> keyLiterals(Readable t, List<Object> key) {
        List<String> names = t.schema.primaryKey();
        List<String> values = new ArrayList<>();
        for (int k = 0; k < names.size(); k++) {
            Column c = t.schema.column(names.get(k)).orElseThrow();
            values.add(keyLiteral(c.type(), t.typeOf(c.name()), key.get(k)));
        }
        return values;
    }

    /** How a column is selected: dates as days since the epoch, everything else as stored. */
    static String selected(Column c, ClickHouseColumnType stored) {
        return switch (stored.physical()) {
            case DATE, DATE32 -> "toInt32(" + quote(c.name()) + ")";
            default -> quote(c.name());
        };
    }

    private Object[] decode(Readable t, byte[][] fields) throws WriteException {
        Schema schema = t.schema;
        if (fields.length != schema.width() + 1) {
            throw WriteException.retryable("destination " + destination.name() + ": table " + t.name + ": a scanned row has "
                    + fields.length + " fields, expected " + (schema.width() + 1) + " — was the table altered during the scan?", null);
        }
        Object[] values = new Object[schema.width()];
        for (int c = 0; c < values.length; c++) {
            byte[] raw = fields[c];
            if (raw == null) {
                continue;
            }
            Column column = schema.column(c);
            ClickHouseColumnType stored = t.types[c];
            if (column.type().kind() == LogicalType.Kind.BYTES) {
                values[c] = raw;
                continue;
            }
            String text = new String(raw, StandardCharsets.UTF_8);
            try {
                values[c] = value(column.type(), stored, text);
            } catch (RuntimeException e) {
                throw WriteException.permanent(t.name, column.name(), "destination " + destination.name() + ": table " + t.name
                        + ", column " + column.name() + ": cannot read the stored " + stored.text() + " value as " + column.type()
                        + ": " + e.getMessage());
            }
        }
        return values;
    }

    static Object value(LogicalType type, ClickHouseColumnType stored, String text) {
        return switch (type.kind()) {
            case BOOLEAN -> text.equals("1") || text.equals("true");
            case INT32 -> Integer.parseInt(text);
            case INT64 -> Long.parseLong(text);
            case FLOAT64 -> switch (text) {
                case "inf", "+inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                case "nan", "-nan", "+nan" -> Double.NaN;
                default -> Double.parseDouble(text);
            };
            case DECIMAL -> new BigDecimal(text);
            case STRING, JSON -> text;
            case DATE -> LocalDate.ofEpochDay(Long.parseLong(text));
            case TIMESTAMP -> stored.physical() == ClickHouseColumnType.Physical.DATETIME64
                    ? LocalDateTime.parse(text, DATETIME64_TEXT).toInstant(ZoneOffset.UTC)
                    : instantOfMicros(Long.parseLong(text));
            case BYTES -> throw new IllegalStateException("bytes are taken raw");
        };
    }

    private static Instant instantOfMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, MICROS_PER_SECOND), Math.floorMod(micros, MICROS_PER_SECOND) * 1000);
    }

    /** {@code value} of a key column as a ClickHouse literal of the stored type. */
    static String keyLiteral(LogicalType type, ClickHouseColumnType stored, Object value) {
        return switch (type.kind()) {
            case BOOLEAN -> (Boolean) value ? "1" : "0";
            case INT32 -> "toInt32(" + value + ")";
            case INT64 -> "toInt64(" + literal(value.toString()) + ")";
            case FLOAT64 -> "toFloat64(" + literal(floatText((Double) value)) + ")";
            case DECIMAL -> "toDecimal128(" + literal(((BigDecimal) value).toPlainString()) + ", " + stored.scale() + ")";
            case STRING, JSON -> literal((String) value);
            case BYTES -> bytesLiteral((byte[]) value);
            case DATE -> switch (stored.physical()) {
                case DATE -> "toDate(" + literal(value.toString()) + ")";
                case DATE32 -> "toDate32(" + literal(value.toString()) + ")";
                default -> "toInt32(" + ((LocalDate) value).toEpochDay() + ")";
            };
            case TIMESTAMP -> stored.physical() == ClickHouseColumnType.Physical.DATETIME64
                    ? dateTime64Literal(micros((Instant) value))
                    : "toInt64(" + literal(Long.toString(micros((Instant) value))) + ")";
        };
    }

    private static String floatText(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        return Double.toString(d);
    }

    /** Arbitrary bytes as a string literal, each byte escaped ({@code '\x00\xff'}). */
    private static String bytesLiteral(byte[] bytes) {
        StringBuilder b = new StringBuilder(bytes.length * 4 + 2).append('\'');
        String hex = HexFormat.of().formatHex(bytes);
        for (int i = 0; i < hex.length(); i += 2) {
            b.append("\\x").append(hex, i, i + 2);
        }
        return b.append('\'').toString();
    }

    /** A DateTime64(6, 'UTC') literal of {@code micros}, clamped to the range the type stores. */
    private static String dateTime64Literal(long micros) {
        long min = RowBinaryEncoder.MIN_EPOCH_DAY * SECONDS_PER_DAY * MICROS_PER_SECOND;
        long max = (RowBinaryEncoder.MAX_EPOCH_DAY + 1) * SECONDS_PER_DAY * MICROS_PER_SECOND - 1;
        Instant t = instantOfMicros(Math.max(min, Math.min(max, micros)));
        return "toDateTime64(" + literal(LocalDateTime.ofInstant(t, ZoneOffset.UTC).format(DATETIME64_TEXT_OUT)) + ", 6, 'UTC')";
    }

    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), MICROS_PER_SECOND), t.getNano() / 1000);
    }

    /**
     * {@code rows} as a WHERE clause over {@code t} (empty for every row): dates compared as days since
     * the epoch, timestamps as microseconds (or DateTime64 literals), a bound between two stored units
     * rounded up to the next. The condition is never NULL: an {@code ALTER TABLE … DELETE} deletes
     * the rows whose condition is NULL too (18.16 keeps those where its negation holds).
     *
     * @throws WriteException (permanent) for a bound on a column that is missing or not a date or timestamp
     */
    String where(Readable t, RowFilter rows) throws WriteException {
        List<String> conditions = new ArrayList<>();
        for (RowFilter.Bound b : rows.columns()) {
            Column column = t.schema.column(b.column()).orElseThrow(() -> WriteException.permanent(t.name, b.column(),
                    "destination " + destination.name() + ": table " + t.name + " has no column " + b.column()
                            + " to select rows by — check the column of the date-range route"));
            ClickHouseColumnType stored = t.typeOf(column.name());
            String q = quote(column.name());
            String value;
            String from = null;
            String before = null;
            switch (column.type().kind()) {
                case DATE -> {
                    value = stored.physical() == ClickHouseColumnType.Physical.INT32 ? q : "toInt32(" + q + ")";
                    from = b.from() == null ? null : Long.toString(RowFilter.Bound.ceilEpochDay(b.from()));
                    before = b.before() == null ? null : Long.toString(RowFilter.Bound.ceilEpochDay(b.before()));
                }
                case TIMESTAMP -> {
                    value = q;
                    boolean dateTime64 = stored.physical() == ClickHouseColumnType.Physical.DATETIME64;
                    if (b.from() != null) {
                        long m = RowFilter.Bound.ceilEpochMicros(b.from());
                        from = dateTime64 ? dateTime64Literal(m) : "toInt64(" + literal(Long.toString(m)) + ")";
                    }
                    if (b.before() != null) {
                        long m = RowFilter.Bound.ceilEpochMicros(b.before());
                        before = dateTime64 ? dateTime64Literal(m) : "toInt64(" + literal(Long.toString(m)) + ")";
                    }
                }
                default -> throw WriteException.permanent(t.name, column.name(), "destination " + destination.name() + ": table "
                        + t.name + ", column " + column.name() + " is " + column.type()
                        + ": rows are selected by date or timestamp columns only — check the column of the date-range route");
            }
            List<String> range = new ArrayList<>();
            if (from != null) {
                range.add(value + " >= " + from);
            }
            if (before != null) {
                range.add(value + " < " + before);
            }
            // A comparison with NULL is NULL, and 18.16 gives NULL for 0 AND NULL: hence ifNull.
            String inRange = stored.nullable() ? "ifNull(" + String.join(" AND ", range) + ", 0)" : "(" + String.join(" AND ", range) + ")";
            if (b.includesValues() && b.includesNull()) {
                if (!range.isEmpty()) {
                    conditions.add(stored.nullable() ? "(" + q + " IS NULL OR " + inRange + ")" : inRange);
                }
            } else if (b.includesValues()) {
                conditions.add(range.isEmpty() ? q + " IS NOT NULL" : inRange);
            } else {
                conditions.add(q + " IS NULL");
            }
        }
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    @Override
    public String toString() {
        return "ClickHouseReader[" + destination.name() + ", " + destination.physicalTarget() + "]";
    }
}
