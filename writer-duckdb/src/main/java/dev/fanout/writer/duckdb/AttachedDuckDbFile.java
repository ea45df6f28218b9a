package dev.fanout.writer.duckdb;

import static dev.fanout.writer.duckdb.Sql.VERSION_COLUMN;
import static dev.fanout.writer.duckdb.Sql.fold;
import static dev.fanout.writer.duckdb.Sql.quote;
import static dev.fanout.writer.duckdb.Sql.quoteAll;

import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowFilter;
import dev.fanout.api.SameEngineCopy;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Another DuckDB file attached read-only to a {@link DuckDbWriter}'s connection, so a migration
 * between two files runs inside DuckDB ({@link SameEngineCopy}): the process still holds one
 * database instance per file — DuckDB refuses to attach a file another instance of the process has
 * open ("Unique file handle conflict"), so the caller closes its own writer of the source first.
 *
 * <p><b>Copy</b>: each range is about the next {@code maxRows} source keys after the resume key —
 * the ends of all ranges are planned from a sample of the keys when the copy starts or resumes; one
 * {@code INSERT … SELECT} from the attached table, in one transaction, moves a range — a plain insert
 * while the target had none of the range's keys, else {@code ON CONFLICT (key) DO UPDATE … WHERE
 * excluded._fanout_version >= stored._fanout_version}, the writer's own upsert, so newer rows at the
 * target are kept and a range copied twice (a crash before its checkpoint) changes nothing. The
 * target table is created or evolved first by the writer's rules. While attached, DuckDB may use
 * every core (the writer's {@code threads} setting is put back on {@link #close()}).
 *
 * <p><b>Compare</b>: both sides projected to the target's column types (so a widened column compares
 * by value), each row hashed over its key, version and values named in a fixed order (null and
 * absent alike); per bucket of keys ({@value #BUCKETS} by key hash) the count and the HUGEINT sum of
 * row hashes at each end; a key join runs only over buckets whose counts or sums differ.
 */
final class AttachedDuckDbFile implements SameEngineCopy.Attached {

    static final String ALIAS = "_fanout_migration_source";
    static final int BUCKETS = 1024;
    /** Sampled keys per planned range: enough that ranges come out within a few percent of their size. */
    private static final long SAMPLE_PER_RANGE = 1_000;
    private static final long SAMPLE_MAX = 1_000_000;
    private static final String STORED = "_fanout_stored";

    private final DuckDbWriter writer;
    private final String destination;
    private final String sourceName;
    private final DuckDbReader source;
    private final DuckDbReader target;
    private final String threadsBefore;
    private final Set<String> prepared = new HashSet<>();
    /** Tables (folded) whose last range hit existing keys: they go straight to the upsert. */
    private final Set<String> upserting = new HashSet<>();
    private Plan plan;
    private boolean closed;

    private AttachedDuckDbFile(DuckDbWriter writer, String destination, DuckDbTarget target, String sourceName, String threadsBefore) {
        this.writer = writer;
        this.destination = destination;
        this.sourceName = sourceName;
        this.source = new DuckDbReader(writer, sourceName, target, ALIAS);
        this.target = new DuckDbReader(writer, destination, target);
        this.threadsBefore = threadsBefore;
    }

    /** Attaches the DuckDB file of {@code source} read-only to {@code writer}'s connection. */
    static AttachedDuckDbFile attach(DuckDbWriter writer, String destination, DuckDbTarget target, Destination source)
            throws WriteException {
        if (!DuckDbWriterProvider.SCHEME.equals(source.scheme())) {
            throw WriteException.permanent("destination " + destination + ": cannot copy from destination " + source.name() + " ("
                    + source.scheme() + ") inside DuckDB: it is not a DuckDB file", null);
        }
        Path file = Path.of(new DuckDbWriterProvider().physicalTarget(source));
        if (!Files.isRegularFile(file)) {
            throw WriteException.permanent("destination " + source.name() + ": DuckDB file " + file + " does not exist", null);
        }
        Connection c = writer.connectionForReading();
        try {
            execute(c, "DETACH DATABASE IF EXISTS " + quote(ALIAS));
            execute(c, "ATTACH '" + file.toString().replace("'", "''") + "' AS " + quote(ALIAS) + " (READ_ONLY)");
        } catch (SQLException e) {
            throw DuckDbFailure.whileOpening(source.name(), file, e);
        }
        String threads = null;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_setting('threads')")) {
            rs.next();
            threads = rs.getString(1);
            int cores = Runtime.getRuntime().availableProcessors();
            if (Integer.parseInt(threads) < cores) {
                s.execute("SET threads = " + cores);
            }
        } catch (SQLException | NumberFormatException e) {
            // the copy runs with the writer's own setting
        }
        return new AttachedDuckDbFile(writer, destination, target, source.name(), threads);
    }

    @Override
    public Optional<Schema> schema(String table) throws WriteException {
        return source.schema(table);
    }

    @Override
    public Optional<SameEngineCopy.CopiedRange> copyRange(String table, RowFilter rows, Optional<List<Object>> afterKey, int maxRows)
            throws WriteException {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be at least 1, got " + maxRows);
        }
        DuckDbReader.Readable s = source.readable(table);
        if (s == null) {
            return Optional.empty();
        }
        String step = "preparing the table";
        try {
            if (!prepared.contains(fold(table))) {
                writer.prepareTable(table, s.schema());
                prepared.add(fold(table));
            }
            Connection c = writer.connectionForReading();
            DuckDbReader.Where where = source.where(s, rows);
            List<Column> key = s.schema().primaryKey().stream().map(k -> s.schema().column(k).orElseThrow()).toList();
            List<Object> after = afterKey.map(k -> s.schema().keyValues(s.name(), k)).orElse(null);
            String inRange = where.sql() + (after == null ? "" : (where.sql().isEmpty() ? " WHERE " : " AND ") + keyBound(key, ">"));

            step = "planning the ranges";
            if (plan == null || !plan.continues(table, rows, after, maxRows)) {
                plan = plan(c, s, key, where, inRange, after, table, rows, maxRows);
            }
            Optional<List<Object>> planned = plan.ends.poll();
            if (planned == null) {
                return Optional.empty();
            }
            List<Object> end = planned.orElse(null);
            String ranged = inRange + (end == null ? "" : (inRange.isEmpty() ? " WHERE " : " AND ") + keyBound(key, "<="));
            step = "counting the range's rows";
            long count;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + source.qualified(s.name()) + ranged)) {
                bindRange(ps, where, key, after, end);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    count = rs.getLong(1);
                }
            }
            if (count == 0) {
                plan = null;
                return Optional.empty();
            }
            if (end == null) {
                end = lastKey(c, s, key, where, ranged, after);
            }
            plan.cursor = end;

            step = "copying rows";
            List<String> columns = new ArrayList<>(s.schema().columns().stream().map(Column::name).toList());
            columns.add(VERSION_COLUMN);
            String select = " SELECT " + quoteAll(columns) + " FROM " + source.qualified(s.name()) + inRange
                    + (inRange.isEmpty() ? " WHERE " : " AND ") + keyBound(key, "<=");
            List<Object> last = end;
            if (!upserting.contains(fold(table))) {
                try {
                    copy(c, "INSERT INTO " + quote(table) + " (" + quoteAll(columns) + ")" + select, where, key, after, last);
                    return Optional.of(new SameEngineCopy.CopiedRange(last, count));
                } catch (SQLException e) {
                    if (!DuckDbFailure.isDuplicateKey(e.getMessage())) {
                        throw e;
                    }
                    upserting.add(fold(table));
                }
            }
            copy(c, upsertSql(table, columns, s.schema(), select), where, key, after, last);
            return Optional.of(new SameEngineCopy.CopiedRange(last, count));
        } catch (SQLException e) {
            prepared.remove(fold(table));
            plan = null;
            throw writer.failed(table, step + " from destination " + sourceName + " inside DuckDB", e);
        }
    }

    /**
     * Where each of the next ranges ends: one range when at most {@code maxRows} rows are left, else
     * keys of a reservoir sample of the keys left, sorted, taken at even steps so that each range
     * holds about {@code maxRows} rows — one pass over the key columns, memory bounded by the sample,
     * no sort of the whole table. The last range runs to the end (an empty {@code Optional}).
     */
    private Plan plan(Connection c, DuckDbReader.Readable s, List<Column> key, DuckDbReader.Where where, String inRange,
                      List<Object> after, String table, RowFilter rows, int maxRows) throws SQLException {
        Plan planned = new Plan(fold(table), rows, maxRows, after);
        long left;
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + source.qualified(s.name()) + inRange)) {
            bindRange(ps, where, key, after, null);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                left = rs.getLong(1);
            }
        }
        if (left == 0) {
            return planned;
        }
        long pieces = (left + maxRows - 1) / maxRows;
        if (pieces > 1) {
            long sample = Math.min(left, Math.min(pieces * SAMPLE_PER_RANGE, SAMPLE_MAX));
            StringJoiner keyNames = new StringJoiner(", ");
            StringJoiner keySelected = new StringJoiner(", ");
            for (Column k : key) {
                keyNames.add(quote(k.name()));
                keySelected.add(DuckDbReader.selected(k));
            }
            String sql = "SELECT " + keySelected + " FROM (SELECT " + keyNames + " FROM " + source.qualified(s.name()) + inRange
                    + ") USING SAMPLE reservoir(" + sample + " ROWS) ORDER BY " + keyNames;
            Schema keySchema = Schema.of(key, key.stream().map(Column::name).toList());
            List<List<Object>> keys = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bindRange(ps, where, key, after, null);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        keys.add(List.of(DuckDbReader.decode(rs, keySchema)));
                    }
                }
            }
            int step = (int) Math.max(1, (keys.size() + pieces - 1) / pieces);
            for (int i = step - 1; i < keys.size() - 1; i += step) {
                planned.ends.add(Optional.of(keys.get(i)));
            }
        }
        planned.ends.add(Optional.empty());
        return planned;
    }

    /** The last key, in key order, of the source rows that {@code ranged} selects. */
    private List<Object> lastKey(Connection c, DuckDbReader.Readable s, List<Column> key, DuckDbReader.Where where, String ranged,
                                 List<Object> after) throws SQLException {
        StringJoiner keySelected = new StringJoiner(", ");
        StringJoiner keyDescending = new StringJoiner(", ");
        for (Column k : key) {
            keySelected.add(DuckDbReader.selected(k));
            keyDescending.add(quote(k.name()) + " DESC");
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT " + keySelected + " FROM " + source.qualified(s.name()) + ranged
                + " ORDER BY " + keyDescending + " LIMIT 1")) {
            bindRange(ps, where, key, after, null);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return List.of(DuckDbReader.decode(rs, Schema.of(key, key.stream().map(Column::name).toList())));
            }
        }
    }

    /** The ranges still to copy of the copy under way, valid while it continues from {@link #cursor}. */
    private static final class Plan {
        private final String table;
        private final RowFilter rows;
        private final int maxRows;
        private List<Object> cursor;
        /** Where each range ends, in order; empty for the last, which runs to the end. */
        private final ArrayDeque<Optional<List<Object>>> ends = new ArrayDeque<>();

        Plan(String table, RowFilter rows, int maxRows, List<Object> cursor) {
            this.table = table;
            this.rows = rows;
            this.maxRows = maxRows;
            this.cursor = cursor;
        }

        boolean continues(String table, RowFilter rows, List<Object> after, int maxRows) {
            return this.table.equals(fold(table)) && this.rows.equals(rows) && this.maxRows == maxRows && Objects.equals(cursor, after);
        }
    }

    /** The writer's version-guarded upsert, from the attached table: every target column not copied becomes NULL. */
    private String upsertSql(String table, List<String> columns, Schema schema, String select) throws SQLException {
        StoredTable stored = StoredTable.load(writer.connectionForReadingUnchecked(), table);
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(quote(table)).append(" AS ").append(quote(STORED)).append(" (")
                .append(quoteAll(columns)).append(")").append(select).append(" ON CONFLICT (").append(quoteAll(schema.primaryKey()))
                .append(") DO UPDATE SET ");
        for (StoredTable.StoredColumn c : stored.columns()) {
            if (!schema.isKey(c.name()) && !fold(c.name()).equals(VERSION_COLUMN)) {
                sql.append(quote(c.name())).append(" = excluded.").append(quote(c.name())).append(", ");
            }
        }
        return sql.append(quote(VERSION_COLUMN)).append(" = excluded.").append(quote(VERSION_COLUMN)).append(" WHERE excluded.")
                .append(quote(VERSION_COLUMN)).append(" >= ").append(quote(STORED)).append('.').append(quote(VERSION_COLUMN)).toString();
    }

    /**
     * Runs {@code sql} in one transaction, rolled back when it fails, then checkpoints the target: the
     * range's rows are then in the file, not in the write-ahead log, and DuckDB's memory grows far more
     * slowly with the rows copied than with one checkpoint when the file closes (peak RSS of a migrate
     * of 10M rows: 513–548 MiB with one checkpoint at close, 340–358 MiB with one per range; 20M rows:
     * 922 against 449 MiB).
     */
    private static void copy(Connection c, String sql, DuckDbReader.Where where, List<Column> key, List<Object> after, List<Object> end)
            throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bindRange(ps, where, key, after, end);
            ps.executeUpdate();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            try {
                c.setAutoCommit(true);
            } catch (SQLException e) {
                // the failure above, if any, says more; a later statement reports a broken connection
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
        }
    }

    /**
     * {@code key op (?, …)} in key order: the leading column's own bound lets DuckDB skip row groups
     * by their min/max; a compound key is spelled out column by column, as DuckDB turns a pair of row
     * comparisons into a BETWEEN that it refuses for rows. {@link #bindKey} binds it.
     */
    private static String keyBound(List<Column> key, String op) {
        if (key.size() == 1) {
            return quote(key.get(0).name()) + " " + op + " " + DuckDbReader.placeholder(key.get(0).type());
        }
        String strict = op.substring(0, 1);
        String lead = strict.equals(">") ? ">=" : "<=";
        StringJoiner terms = new StringJoiner(" OR ", "(", ")");
        for (int i = 0; i < key.size(); i++) {
            StringJoiner term = new StringJoiner(" AND ", "(", ")");
            for (int j = 0; j < i; j++) {
                term.add(quote(key.get(j).name()) + " = " + DuckDbReader.placeholder(key.get(j).type()));
            }
            term.add(quote(key.get(i).name()) + " " + (i == key.size() - 1 ? op : strict) + " " + DuckDbReader.placeholder(key.get(i).type()));
            terms.add(term.toString());
        }
        return quote(key.get(0).name()) + " " + lead + " " + DuckDbReader.placeholder(key.get(0).type()) + " AND " + terms;
    }

    private static void bindRange(PreparedStatement ps, DuckDbReader.Where where, List<Column> key, List<Object> after, List<Object> end)
            throws SQLException {
        int p = where.bind(ps, 1);
        p = bindKey(ps, p, key, after);
        bindKey(ps, p, key, end);
    }

    /** Binds {@code values} to the placeholders of a {@link #keyBound}, from {@code first}; returns the next free index. */
    private static int bindKey(PreparedStatement ps, int first, List<Column> key, List<Object> values) throws SQLException {
        if (values == null) {
            return first;
        }
        int p = first;
        if (key.size() == 1) {
            DuckDbReader.bindKeyValue(ps, p++, key.get(0).type(), values.get(0));
            return p;
        }
        DuckDbReader.bindKeyValue(ps, p++, key.get(0).type(), values.get(0));
        for (int i = 0; i < key.size(); i++) {
            for (int j = 0; j <= i; j++) {
                DuckDbReader.bindKeyValue(ps, p++, key.get(j).type(), values.get(j));
            }
        }
        return p;
    }

    @Override
    public SameEngineCopy.RowComparison compare(String table, RowFilter rows) throws WriteException {
        DuckDbReader.Readable s = source.readable(table);
        DuckDbReader.Readable t = target.readable(table);
        if (s == null && t == null) {
            return new SameEngineCopy.RowComparison(0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
        if (s != null && t != null && !sameKey(s.schema().primaryKey(), t.schema().primaryKey())) {
            throw WriteException.permanent(table, null, "table " + table + ": the target's key " + t.schema().primaryKey()
                    + " is not the source's " + s.schema().primaryKey() + " column for column, so the two cannot be compared key by"
                    + " key; migrate into a table keyed like the source, in the same order");
        }
        Schema keyed = (t != null ? t : s).schema();
        Map<String, Column> union = new LinkedHashMap<>();
        if (t != null) {
            t.schema().columns().forEach(c -> union.put(fold(c.name()), c));
        }
        if (s != null) {
            s.schema().columns().forEach(c -> union.putIfAbsent(fold(c.name()), c));
        }
        List<String> names = new ArrayList<>(union.keySet());
        names.sort(null);
        List<Column> key = keyed.primaryKey().stream().map(k -> union.get(fold(k))).toList();
        Side src = side(source, s, rows, names, union, key);
        Side dst = side(target, t, rows, names, union, key);
        Connection c = writer.connectionForReading();
        String with = "WITH s AS (" + src.sql + "), t AS (" + dst.sql + ")";
        String bucketsSql = with + ", sa AS (SELECT b, count(*) AS n, sum(r::HUGEINT) AS x FROM s GROUP BY b)"
                + ", ta AS (SELECT b, count(*) AS n, sum(r::HUGEINT) AS x FROM t GROUP BY b)"
                + " SELECT coalesce(sa.b, ta.b), coalesce(sa.n, 0), coalesce(sa.x, 0)::VARCHAR, coalesce(ta.n, 0),"
                + " coalesce(ta.x, 0)::VARCHAR FROM sa FULL OUTER JOIN ta ON sa.b = ta.b";
        long sourceRows = 0;
        long targetRows = 0;
        long equal = 0;
        BigInteger sourceSum = BigInteger.ZERO;
        BigInteger targetSum = BigInteger.ZERO;
        List<Long> differing = new ArrayList<>();
        String step = "comparing buckets of keys";
        try {
            try (PreparedStatement ps = c.prepareStatement(bucketsSql)) {
                dst.where.bind(ps, src.where.bind(ps, 1));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long sn = rs.getLong(2);
                        long tn = rs.getLong(4);
                        BigInteger sx = new BigInteger(rs.getString(3));
                        BigInteger tx = new BigInteger(rs.getString(5));
                        sourceRows += sn;
                        targetRows += tn;
                        sourceSum = sourceSum.add(sx);
                        targetSum = targetSum.add(tx);
                        if (sn == tn && sx.equals(tx)) {
                            equal += sn;
                        } else if (sn > 0) {
                            differing.add(rs.getLong(1));
                        }
                    }
                }
            }
            long newer = 0;
            long missing = 0;
            long older = 0;
            long different = 0;
            if (!differing.isEmpty()) {
                step = "comparing rows key by key";
                StringJoiner in = new StringJoiner(", ", " IN (", ")");
                differing.forEach(b -> in.add(Long.toString(b)));
                StringJoiner on = new StringJoiner(" AND ");
                for (int k = 0; k < key.size(); k++) {
                    on.add("s.k" + k + " = t.k" + k);
                }
                String detailSql = "WITH s AS (SELECT * FROM (" + src.sql + ") WHERE b" + in + "), t AS (SELECT * FROM (" + dst.sql
                        + ") WHERE b" + in + ") SELECT count(*) FILTER (WHERE t.v IS NULL), count(*) FILTER (WHERE t.v > s.v),"
                        + " count(*) FILTER (WHERE t.v < s.v), count(*) FILTER (WHERE t.v = s.v AND t.h = s.h),"
                        + " count(*) FILTER (WHERE t.v = s.v AND t.h <> s.h) FROM s LEFT JOIN t ON " + on;
                try (PreparedStatement ps = c.prepareStatement(detailSql)) {
                    dst.where.bind(ps, src.where.bind(ps, 1));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        missing = rs.getLong(1);
                        newer = rs.getLong(2);
                        older = rs.getLong(3);
                        equal += rs.getLong(4);
                        different = rs.getLong(5);
                    }
                }
            }
            return new SameEngineCopy.RowComparison(sourceRows, targetRows, equal, newer, missing, older, different,
                    sourceSum.longValue(), targetSum.longValue());
        } catch (SQLException e) {
            throw writer.failed(table, step + " with destination " + sourceName + " inside DuckDB", e);
        }
    }

    /** One end's rows as SQL ({@code k0…, v, h, b, r}) and the filter parameters it binds; no rows for a missing table. */
    private record Side(String sql, DuckDbReader.Where where) {
    }

    private Side side(DuckDbReader reader, DuckDbReader.Readable table, RowFilter rows, List<String> names, Map<String, Column> union,
                      List<Column> key) throws WriteException {
        StringJoiner keys = new StringJoiner(", ");
        StringJoiner keyRefs = new StringJoiner(", ");
        for (int k = 0; k < key.size(); k++) {
            keys.add(valueOf(table, key.get(k)) + " AS k" + k);
            keyRefs.add("k" + k);
        }
        StringJoiner values = new StringJoiner(", ");
        for (String n : names) {
            values.add(valueOf(table, union.get(n)));
        }
        if (table == null) {
            return new Side("SELECT " + keys + ", CAST(NULL AS BIGINT) AS v, CAST(NULL AS UBIGINT) AS h, CAST(NULL AS UBIGINT) AS b,"
                    + " CAST(NULL AS UBIGINT) AS r WHERE false", new DuckDbReader.Where("", List.of()));
        }
        DuckDbReader.Where where = reader.where(table, rows);
        String inner = "SELECT " + keys + ", " + quote(VERSION_COLUMN) + " AS v, hash(" + values + ") AS h FROM "
                + reader.qualified(table.name()) + where.sql();
        return new Side("SELECT *, hash(" + keyRefs + ") % " + BUCKETS + " AS b, hash(v, h) AS r FROM (" + inner + ")", where);
    }

    /** {@code column} of {@code table} cast to the compared type; a typed NULL where the table lacks it. */
    private static String valueOf(DuckDbReader.Readable table, Column column) {
        String type = DuckDbType.of(column.type());
        boolean present = table != null && table.schema().columns().stream().anyMatch(c -> fold(c.name()).equals(fold(column.name())));
        if (!present) {
            return "CAST(NULL AS " + type + ")";
        }
        String stored = table.schema().columns().stream().filter(c -> fold(c.name()).equals(fold(column.name()))).findFirst()
                .orElseThrow().name();
        return "CAST(" + quote(stored) + " AS " + type + ")";
    }

    private static boolean sameKey(List<String> a, List<String> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!fold(a.get(i)).equals(fold(b.get(i)))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws WriteException {
        if (closed) {
            return;
        }
        closed = true;
        Connection c = writer.connectionForReadingUnchecked();
        if (c == null) {
            return;
        }
        try {
            if (threadsBefore != null) {
                execute(c, "SET threads = " + Integer.parseInt(threadsBefore));
            }
            execute(c, "DETACH DATABASE IF EXISTS " + quote(ALIAS));
        } catch (SQLException | NumberFormatException e) {
            throw WriteException.retryable("destination " + destination + ": cannot detach the migration's source " + source
                    + ": " + e.getMessage(), null);
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public String toString() {
        return "AttachedDuckDbFile[" + sourceName + " -> " + destination + "]";
    }
}
