package dev.fanout.writer.motherduck;

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

/** Reads the local DuckDB file behind a test-mode md destination, values as fanout's Java types; for tests. */
final class LocalTables {

    private LocalTables() {
    }

    /** Every row of {@code schema.table} in {@code file}; the writer must be closed. */
    static List<Map<String, Object>> rows(Path file, String schema, String table) throws SQLException {
        Properties p = new Properties();
        p.setProperty("duckdb.read_only", "true");
        List<Map<String, Object>> out = new ArrayList<>();
        try (Connection c = new DuckDBDriver().connect("jdbc:duckdb:" + file, p); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM " + quote(schema) + "." + quote(table))) {
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

    private static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
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
