package dev.fanout.examples.sqlite;

import dev.fanout.api.Destination;
import dev.fanout.api.LogicalType;
import dev.fanout.api.WriterProvider;
import dev.fanout.tck.WriterContractTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The fanout writer contract, run against real SQLite files: all a plugin's kit test needs is these few methods. */
class SqliteWriterContractTest extends WriterContractTest {

    @Override
    protected WriterProvider provider() {
        return new SqliteWriterProvider();
    }

    @Override
    protected Destination destination(Path tempDir) {
        return new Destination("contract", "sqlite:data/contract.sqlite", Map.of(SqliteWriterProvider.BUSY_TIMEOUT, "100"), tempDir, Set.of());
    }

    @Override
    protected List<Map<String, Object>> readTable(Destination destination, String table) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + SqliteWriterProvider.file(destination))) {
            SqliteTable stored = SqliteTable.load(c, table).orElseThrow(() -> new AssertionError("no table " + table));
            Map<String, LogicalType> columns = new LinkedHashMap<>(stored.columns());
            columns.put(SqliteTable.VERSION, LogicalType.INT64);
            List<String> quoted = columns.keySet().stream().map(SqliteTable::quote).toList();
            List<Map<String, Object>> rows = new ArrayList<>();
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT " + String.join(", ", quoted) + " FROM " + SqliteTable.quote(table))) {
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    int i = 1;
                    for (Map.Entry<String, LogicalType> col : columns.entrySet()) {
                        row.put(col.getKey(), SqliteTypes.read(rs, i++, col.getValue()));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    /**
     * Another connection holds the file's exclusive lock; the writer's statements find the database
     * busy. Also before the first open (the kit's default {@code interruptTargetBeforeOpen}): the
     * holder creates the file, and its folder first.
     */
    @Override
    protected AutoCloseable interruptTarget() throws Exception {
        Files.createDirectories(SqliteWriterProvider.file(destination).toAbsolutePath().getParent());
        Connection holder = DriverManager.getConnection("jdbc:sqlite:" + SqliteWriterProvider.file(destination));
        try (Statement s = holder.createStatement()) {
            s.execute("BEGIN EXCLUSIVE");
        }
        return () -> {
            try (holder; Statement s = holder.createStatement()) {
                s.execute("ROLLBACK");
            }
        };
    }
}
