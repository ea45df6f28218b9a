package dev.fanout.writer.duckdb;

import static dev.fanout.writer.duckdb.Sql.VERSION_COLUMN;
import static dev.fanout.writer.duckdb.Sql.fold;

import dev.fanout.api.Column;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The shape of one DuckDB table as it is now — columns in table order with their types, and the
 * primary key — read from the catalog once or known from fanout's own DDL, and the plan that
 * brings it in line with a batch. Immutable: evolving gives a new instance.
 */
final class StoredTable {

    /** One stored column; {@code type} is null when fanout does not produce its DuckDB type. */
    record StoredColumn(String name, String duckDbType, LogicalType type, boolean nullable) {
    }

    /**
     * What a batch needs before its upsert.
     *
     * @param added   batch columns the table lacks, added as nullable
     * @param widened stored columns (by folded name) whose type becomes the given wider one
     * @param rebuild whether a key column widens: DuckDB refuses to change the type of a key
     *                column in place, so the table is rebuilt
     */
    record Evolution(List<Column> added, Map<String, LogicalType> widened, boolean rebuild) {
        boolean isEmpty() {
            return added.isEmpty() && widened.isEmpty();
        }
    }

    private static final String COLUMNS_SQL = "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            + "WHERE table_catalog = coalesce(?, current_database()) AND table_schema = coalesce(?, current_schema()) "
            + "AND lower(table_name) = lower(?) ORDER BY ordinal_position";
    private static final String KEY_SQL = "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            + "WHERE database_name = coalesce(?, current_database()) AND schema_name = coalesce(?, current_schema()) "
            + "AND lower(table_name) = lower(?) AND constraint_type = 'PRIMARY KEY'";

    private final String name;
    private final Map<String, StoredColumn> columns;
    private final List<String> primaryKey;

    private StoredTable(String name, Map<String, StoredColumn> columns, List<String> primaryKey) {
        this.name = name;
        this.columns = columns;
        this.primaryKey = List.copyOf(primaryKey);
    }

    /** The table as fanout creates it for {@code schema}. */
    static StoredTable created(String table, Schema schema) {
        Map<String, StoredColumn> cols = new LinkedHashMap<>();
        for (Column c : schema.columns()) {
            cols.put(fold(c.name()), new StoredColumn(c.name(), DuckDbType.of(c.type()), c.type(), !schema.isKey(c.name())));
        }
        cols.put(fold(VERSION_COLUMN), new StoredColumn(VERSION_COLUMN, "BIGINT", LogicalType.INT64, false));
        return new StoredTable(table, cols, schema.primaryKey());
    }

    /** The DDL creating the table for {@code schema}. */
    static String createSql(String table, Schema schema) {
        return created(table, schema).createSql(table, true);
    }

    /** Reads the table from the catalog; null when it does not exist. */
    static StoredTable load(Connection connection, String table) throws SQLException {
        return load(connection, null, table);
    }

    /** Reads the table from the main schema of attached database {@code catalog} (null: the current schema); null when it does not exist. */
    static StoredTable load(Connection connection, String catalog, String table) throws SQLException {
        String schema = catalog == null ? null : "main";
        Map<String, StoredColumn> cols = new LinkedHashMap<>();
        String storedName = null;
        try (PreparedStatement ps = connection.prepareStatement(COLUMNS_SQL)) {
            ps.setString(1, catalog);
            ps.setString(2, schema);
            ps.setString(3, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!fold(rs.getString(1)).equals(fold(table))) {
                        continue;
                    }
                    storedName = rs.getString(1);
                    String type = rs.getString(3);
                    cols.put(fold(rs.getString(2)), new StoredColumn(rs.getString(2), type, DuckDbType.parse(type),
                            "YES".equals(rs.getString(4))));
                }
            }
        }
        if (storedName == null) {
            return null;
        }
        List<String> key = List.of();
        try (PreparedStatement ps = connection.prepareStatement(KEY_SQL)) {
            ps.setString(1, catalog);
            ps.setString(2, schema);
            ps.setString(3, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (fold(rs.getString(1)).equals(fold(table))) {
                        Array names = rs.getArray(2);
                        List<String> k = new ArrayList<>();
                        for (Object n : (Object[]) names.getArray()) {
                            k.add((String) n);
                        }
                        key = k;
                    }
                }
            }
        }
        return new StoredTable(storedName, cols, key);
    }

    String name() {
        return name;
    }

    /**
     * Refuses a batch whose schema holds two columns DuckDB cannot tell apart ({@code Price} and
     * {@code price}): it would store them as one.
     *
     * @throws WriteException (permanent) naming both columns
     */
    static void refuseColumnsDifferingOnlyByCase(String destination, String table, Schema schema) throws WriteException {
        Map<String, String> seen = new LinkedHashMap<>();
        for (Column c : schema.columns()) {
            String other = seen.putIfAbsent(fold(c.name()), c.name());
            if (other != null) {
                throw WriteException.permanent(table, c.name(), "destination " + destination + ": table " + table + ": columns '"
                        + other + "' and '" + c.name() + "' differ only by case, and DuckDB compares names case-insensitively,"
                        + " so it would store them as one column — rename one of them, or route table " + table
                        + " to a destination that tells them apart");
            }
        }
    }

    /**
     * Refuses writing table {@code table} into this stored table when their names differ only by case:
     * DuckDB would take one for the other, so rows of {@code table} would land in (or be dropped as
     * stale against) another table's rows.
     *
     * @throws WriteException (permanent) naming both tables
     */
    void refuseOtherSpelling(String destination, String table) throws WriteException {
        if (!name.equals(table)) {
            throw WriteException.permanent(table, null, "destination " + destination + ": table '" + table
                    + "' differs only by case from the stored table '" + name + "', and DuckDB compares names case-insensitively,"
                    + " so '" + table + "' would be written into '" + name + "' — rename one of the two tables, or route '" + table
                    + "' to another destination");
        }
    }

    List<String> primaryKey() {
        return primaryKey;
    }

    Collection<StoredColumn> columns() {
        return columns.values();
    }

    /**
     * Checks {@code schema} against the stored table and says what must change first.
     *
     * @throws WriteException (permanent) for a key change, a type fanout does not widen, or a column
     *                        that differs only by case from a stored one
     */
    Evolution plan(String destination, String table, Schema schema) throws WriteException {
        for (Column c : schema.columns()) {
            StoredColumn s = columns.get(fold(c.name()));
            if (s != null && !s.name().equals(c.name())) {
                throw WriteException.permanent(table, c.name(), "destination " + destination + ": table " + table + ": column '"
                        + c.name() + "' differs only by case from the stored column '" + s.name() + "', and DuckDB compares names"
                        + " case-insensitively, so '" + c.name() + "' would be written into '" + s.name()
                        + "' — rename one of the two columns, or route table " + table + " to another destination");
            }
        }
        if (primaryKey.isEmpty()) {
            throw WriteException.permanent(table, null, "destination " + destination + ": table " + table
                    + " exists without a primary key, so fanout cannot upsert into it — rename or drop that table, or route "
                    + table + " to another destination");
        }
        if (!columns.containsKey(fold(VERSION_COLUMN))) {
            throw WriteException.permanent(table, null, "destination " + destination + ": table " + table + " has no "
                    + VERSION_COLUMN + " column, so it was not created by fanout — rename or drop that table, or route "
                    + table + " to another destination");
        }
        Set<String> storedKey = primaryKey.stream().map(Sql::fold).collect(Collectors.toSet());
        Set<String> batchKey = schema.primaryKey().stream().map(Sql::fold).collect(Collectors.toSet());
        if (!storedKey.equals(batchKey)) {
            throw WriteException.permanent(table, null, "destination " + destination + ": table " + table
                    + ": stored primary key is " + primaryKey + ", batch has " + schema.primaryKey()
                    + "; fanout cannot change a table's key — send the stored key or route the table to a new destination");
        }
        List<Column> added = new ArrayList<>();
        Map<String, LogicalType> widened = new LinkedHashMap<>();
        boolean rebuild = false;
        for (Column c : schema.columns()) {
            StoredColumn s = columns.get(fold(c.name()));
            if (s == null) {
                added.add(c);
                continue;
            }
            LogicalType target = widening(destination, table, c, s);
            if (target != null) {
                widened.put(fold(c.name()), target);
                rebuild |= storedKey.contains(fold(c.name()));
            }
        }
        return new Evolution(List.copyOf(added), Map.copyOf(widened), rebuild);
    }

    /** The type {@code stored} must widen to so that {@code batch} fits, or null when it fits already. */
    private static LogicalType widening(String destination, String table, Column batch, StoredColumn stored) throws WriteException {
        LogicalType b = batch.type();
        LogicalType s = stored.type();
        if (s == null) {
            if (stored.duckDbType().equalsIgnoreCase(DuckDbType.of(b))) {
                return null;
            }
        } else if (b.widensTo(s)) {
            return null;
        } else if (s.widensTo(b)) {
            return b;
        } else if (s.kind() == LogicalType.Kind.DECIMAL && b.kind() == LogicalType.Kind.DECIMAL) {
            int scale = Math.max(s.scale(), b.scale());
            int precision = Math.max(s.precision() - s.scale(), b.precision() - b.scale()) + scale;
            if (precision <= LogicalType.MAX_DECIMAL_PRECISION) {
                return LogicalType.decimal(precision, scale);
            }
        }
        throw WriteException.permanent(table, batch.name(), "destination " + destination + ": table " + table + ", column "
                + batch.name() + ": stored as " + stored.duckDbType() + ", batch has " + b
                + "; fanout only widens int32→int64→float64 and decimals to more digits — send a compatible type or route the table to a new destination");
    }

    /** This table after {@code evolution} was applied. */
    StoredTable evolved(Evolution evolution) {
        Map<String, StoredColumn> cols = new LinkedHashMap<>();
        for (Map.Entry<String, StoredColumn> e : columns.entrySet()) {
            StoredColumn c = e.getValue();
            LogicalType wider = evolution.widened().get(e.getKey());
            cols.put(e.getKey(), wider == null ? c : new StoredColumn(c.name(), DuckDbType.of(wider), wider, c.nullable()));
        }
        for (Column c : evolution.added()) {
            cols.put(fold(c.name()), new StoredColumn(c.name(), DuckDbType.of(c.type()), c.type(), true));
        }
        return new StoredTable(name, cols, primaryKey);
    }

    private String createSql(String tableName, boolean ifNotExists) {
        StringBuilder b = new StringBuilder(ifNotExists ? "CREATE TABLE IF NOT EXISTS " : "CREATE TABLE ").append(Sql.quote(tableName)).append(" (");
        for (StoredColumn c : columns.values()) {
            b.append(Sql.quote(c.name())).append(' ').append(c.duckDbType());
            if (!c.nullable()) {
                b.append(" NOT NULL");
            }
            b.append(", ");
        }
        return b.append("PRIMARY KEY (").append(Sql.quoteAll(primaryKey)).append("))").toString();
    }

    /** The statements that turn this table into {@code evolved(evolution)}, to run in one transaction. */
    List<String> evolutionSql(Evolution evolution) {
        List<String> sql = new ArrayList<>();
        String t = Sql.quote(name);
        if (evolution.rebuild()) {
            StoredTable target = evolved(evolution);
            String scratch = name + "__fanout_rebuild";
            List<String> kept = columns.values().stream().map(StoredColumn::name).toList();
            sql.add(target.createSql(scratch, false));
            sql.add("INSERT INTO " + Sql.quote(scratch) + " (" + Sql.quoteAll(kept) + ") SELECT " + Sql.quoteAll(kept) + " FROM " + t);
            sql.add("DROP TABLE " + t);
            sql.add("ALTER TABLE " + Sql.quote(scratch) + " RENAME TO " + t);
            return sql;
        }
        for (Map.Entry<String, LogicalType> w : evolution.widened().entrySet()) {
            sql.add("ALTER TABLE " + t + " ALTER COLUMN " + Sql.quote(columns.get(w.getKey()).name()) + " TYPE " + DuckDbType.of(w.getValue()));
        }
        for (Column c : evolution.added()) {
            sql.add("ALTER TABLE " + t + " ADD COLUMN " + Sql.quote(c.name()) + " " + DuckDbType.of(c.type()));
        }
        return sql;
    }
}
