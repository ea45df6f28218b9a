package dev.fanout.writer.clickhouse;

import static dev.fanout.writer.clickhouse.ClickHouseSql.VERSION_COLUMN;
import static dev.fanout.writer.clickhouse.ClickHouseSql.literal;

import dev.fanout.api.Column;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The shape of one ClickHouse table as it is now — engine, columns with their types and fanout
 * comments, sorting key — read from {@code system.tables} and {@code system.columns}, and the plan
 * that brings it in line with a batch. Immutable. ClickHouse names are case-sensitive, so lookups
 * are exact.
 */
final class StoredTable {

    /**
     * One stored column.
     *
     * @param logical the logical type it holds, or null when fanout does not write its ClickHouse type
     */
    record StoredColumn(String name, ClickHouseColumnType type, String comment, LogicalType logical, boolean inKey) {
    }

    /**
     * What a batch needs before its insert.
     *
     * @param added   batch columns the table lacks, added as nullable
     * @param widened   stored non-key columns whose type becomes the given wider one
     * @param commented stored columns that lack their fanout comment (an {@code ADD COLUMN} whose
     *                  separate {@code COMMENT COLUMN} failed) and get it for the given logical type
     */
    record Evolution(List<Column> added, Map<String, LogicalType> widened, Map<String, LogicalType> commented) {
        boolean isEmpty() {
            return added.isEmpty() && widened.isEmpty() && commented.isEmpty();
        }
    }

    private final String name;
    private final String engine;
    private final String engineFull;
    private final Map<String, StoredColumn> columns;

    private StoredTable(String name, String engine, String engineFull, Map<String, StoredColumn> columns) {
        this.name = name;
        this.engine = engine;
        this.engineFull = engineFull;
        this.columns = columns;
    }

    /** Reads the table from the server's catalog; null when it does not exist. */
    static StoredTable load(ClickHouseHttp http, String database, String table) {
        String where = "database = " + literal(database) + " AND ";
        List<String[]> t = http.rows("SELECT engine, engine_full FROM system.tables WHERE " + where + "name = " + literal(table));
        if (t.isEmpty()) {
            return null;
        }
        Map<String, StoredColumn> cols = new LinkedHashMap<>();
        for (String[] c : http.rows("SELECT name, type, comment, is_in_sorting_key FROM system.columns WHERE " + where
                + "table = " + literal(table))) {
            ClickHouseColumnType type = ClickHouseColumnType.parse(c[1]);
            cols.put(c[0], new StoredColumn(c[0], type, c[2], type.logical(c[2]), "1".equals(c[3])));
        }
        return new StoredTable(table, t.get(0)[0], t.get(0)[1], cols);
    }

    StoredColumn column(String columnName) {
        return columns.get(columnName);
    }

    /** The stored key columns, in table order. */
    List<String> key() {
        return columns.values().stream().filter(StoredColumn::inKey).map(StoredColumn::name).toList();
    }

    /**
     * Checks {@code schema} against the stored table and says what must change first.
     *
     * @throws WriteException (permanent) for a table fanout cannot upsert into, a key change or a
     *                        type fanout does not widen
     */
    Evolution plan(String destination, Schema schema, ClickHouseServerVersion serverVersion) throws WriteException {
        String prefix = "destination " + destination + ": table " + name;
        String reroute = " — rename or drop that table, or route " + name + " to another destination";
        if (!engine.endsWith("ReplacingMergeTree")) {
            throw WriteException.permanent(name, null, prefix + " has engine " + engine
                    + ", but fanout upserts only into ReplacingMergeTree(" + VERSION_COLUMN + ") tables" + reroute);
        }
        StoredColumn version = columns.get(VERSION_COLUMN);
        if (version == null || !versionedByFanout()
                || (version.type().physical() != ClickHouseColumnType.Physical.INT64
                && version.type().physical() != ClickHouseColumnType.Physical.UINT64)) {
            throw WriteException.permanent(name, null, prefix + " is not a ReplacingMergeTree versioned by an Int64 column "
                    + VERSION_COLUMN + ", so older rows could replace newer ones" + reroute);
        }
        Set<String> storedKey = new HashSet<>(key());
        if (!storedKey.equals(new HashSet<>(schema.primaryKey()))) {
            throw WriteException.permanent(name, null, prefix + ": stored primary key (ORDER BY) is " + key() + ", batch has "
                    + schema.primaryKey() + "; fanout cannot change a table's key — send the stored key or route the table to a new destination");
        }
        List<Column> added = new ArrayList<>();
        Map<String, LogicalType> widened = new LinkedHashMap<>();
        Map<String, LogicalType> commented = new LinkedHashMap<>();
        for (Column c : schema.columns()) {
            StoredColumn s = columns.get(c.name());
            if (s == null) {
                added.add(c);
                continue;
            }
            if (lacksComment(s, c.type(), !schema.isKey(c.name()), serverVersion)) {
                commented.put(c.name(), c.type());
                continue;
            }
            LogicalType target = widening(prefix, c, s);
            if (target != null) {
                widened.put(c.name(), target);
            }
        }
        return new Evolution(List.copyOf(added), Map.copyOf(widened), Map.copyOf(commented));
    }

    /**
     * Whether {@code stored} is exactly the column fanout would create for {@code type} on this server
     * but lacks the fanout comment that type needs — on 18.16 {@code ADD COLUMN} and
     * {@code COMMENT COLUMN} are two statements, and the second may have failed.
     */
    private static boolean lacksComment(StoredColumn stored, LogicalType type, boolean nullable, ClickHouseServerVersion version) {
        String comment = ClickHouseColumnType.comment(type, version);
        return comment != null
                && (stored.comment() == null || !stored.comment().startsWith(ClickHouseColumnType.COMMENT_PREFIX))
                && stored.type().text().equals(ClickHouseColumnType.ddl(type, nullable, version));
    }

    /** The type {@code stored} must widen to so that {@code batch} fits, or null when it fits already. */
    private LogicalType widening(String prefix, Column batch, StoredColumn stored) throws WriteException {
        LogicalType b = batch.type();
        LogicalType s = stored.logical();
        String what = prefix + ", column " + batch.name() + ": stored as " + stored.type().text()
                + (s == null ? "" : " (" + s + ")") + ", batch has " + b;
        if (s == null) {
            throw WriteException.permanent(name, batch.name(), what + "; fanout does not write that ClickHouse type — "
                    + "change the column's type or route the table to a new destination");
        }
        if (b.widensTo(s)) {
            return null;
        }
        LogicalType wider = null;
        if (s.widensTo(b)) {
            wider = b;
        } else if (s.kind() == LogicalType.Kind.DECIMAL && b.kind() == LogicalType.Kind.DECIMAL) {
            int scale = Math.max(s.scale(), b.scale());
            int precision = Math.max(s.precision() - s.scale(), b.precision() - b.scale()) + scale;
            if (precision <= LogicalType.MAX_DECIMAL_PRECISION) {
                wider = LogicalType.decimal(precision, scale);
            }
        }
        if (wider == null) {
            throw WriteException.permanent(name, batch.name(), what + "; fanout only widens int32→int64→float64 and decimals "
                    + "to more digits — send a compatible type or route the table to a new destination");
        }
        if (stored.inKey()) {
            throw WriteException.permanent(name, batch.name(), what + "; it is a key column, and ClickHouse cannot change the "
                    + "type of a sorting-key column in place — send " + s + " or route the table to a new destination");
        }
        return wider;
    }

    /** Whether one of the engine's arguments in {@code engine_full} is the version column. */
    private boolean versionedByFanout() {
        int open = engineFull.indexOf('(');
        int close = engineFull.indexOf(')', open + 1);
        if (open < 0 || close < 0) {
            return false;
        }
        for (String argument : engineFull.substring(open + 1, close).split(",")) {
            String a = argument.strip();
            if (a.equals(VERSION_COLUMN) || a.equals("`" + VERSION_COLUMN + "`")) {
                return true;
            }
        }
        return false;
    }
}
