package dev.fanout.writer.duckdb;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.duckdb.DuckDBDriver;

/** Reads a DuckDB file back with plain JDBC, values as fanout's Java types; for tests. */
public final class DuckDbTables {

    private DuckDbTables() {
    }

    /** A read-only connection to {@code file}; the writer must be closed. */
    static Connection readOnly(Path file) throws SQLException {
        Properties p = new Properties();
        p.setProperty("duckdb.read_only", "true");
        return new DuckDBDriver().connect("jdbc:duckdb:" + file, p);
    }

    static List<Map<String, Object>> rows(Path file, String table) throws SQLException {
        return rows(file, "main", table);
    }

    /** Every row of {@code schema.table} in {@code file}, values as fanout's Java types; the writer must be closed. */
    public static List<Map<String, Object>> rows(Path file, String schema, String table) throws SQLException {
        try (Connection c = readOnly(file)) {
            return rows(c, "SELECT * FROM " + Sql.quote(schema) + "." + Sql.quote(table));
        }
    }

    static List<Map<String, Object>> rows(Connection c, String query) throws SQLException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnName(i), value(rs, i, md.getColumnTypeName(i)));
                }
                out.add(row);
            }
        }
        return out;
    }

    static Object scalar(Path file, String query) throws SQLException {
        try (Connection c = readOnly(file); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getObject(1);
        }
    }

    private static Object value(ResultSet rs, int i, String type) throws SQLException {
        if (rs.getObject(i) == null) {
            return null;
        }
        if (type.startsWith("DECIMAL")) {
            return rs.getBigDecimal(i);
        }
        return switch (type) {
            case "BOOLEAN" -> rs.getBoolean(i);
            case "INTEGER" -> rs.getInt(i);
            case "BIGINT" -> rs.getLong(i);
            case "DOUBLE" -> rs.getDouble(i);
            case "DATE" -> rs.getObject(i, LocalDate.class);
            case "TIMESTAMP" -> rs.getObject(i, LocalDateTime.class).toInstant(ZoneOffset.UTC);
            case "BLOB" -> rs.getBytes(i);
            case "VARCHAR", "JSON" -> rs.getString(i);
            default -> throw new IllegalStateException("unexpected DuckDB type " + type);
        };
    }

}
