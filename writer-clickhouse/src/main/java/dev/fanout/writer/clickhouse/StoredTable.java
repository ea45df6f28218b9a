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
    private final String sortingKey;
    private final Map<String, StoredColumn> columns;

    private StoredTable(String name, String engine, String engineFull, String sortingKey, Map<String, StoredColumn> columns) {
        this.name = name;
        this.engine = engine;
        this.engineFull = engineFull;
        this.sortingKey = sortingKey;
        this.columns = columns;
    }

    /** Reads the table from the server's catalog; null when it does not exist. */
    static StoredTable load(ClickHouseHttp http, String database, String table) {
        String where = "database = " + literal(database) + " AND ";
        List<String[]> t = http.rows("SELECT engine, engine_full, sorting_key FROM system.tables WHERE " + where + "name = "
                + literal(table));
        if (t.isEmpty()) {
            return null;
        }
        Map<String, StoredColumn> cols = new LinkedHashMap<>();
        for (String[] c : http.rows("SELECT name, type, comment, is_in_sorting_key FROM system.columns WHERE " + where
                + "table = " + literal(table))) {
            ClickHouseColumnType type = ClickHouseColumnType.parse(c[1]);
            cols.put(c[0], new StoredColumn(c[0], type, c[2], type.logical(c[2]), "1".equals(c[3])));
        }
        return new StoredTable(table, t.get(0)[0], t.get(0)[1], t.get(0)[2], cols);
    }

    /**
     * A cluster table as one: the columns, types and key of its local part {@code local} (a
     * ReplicatedReplacingMergeTree, which carries no comments on 18.16) with the fanout
     * {@code comments} by column (those of its Distributed table), named {@code name}.
     */
    static StoredTable clusterTable(String name, StoredTable local, Map<String, String> comments) {
        Map<String, StoredColumn> cols = new LinkedHashMap<>();
        for (StoredColumn c : local.columns.values()) {
            String comment = comments.getOrDefault(c.name(), c.comment());
            cols.put(c.name(), new StoredColumn(c.name(), c.type(), comment, c.type().logical(comment), c.inKey()));
        }
        return new StoredTable(name, local.engine, local.engineFull, local.sortingKey, cols);
    }

    /** The non-empty column comments, by column. */
    Map<String, String> comments() {
        Map<String, String> comments = new LinkedHashMap<>();
        for (StoredColumn c : columns.values()) {
            if (c.comment() != null && !c.comment().isEmpty()) {
                comments.put(c.name(), c.comment());
            }
        }
        return comments;
    }

    /**
     * The table as a reader sees it: its columns but the version, with their logical types, keyed by
     * the sorting key in its order (the columns' order in {@code ORDER BY}, which is the primary key's
     * order fanout created it with).
     *
     * @throws WriteException (permanent) when fanout did not create the table: another engine, no
     *                        version column, a sorting key that is not a list of columns, a column of a
     *                        type fanout does not write
     */
    Schema readableSchema(String destination) throws WriteException {
        String prefix = "destination " + destination + ": table " + name;
        String notFanouts = ", so fanout did not create it and cannot read it as a migration source — rename it, or route "
                + name + " elsewhere";
        if (!engine.endsWith("ReplacingMergeTree") || !columns.containsKey(VERSION_COLUMN) || !versionedByFanout()) {
            throw WriteException.permanent(name, null, prefix + " is not a ReplacingMergeTree versioned by " + VERSION_COLUMN + notFanouts);
        }
        List<String> key = sortingKeyColumns(sortingKey);
        if (key == null || key.isEmpty() || !new HashSet<>(key).equals(new HashSet<>(key()))) {
            throw WriteException.permanent(name, null, prefix + " is sorted by (" + sortingKey + "), not by a list of its columns"
                    + notFanouts);
        }
        List<Column> cols = new ArrayList<>();
        for (StoredColumn c : columns.values()) {
            if (c.name().equals(VERSION_COLUMN)) {
                continue;
            }
            if (c.logical() == null) {
                throw WriteException.permanent(name, c.name(), prefix + ", column " + c.name() + ": stored as " + c.type().text()
                        + ", a type fanout does not write (or lacks its fanout comment), so the table cannot be read as a "
                        + "migration source — change the column's type to one of fanout's or drop the column");
            }
            cols.add(new Column(c.name(), c.logical(), c.type().nullable()));
        }
        return Schema.of(cols, key);
    }

    /**
     * The column names in {@code system.tables.sorting_key}, e.g. {@code id, `the key`} → [id, the key]
     * (backquoted names unescaped), or null when an element is an expression rather than a name.
     */
    static List<String> sortingKeyColumns(String sortingKey) {
        List<String> names = new ArrayList<>();
        int i = 0;
        int n = sortingKey.length();
        while (i < n) {
            while (i < n && sortingKey.charAt(i) == ' ') {
                i++;
            }
            StringBuilder name = new StringBuilder();
            if (i < n && sortingKey.charAt(i) == '`') {
                i++;
                while (i < n && sortingKey.charAt(i) != '`') {
                    char c = sortingKey.charAt(i++);
                    if (c == '\\' && i < n) {
                        char e = sortingKey.charAt(i++);
                        name.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case 'r' -> '\r';
                            case '0' -> '\0';
                            case 'b' -> '\b';
                            case 'f' -> '\f';
                            default -> e;
                        });
                    } else {
                        name.append(c);
                    }
                }
                if (i == n) {
                    return null;
                }
                i++;
            } else {
                while (i < n && sortingKey.charAt(i) != ',') {
                    char c = sortingKey.charAt(i++);
                    if (!(Character.isLetterOrDigit(c) || c == '_')) {
                        return null;
                    }
                    name.append(c);
                }
            }
            while (i < n && sortingKey.charAt(i) == ' ') {
                i++;
            }
            if (i < n && sortingKey.charAt(i++) != ',') {
                return null;
            }
            if (name.isEmpty()) {
                return null;
            }
            names.add(name.toString());
        }
        return names;
    }

    StoredColumn column(String columnName) {
        return columns.get(columnName);
    }

    /** The stored columns' names, in table order. */
    List<String> columnNames() {
        return List.copyOf(columns.keySet());
    }

    /** The engine, e.g. {@code ReplicatedReplacingMergeTree}. */
    String engine() {
        return engine;
    }

    /** The engine with its arguments, as {@code system.tables.engine_full} prints it. */
    String engineFull() {
        return engineFull;
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
        if (engine.equals("Distributed")) {
            throw WriteException.permanent(name, null, prefix + " is a Distributed table, which spreads rows over a cluster's shards "
                    + "on its own; fanout writes a cluster's shards itself — give the destination the option cluster (the cluster's "
                    + "name in remote_servers), or route " + name + " to another destination");
        }
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
