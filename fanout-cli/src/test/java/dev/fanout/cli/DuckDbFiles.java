package dev.fanout.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What the CLI's and the distribution's tests read from DuckDB files and write as small inputs: a
 * file's tables with their row counts (opened read-only, so a test never changes what it checks), and
 * two keyed CSV tables, trades and quotes, with version 1.
 */
public final class DuckDbFiles {

    private DuckDbFiles() {
    }

    /** Table → row count of the DuckDB file {@code file}, through that name, read-only. */
    public static Map<String, Long> rowCounts(Path file) throws SQLException {
        Properties readOnly = new Properties();
        readOnly.setProperty("duckdb.read_only", "true");
        Map<String, Long> tables = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, readOnly); Statement s = c.createStatement()) {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            for (String name : names) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM \"" + name.replace("\"", "\"\"") + "\"")) {
                    rs.next();
                    tables.put(name, rs.getLong(1));
                }
            }
        }
        return tables;
    }

    /**
     * {@code dir/trades.csv} (trade_id, price, v) with {@code trades} rows and {@code dir/quotes.csv}
     * (symbol, bid, v) with {@code quotes} rows, every version 1; the directory is created.
     */
    public static List<Path> tradesAndQuotes(Path dir, int trades, int quotes) throws IOException {
        Files.createDirectories(dir);
        StringBuilder t = new StringBuilder("trade_id,price,v\n");
        for (int i = 1; i <= trades; i++) {
            t.append(i).append(',').append(i * 1.5).append(",1\n");
        }
        StringBuilder q = new StringBuilder("symbol,bid,v\n");
        for (int i = 1; i <= quotes; i++) {
            q.append('S').append(i).append(',').append(i * 0.25).append(",1\n");
        }
        return List.of(Files.writeString(dir.resolve("trades.csv"), t), Files.writeString(dir.resolve("quotes.csv"), q));
    }
}
