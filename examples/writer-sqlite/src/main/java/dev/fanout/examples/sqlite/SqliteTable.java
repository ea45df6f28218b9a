package dev.fanout.examples.sqlite;

import dev.fanout.api.Column;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A table as stored: its columns with their logical types (from {@value #COLUMNS_TABLE}) and its
 * primary key (from SQLite's own catalog). Creates and evolves tables as the writer contract says:
 * new columns are added nullable, int32 → int64 → float64 (and decimals to wider decimals) widen,
 * anything else — another type, another key — is a permanent error naming table and column.
 */
record SqliteTable(String name, Map<String, LogicalType> columns, List<String> primaryKey) {

    /** The version column every fanout writer keeps. */
    static final String VERSION = "_fanout_version";
    /** Where the logical type of each stored column is kept: (table_name, column_name, logical_type). */
    static final String COLUMNS_TABLE = "_fanout_columns";

    /** Double-quotes an identifier, doubling quotes inside: names from data never reach SQL unquoted. */
    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /**
     * The stored table that SQLite takes {@code requested} for, under its stored name — which differs
     * from {@code requested} when the two differ only by case, since SQLite matches names
     * case-insensitively (ASCII letters) — or empty when there is none.
     */
    static Optional<SqliteTable> load(Connection c, String requested) throws SQLException {
        String name = null;
        try (PreparedStatement stored = c.prepareStatement("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE")) {
            stored.setString(1, requested);
            try (ResultSet rs = stored.executeQuery()) {
                if (rs.next()) {
                    name = rs.getString(1);
                }
            }
        }
        if (name == null) {
            return Optional.empty();
        }
        List<String> key = new ArrayList<>();
        Map<Integer, String> keyByPosition = new TreeMap<>();
        boolean exists = false;
        try (PreparedStatement info = c.prepareStatement("SELECT name, pk FROM pragma_table_info(?)")) {
            info.setString(1, name);
            try (ResultSet rs = info.executeQuery()) {
                while (rs.next()) {
                    exists = true;
                    if (rs.getInt(2) > 0) {
                        keyByPosition.put(rs.getInt(2), rs.getString(1));
                    }
                }
            }
        }
        if (!exists) {
            return Optional.empty();
        }
        key.addAll(keyByPosition.values());
        Map<String, LogicalType> columns = new LinkedHashMap<>();
        ensureColumnsTable(c);
        try (PreparedStatement types = c.prepareStatement("SELECT column_name, logical_type FROM " + COLUMNS_TABLE
                + " WHERE table_name = ? ORDER BY position")) {
            types.setString(1, name);
            try (ResultSet rs = types.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), LogicalType.parse(rs.getString(2)));
                }
            }
        }
        return Optional.of(new SqliteTable(name, columns, List.copyOf(key)));
    }

    /** Creates table {@code name} for {@code schema}: its columns, the version column, its primary key. */
    static SqliteTable create(Connection c, String name, Schema schema) throws SQLException {
        StringBuilder ddl = new StringBuilder("CREATE TABLE ").append(quote(name)).append(" (");
        for (Column col : schema.columns()) {
            ddl.append(quote(col.name())).append(' ').append(SqliteTypes.storage(col.type()))
                    .append(schema.isKey(col.name()) || !col.nullable() ? " NOT NULL" : "").append(", ");
        }
        ddl.append(quote(VERSION)).append(" INTEGER NOT NULL, PRIMARY KEY (")
                .append(String.join(", ", schema.primaryKey().stream().map(SqliteTable::quote).toList())).append("))");
        try (Statement s = c.createStatement()) {
            s.execute(ddl.toString());
        }
        Map<String, LogicalType> columns = new LinkedHashMap<>();
        for (Column col : schema.columns()) {
            record(c, name, col.name(), col.type(), columns.size());
            columns.put(col.name(), col.type());
        }
        return new SqliteTable(name, columns, schema.primaryKey());
    }

    /**
     * This table after making it take rows of {@code schema}: new columns added, widenings recorded.
     *
     * @throws WriteException (permanent) for another primary key or a type that does not widen
     */
    SqliteTable evolve(Connection c, Schema schema, String destination) throws SQLException, WriteException {
        if (!primaryKey.equals(schema.primaryKey())) {
            throw new WriteException("destination " + destination + ": table " + name + " has primary key " + primaryKey
                    + " and the batch has " + schema.primaryKey() + "; a key cannot change: write to a new table", false, name, null, null);
        }
        for (Column col : schema.columns()) {
            for (String storedColumn : columns.keySet()) {
                if (IdentifierComparison.CASE_INSENSITIVE.differOnlyByCase(storedColumn, col.name())) {
                    throw new WriteException("destination " + destination + ": table " + name + ": column '" + col.name()
                            + "' differs only by case from the stored column '" + storedColumn + "', and SQLite compares names"
                            + " case-insensitively, so it would be written into '" + storedColumn + "'; rename one of the two columns",
                            false, name, col.name(), null);
                }
            }
        }
        Map<String, LogicalType> evolved = new LinkedHashMap<>(columns);
        for (Column col : schema.columns()) {
            LogicalType stored = columns.get(col.name());
            if (stored == null) {
                try (Statement s = c.createStatement()) {
                    s.execute("ALTER TABLE " + quote(name) + " ADD COLUMN " + quote(col.name()) + " " + SqliteTypes.storage(col.type()));
                }
                record(c, name, col.name(), col.type(), evolved.size());
                evolved.put(col.name(), col.type());
            } else if (!stored.equals(col.type()) && stored.widensTo(col.type())) {
                try (PreparedStatement update = c.prepareStatement("UPDATE " + COLUMNS_TABLE
                        + " SET logical_type = ? WHERE table_name = ? AND column_name = ?")) {
                    update.setString(1, col.type().toString());
                    update.setString(2, name);
                    update.setString(3, col.name());
                    update.executeUpdate();
                }
                evolved.put(col.name(), col.type());
            } else if (!col.type().widensTo(stored)) {
                throw new WriteException("destination " + destination + ": table " + name + " column " + col.name() + " is " + stored
                        + " and the batch has " + col.type() + ", which does not widen to it; write to a new column or table",
                        false, name, col.name(), null);
            }
        }
        return new SqliteTable(name, evolved, primaryKey);
    }

    private static void ensureColumnsTable(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + COLUMNS_TABLE + " (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
                    + "logical_type TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (table_name, column_name))");
        }
    }

    private static void record(Connection c, String table, String column, LogicalType type, int position) throws SQLException {
        ensureColumnsTable(c);
        try (PreparedStatement insert = c.prepareStatement("INSERT OR REPLACE INTO " + COLUMNS_TABLE
                + " (table_name, column_name, logical_type, position) VALUES (?, ?, ?, ?)")) {
            insert.setString(1, table);
            insert.setString(2, column);
            insert.setString(3, type.toString());
            insert.setInt(4, position);
            insert.executeUpdate();
        }
    }
}
