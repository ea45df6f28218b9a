package dev.fanout.writer.duckdb;

import static dev.fanout.writer.duckdb.Sql.VERSION_COLUMN;
import static dev.fanout.writer.duckdb.Sql.fold;
import static dev.fanout.writer.duckdb.Sql.quote;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowDigest;
import dev.fanout.api.RowFilter;
import dev.fanout.api.RowExport;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The read side of every DuckDB-based writer (a local file, MotherDuck): the tables a
 * {@link DuckDbWriter} stored, read back over that writer's own connection, so a DuckDB destination can
 * be a migration source.
 *
 * <p><b>Tables</b> are those of the connection's current schema that have a {@code _fanout_version}
 * column (for a one-table target, only that table). A table's schema is read from the catalog: stored
 * types mapped back to logical types (the inverse of {@link DuckDbType#of}), the primary key from its
 * PRIMARY KEY constraint in key order, no version column — versions travel per row.
 *
 * <p><b>Scans</b> use keyset pagination, {@code SELECT … WHERE <filter> AND (key) > (cursor) ORDER BY
 * key LIMIT page}: no cursor stays open between pages, so writing elsewhere in between is safe, and
 * the last key of a packet is a resume point. A page has at least {@value #PAGE_ROWS_MIN} rows (each
 * page is one sorted query; fewer, larger pages are cheaper) and is cut into packets of the requested
 * size; memory holds one page in DuckDB and one packet in Java. Values come back as
 * {@link LogicalType#javaClass()} says; strings, timestamps and dates are selected as bytes,
 * microseconds and days, which this driver hands over about three times faster than as objects.
 *
 * <p><b>Filters</b>: each {@link RowFilter.Bound} names a date or timestamp column; a date compares
 * as midnight UTC and a timestamp to the microsecond (a bound between two microseconds rounds up, as
 * no stored value lies between). Every value is a bound parameter, every identifier quoted.
 *
 * <p><b>Digests</b> ({@link RowDigest}) are computed by DuckDB over the table in one query
 * ({@link DuckDbRowDigests}), every logical type included, once a probe showed that this DuckDB's
 * {@code hash()} is {@link RowDigest#mix64}; a DuckDB whose {@code hash()} differs declines to digest
 * (its tables are compared by their scans).
 */
final class DuckDbReader implements TableReader {

    /** The fewest rows one page query fetches, whatever the packet size. */
    static final int PAGE_ROWS_MIN = 100_000;

    private static final String TABLES_SQL = "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t "
            + "ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema AND t.table_name = c.table_name "
            + "WHERE c.table_catalog = current_database() AND c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
            + "AND lower(c.column_name) = '" + VERSION_COLUMN + "'";
    private static final long MICROS_PER_SECOND = 1_000_000L;

    private final DuckDbWriter writer;
    private final String destination;
    private final DuckDbTarget target;
    /** The attached database read (its main schema), null for the connection's current schema. */
    private final String catalog;
    /** Whether this DuckDB's {@code hash()} is {@link RowDigest#mix64}; null until the first digest asks. */
    private volatile Boolean hashIsMix64;

    DuckDbReader(DuckDbWriter writer, String destination, DuckDbTarget target) {
        this(writer, destination, target, null);
    }

    /** A reader of the tables of database {@code catalog} attached to {@code writer}'s connection (null: its own). */
    DuckDbReader(DuckDbWriter writer, String destination, DuckDbTarget target, String catalog) {
        this.writer = Objects.requireNonNull(writer, "writer is null");
        this.destination = Objects.requireNonNull(destination, "destination is null");
        this.target = Objects.requireNonNull(target, "target is null");
        this.catalog = catalog;
    }

    /** {@code table}'s name as SQL, qualified with the attached database when this reader reads one. */
    String qualified(String table) {
        return catalog == null ? quote(table) : quote(catalog) + ".main." + quote(table);
    }

    @Override
    public List<String> tables() throws WriteException {
        Connection connection = writer.connectionForReading();
        List<String> tables = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(TABLES_SQL); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                if (target.holds(rs.getString(1))) {
                    tables.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw writer.failed(null, "listing tables", e);
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
        Where where = where(t, rows);
        try (PreparedStatement ps = writer.connectionForReading().prepareStatement("SELECT count(*) FROM " + qualified(t.name) + where.sql)) {
            where.bind(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw writer.failed(table, "counting rows", e);
        }
    }

    /** The {@link dev.fanout.api.Capability#EXPORT_ROWS} side: {@link DuckDbRowExport} over this reader. */
    @Override
    public Optional<RowExport> rowExport() {
        return Optional.of(new DuckDbRowExport(this));
    }

    /** The writer whose connection this reader reads over. */
    DuckDbWriter writer() {
        return writer;
    }

    @Override
    public long delete(String table, RowFilter rows) throws WriteException {
        Objects.requireNonNull(rows, "rows is null");
        Readable t = readable(table);
        if (t == null) {
            return 0;
        }
        Where where = where(t, rows);
        try (PreparedStatement ps = writer.connectionForReading().prepareStatement("DELETE FROM " + qualified(t.name) + where.sql)) {
            where.bind(ps, 1);
            return ps.executeLargeUpdate();
        } catch (SQLException e) {
            throw writer.failed(table, "deleting rows", e);
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
        Where where = where(t, rows);
        int[] key = t.schema.keyIndexes();
        List<Object> cursor = afterKey.map(k -> t.schema.keyValues(t.name, k)).orElse(null);
        int page = Math.max(batchRows, PAGE_ROWS_MIN);
        Packets packets = new Packets(table, t.schema, batchRows, sink);
        Connection connection = writer.connectionForReading();
        try (PreparedStatement first = connection.prepareStatement(pageSql(t, where, false, page));
             PreparedStatement next = connection.prepareStatement(pageSql(t, where, true, page))) {
            while (true) {
                PreparedStatement ps = cursor == null ? first : next;
                int p = where.bind(ps, 1);
                if (cursor != null) {
                    bindKey(ps, p, t, cursor);
                }
                int read = 0;
                Object[] last = null;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        last = decode(rs, t.schema);
                        read++;
                        if (!packets.add(rs.getLong(t.schema.width() + 1), last)) {
                            return;
                        }
                    }
                }
                if (read < page) {
                    packets.flush();
                    return;
                }
                List<Object> k = new ArrayList<>(key.length);
                for (int i : key) {
                    k.add(last[i]);
                }
                cursor = k;
            }
        } catch (SQLException e) {
            throw writer.failed(table, "scanning rows", e);
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
        if (!hashIsMix64(table)) {
            return Optional.empty();
        }
        Where where = where(t, rows);
        List<RowDigest.Bucket> digests = new ArrayList<>();
        try (PreparedStatement ps = writer.connectionForReading().prepareStatement(
                DuckDbRowDigests.bucketsSql(qualified(t.name), t.schema, where.sql, buckets))) {
            where.bind(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    digests.add(new RowDigest.Bucket(rs.getInt(1), rs.getLong(2), Long.parseUnsignedLong(rs.getString(3))));
                }
            }
        } catch (SQLException e) {
            throw writer.failed(table, "digesting rows", e);
        }
        return Optional.of(digests);
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
        if (!hashIsMix64(table)) {
            throw new UnsupportedOperationException("this DuckDB's hash() is not RowDigest.mix64, so it does not digest rows");
        }
        Where where = where(t, rows);
        try (PreparedStatement ps = writer.connectionForReading().prepareStatement(
                DuckDbRowDigests.rowsSql(qualified(t.name), t.schema, where.sql, buckets, ofBuckets))) {
            where.bind(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    RowDigest.Row row = new RowDigest.Row(rs.getString(1), Long.parseUnsignedLong(rs.getString(2)), rs.getLong(3),
                            Long.parseUnsignedLong(rs.getString(4)));
                    if (!sink.accept(row)) {
                        return;
                    }
                }
            }
        } catch (SQLException e) {
            throw writer.failed(table, "digesting rows", e);
        }
    }

    private boolean hashIsMix64(String table) throws WriteException {
        if (hashIsMix64 == null) {
            try (Statement s = writer.connectionForReading().createStatement(); ResultSet rs = s.executeQuery(DuckDbRowDigests.PROBE_SQL)) {
                rs.next();
                List<String> row = new ArrayList<>();
                for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
                    row.add(rs.getString(c));
                }
                hashIsMix64 = DuckDbRowDigests.hashIsMix64(row);
            } catch (SQLException e) {
                throw writer.failed(table, "digesting rows", e);
            }
        }
        return hashIsMix64;
    }

    private static void requireBuckets(int buckets) {
        if (buckets < 1) {
            throw new IllegalArgumentException("buckets must be at least 1, got " + buckets);
        }
    }

    /** Collects scanned rows into packets of {@code batchRows} and hands each full one to the sink. */
    private static final class Packets {
        private final String table;
        private final Schema schema;
        private final int batchRows;
        private final PacketSink sink;
        private FramePacket.Builder builder;
        private long newest = Long.MIN_VALUE;
        private boolean stopped;

        Packets(String table, Schema schema, int batchRows, PacketSink sink) {
            this.table = table;
            this.schema = schema;
            this.batchRows = batchRows;
            this.sink = sink;
        }

        /** Adds a row; false once the sink asked to stop. */
        boolean add(long version, Object[] values) throws WriteException {
            if (builder == null) {
                builder = FramePacket.builder(table, schema);
            }
            builder.addVersionedRow(version, values);
            newest = Math.max(newest, version);
            if (builder.rowCount() == batchRows) {
                flush();
            }
            return !stopped;
        }

        void flush() throws WriteException {
            if (builder == null || stopped) {
                return;
            }
            FramePacket packet = builder.version(newest).build();
            builder = null;
            newest = Long.MIN_VALUE;
            stopped = !sink.accept(packet);
        }
    }

    /** A table as it can be read: its stored name and the schema it is read with. */
    record Readable(String name, Schema schema) {
    }

    /** The readable table, null when it does not exist (or is not this target's). */
    Readable readable(String table) throws WriteException {
        Objects.requireNonNull(table, "table is null");
        if (!target.holds(table)) {
            return null;
        }
        StoredTable stored;
        try {
            stored = StoredTable.load(writer.connectionForReading(), catalog, table);
        } catch (SQLException e) {
            throw writer.failed(table, "reading the table's columns", e);
        }
        if (stored == null) {
            return null;
        }
        String notFanouts = " — it was not created by fanout, so it cannot be read as a migration source; rename it, or route "
                + table + " elsewhere";
        if (stored.primaryKey().isEmpty()) {
            throw WriteException.permanent(table, null, prefix(table) + " has no primary key" + notFanouts);
        }
        List<Column> columns = new ArrayList<>();
        boolean versioned = false;
        for (StoredTable.StoredColumn c : stored.columns()) {
            if (fold(c.name()).equals(VERSION_COLUMN)) {
                versioned = true;
            } else if (c.type() == null) {
                throw WriteException.permanent(table, c.name(), prefix(table) + ", column " + c.name() + ": stored as "
                        + c.duckDbType() + ", a type fanout does not write, so the table cannot be read as a migration source — "
                        + "change the column's type to one of fanout's (see the README's DuckDB types) or drop the column");
            } else {
                columns.add(new Column(c.name(), c.type(), c.nullable()));
            }
        }
        if (!versioned) {
            throw WriteException.permanent(table, null, prefix(table) + " has no " + VERSION_COLUMN + " column" + notFanouts);
        }
        return new Readable(stored.name(), Schema.of(columns, stored.primaryKey()));
    }

    private String prefix(String table) {
        return "destination " + destination + ": table " + table;
    }

    private String pageSql(Readable t, Where where, boolean afterCursor, int page) {
        StringBuilder sql = new StringBuilder("SELECT ");
        for (Column c : t.schema.columns()) {
            sql.append(selected(c)).append(", ");
        }
        sql.append(quote(VERSION_COLUMN)).append(" FROM ").append(qualified(t.name)).append(where.sql);
        List<Column> key = t.schema.primaryKey().stream().map(k -> t.schema.column(k).orElseThrow()).toList();
        if (afterCursor) {
            sql.append(where.sql.isEmpty() ? " WHERE " : " AND ").append(keyBound(t, ">"));
        }
        sql.append(" ORDER BY ").append(String.join(", ", key.stream().map(c -> quote(c.name())).toList()));
        return sql.append(" LIMIT ").append(page).toString();
    }

    /**
     * The key compared with bound parameters by {@code op} ({@code >} or {@code <=}), bound with
     * {@link #bindKey}. A composite key also bounds its leading column alone, which lets DuckDB skip
     * row groups by their min/max.
     */
    static String keyBound(Readable t, String op) {
        List<Column> key = t.schema.primaryKey().stream().map(k -> t.schema.column(k).orElseThrow()).toList();
        if (key.size() == 1) {
            return quote(key.get(0).name()) + " " + op + " " + placeholder(key.get(0).type());
        }
        String leading = op.startsWith(">") ? ">=" : "<=";
        return quote(key.get(0).name()) + " " + leading + " " + placeholder(key.get(0).type()) + " AND ("
                + String.join(", ", key.stream().map(c -> quote(c.name())).toList()) + ") " + op + " ("
                + String.join(", ", key.stream().map(c -> placeholder(c.type())).toList()) + ")";
    }

    /** How a column is selected: strings as UTF-8 bytes, timestamps as epoch microseconds, dates as epoch days. */
    static String selected(Column c) {
        String q = quote(c.name());
        return switch (c.type().kind()) {
            case STRING, JSON -> "encode(" + q + ")";
            case TIMESTAMP -> "epoch_us(" + q + ")";
            case DATE -> "(" + q + " - DATE '1970-01-01')";
            default -> q;
        };
    }

    static Object[] decode(ResultSet rs, Schema schema) throws SQLException {
        Object[] values = new Object[schema.width()];
        for (int c = 0; c < values.length; c++) {
            values[c] = value(rs, c + 1, schema.column(c).type());
        }
        return values;
    }

    /** The value of result column {@code i}, selected as {@link #selected} says, as {@code type}'s Java class; null for NULL. */
    static Object value(ResultSet rs, int i, LogicalType type) throws SQLException {
        Object v = switch (type.kind()) {
            case BOOLEAN -> rs.getBoolean(i);
            case INT32 -> rs.getInt(i);
            case INT64 -> rs.getLong(i);
            case FLOAT64 -> rs.getDouble(i);
            case DECIMAL -> rs.getBigDecimal(i);
            case STRING, JSON -> {
                byte[] utf8 = rs.getBytes(i);
                yield utf8 == null ? null : new String(utf8, StandardCharsets.UTF_8);
            }
            case DATE -> LocalDate.ofEpochDay(rs.getLong(i));
            case TIMESTAMP -> {
                long micros = rs.getLong(i);
                yield Instant.ofEpochSecond(Math.floorDiv(micros, MICROS_PER_SECOND), Math.floorMod(micros, MICROS_PER_SECOND) * 1000);
            }
            case BYTES -> rs.getBytes(i);
        };
        return rs.wasNull() ? null : v;
    }

    /** A parameter placeholder typed like a column of {@code type}, for {@link #bindKeyValue}. */
    static String placeholder(LogicalType type) {
        return switch (type.kind()) {
            case DATE -> "(DATE '1970-01-01' + CAST(? AS INTEGER))";
            case TIMESTAMP -> "make_timestamp(CAST(? AS BIGINT))";
            case JSON -> "CAST(? AS JSON)";
            default -> "?";
        };
    }

    static void bindKeyValue(PreparedStatement ps, int index, LogicalType type, Object value) throws SQLException {
        switch (type.kind()) {
            case BOOLEAN -> ps.setBoolean(index, (Boolean) value);
            case INT32 -> ps.setInt(index, (Integer) value);
            case INT64 -> ps.setLong(index, (Long) value);
            case FLOAT64 -> ps.setDouble(index, (Double) value);
            case DECIMAL -> ps.setBigDecimal(index, (BigDecimal) value);
            case STRING, JSON -> ps.setString(index, (String) value);
            case DATE -> ps.setInt(index, Math.toIntExact(((LocalDate) value).toEpochDay()));
            case TIMESTAMP -> ps.setLong(index, micros((Instant) value));
            case BYTES -> ps.setBytes(index, (byte[]) value);
        }
    }

    /** Binds {@code cursor}, the key's values, to the placeholders of {@link #keyBound} from {@code first}; returns the next free index. */
    static int bindKey(PreparedStatement ps, int first, Readable t, List<Object> cursor) throws SQLException {
        List<String> key = t.schema.primaryKey();
        int p = first;
        if (key.size() > 1) {
            bindKeyValue(ps, p++, t.schema.column(key.get(0)).orElseThrow().type(), cursor.get(0));
        }
        for (int k = 0; k < key.size(); k++) {
            bindKeyValue(ps, p++, t.schema.column(key.get(k)).orElseThrow().type(), cursor.get(k));
        }
        return p;
    }

    /** A WHERE clause (empty, or starting with " WHERE ") and the values its placeholders take, in order. */
    record Where(String sql, List<Long> params) {
        /** Binds the parameters from {@code first}; returns the next free index. */
        int bind(PreparedStatement ps, int first) throws SQLException {
            int i = first;
            for (long p : params) {
                ps.setLong(i++, p);
            }
            return i;
        }
    }

    /**
     * {@code rows} as SQL over {@code t}: dates compared as days since the epoch, timestamps as
     * microseconds, both as bound parameters.
     *
     * @throws WriteException (permanent) for a bound on a column that is missing or not a date or timestamp
     */
    Where where(Readable t, RowFilter rows) throws WriteException {
        List<String> conditions = new ArrayList<>();
        List<Long> params = new ArrayList<>();
        for (RowFilter.Bound b : rows.columns()) {
            Column column = t.schema.columns().stream().filter(c -> fold(c.name()).equals(fold(b.column()))).findFirst()
                    .orElseThrow(() -> WriteException.permanent(t.name, b.column(), prefix(t.name) + " has no column " + b.column()
                            + " to select rows by — check the column of the date-range route"));
            String q = quote(column.name());
            String value;
            Long from;
            Long before;
            switch (column.type().kind()) {
                case DATE -> {
                    value = "(" + q + " - DATE '1970-01-01')";
                    from = b.from() == null ? null : RowFilter.Bound.ceilEpochDay(b.from());
                    before = b.before() == null ? null : RowFilter.Bound.ceilEpochDay(b.before());
                }
                case TIMESTAMP -> {
                    value = "epoch_us(" + q + ")";
                    from = b.from() == null ? null : RowFilter.Bound.ceilEpochMicros(b.from());
                    before = b.before() == null ? null : RowFilter.Bound.ceilEpochMicros(b.before());
                }
                default -> throw WriteException.permanent(t.name, column.name(), prefix(t.name) + ", column " + column.name()
                        + " is " + column.type() + ": rows are selected by date or timestamp columns only — check the column of the date-range route");
            }
            List<String> range = new ArrayList<>();
            if (from != null) {
                range.add(value + " >= ?");
                params.add(from);
            }
            if (before != null) {
                range.add(value + " < ?");
                params.add(before);
            }
            String inRange = range.isEmpty() ? q + " IS NOT NULL" : String.join(" AND ", range);
            if (b.includesValues() && b.includesNull()) {
                if (!range.isEmpty()) {
                    conditions.add("(" + q + " IS NULL OR (" + inRange + "))");
                }
            } else if (b.includesValues()) {
                conditions.add(range.isEmpty() ? inRange : "(" + inRange + ")");
            } else {
                conditions.add(q + " IS NULL");
            }
        }
        return new Where(conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions), List.copyOf(params));
    }

    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), MICROS_PER_SECOND), t.getNano() / 1000);
    }

    @Override
    public String toString() {
        return "DuckDbReader[" + destination + ", " + target.describe() + "]";
    }
}
