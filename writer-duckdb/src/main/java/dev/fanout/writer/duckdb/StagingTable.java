package dev.fanout.writer.duckdb;

import static dev.fanout.writer.duckdb.Sql.VERSION_COLUMN;
import static dev.fanout.writer.duckdb.Sql.quote;
import static dev.fanout.writer.duckdb.Sql.quoteAll;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LatestPerKey;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * A connection-private TEMP table shaped like one batch schema (plus the version), into which the
 * Appender writes a batch's winning rows before one {@code INSERT … ON CONFLICT} moves them into
 * the target table. Created once per (table, schema) and emptied per batch, so the hot path runs no
 * DDL. TEMP tables work with the Appender in this driver (catalog {@code temp}, schema
 * {@code main}) and never reach the database file or its WAL. Also remembers whether this table's
 * batches tend to hit existing keys; see {@link #insertSql()}.
 */
final class StagingTable {

    private final String name;
    private final String table;
    private final Schema schema;
    private final LogicalType.Kind[] kinds;
    private final int[] scales;
    private final String createSql;
    private final String clearSql;
    private final String insertSql;
    private static final String STORED = "_fanout_stored";

    private final String upsertHead;
    private List<String> upsertColumns;
    private String upsertSql;
    private int plainInsertPenalty;
    private int plainInsertSkips;

    StagingTable(String name, String table, Schema schema) {
        this.name = name;
        this.table = table;
        this.schema = schema;
        int width = schema.width();
        this.kinds = new LogicalType.Kind[width];
        this.scales = new int[width];
        List<String> columns = new ArrayList<>();
        StringBuilder create = new StringBuilder("CREATE TEMP TABLE ").append(quote(name)).append(" (");
        for (int i = 0; i < width; i++) {
            Column c = schema.column(i);
            kinds[i] = c.type().kind();
            scales[i] = c.type().scale();
            columns.add(c.name());
            create.append(quote(c.name())).append(' ').append(DuckDbType.staged(c.type())).append(", ");
        }
        this.createSql = create.append(quote(VERSION_COLUMN)).append(" BIGINT)").toString();
        this.clearSql = "DELETE FROM temp.main." + quote(name);

        List<String> all = new ArrayList<>(columns);
        all.add(VERSION_COLUMN);
        this.insertSql = "INSERT INTO " + quote(table) + " (" + quoteAll(all) + ") SELECT " + quoteAll(all) + " FROM temp.main." + quote(name);
        this.upsertHead = "INSERT INTO " + quote(table) + " AS " + quote(STORED) + " (" + quoteAll(all) + ") SELECT "
                + quoteAll(all) + " FROM temp.main." + quote(name) + " ON CONFLICT (" + quoteAll(schema.primaryKey()) + ") DO UPDATE SET ";
    }

    /** Creates the TEMP table; once per connection. */
    void create(DuckDBConnection connection) throws SQLException {
        execute(connection, createSql);
    }

    /**
     * The statement moving the staged rows into the target table, version-guarded. A winning row
     * replaces the whole stored row: every non-key column of the table, {@code tableColumns}, is set,
     * and those the batch lacks become NULL — so the result does not depend on the order in which
     * packets of different schemas arrive.
     *
     * <p>A row of the stored row's version replaces it only when some column differs: the result is
     * the same as replacing it, but the statement's affected-row count then holds exactly the rows
     * applied — a replay of the stored row counts as skipped.
     */
    String upsertSql(List<String> tableColumns) {
        if (!tableColumns.equals(upsertColumns)) {
            StringBuilder upsert = new StringBuilder(upsertHead);
            StringBuilder differs = new StringBuilder("false");
            for (String c : tableColumns) {
                if (!schema.isKey(c) && !c.equalsIgnoreCase(VERSION_COLUMN)) {
                    upsert.append(quote(c)).append(" = excluded.").append(quote(c)).append(", ");
                    differs.append(" OR excluded.").append(quote(c)).append(" IS DISTINCT FROM ").append(quote(STORED)).append('.')
                            .append(quote(c));
                }
            }
            String version = quote(VERSION_COLUMN);
            String stored = quote(STORED) + '.' + version;
            upsert.append(version).append(" = excluded.").append(version)
                    .append(" WHERE excluded.").append(version).append(" > ").append(stored)
                    .append(" OR (excluded.").append(version).append(" = ").append(stored).append(" AND (").append(differs).append("))");
            upsertSql = upsert.toString();
            upsertColumns = List.copyOf(tableColumns);
        }
        return upsertSql;
    }

    String table() {
        return table;
    }

    /**
     * The same move as a plain insert, valid only while no staged key exists in the table: then
     * both statements insert every row, and the plain one skips ON CONFLICT's per-row checks.
     * DuckDB refuses it with a duplicate-key error otherwise.
     */
    String insertSql() {
        return insertSql;
    }

    /** Whether to try {@link #insertSql()} first: yes unless recent batches of this table hit existing keys. */
    boolean tryPlainInsert() {
        if (plainInsertSkips > 0) {
            plainInsertSkips--;
            return false;
        }
        return true;
    }

    /** Records the outcome of a plain-insert attempt: each refusal doubles the batches that skip it, up to 64. */
    void plainInsertOutcome(boolean succeeded) {
        plainInsertPenalty = succeeded ? 0 : Math.min(64, Math.max(1, plainInsertPenalty * 2));
        plainInsertSkips = plainInsertPenalty;
    }

    /** Empties the table; frees its memory between batches. */
    void clear(DuckDBConnection connection) throws SQLException {
        execute(connection, clearSql);
    }

    /**
     * Replaces the staged rows with {@code winners}, through the Appender.
     *
     * @throws WriteException (permanent) naming the column when a value does not match its type
     */
    void fill(DuckDBConnection connection, String destination, LatestPerKey winners) throws SQLException, WriteException {
        clear(connection);
        int width = kinds.length;
        try (DuckDBAppender appender = connection.createAppender("temp", "main", name)) {
            for (int w = 0, n = winners.size(); w < n; w++) {
                FramePacket packet = winners.packet(w);
                int row = winners.rowIndex(w);
                appender.beginRow();
                for (int c = 0; c < width; c++) {
                    Object value = packet.value(row, c);
                    try {
                        append(appender, kinds[c], scales[c], value);
                    } catch (ClassCastException | ArithmeticException e) {
                        throw badValue(destination, packet, row, c, value);
                    }
                }
                appender.append(winners.version(w));
                appender.endRow();
            }
            appender.flush();
        }
    }

    private static void append(DuckDBAppender appender, LogicalType.Kind kind, int scale, Object value) throws SQLException {
        if (value == null) {
            appender.appendNull();
            return;
        }
        switch (kind) {
            case BOOLEAN -> appender.append((boolean) (Boolean) value);
            case INT32 -> appender.append((int) (Integer) value);
            case INT64 -> appender.append((long) (Long) value);
            case FLOAT64 -> appender.append((double) (Double) value);
            case DECIMAL -> appender.append(((BigDecimal) value).setScale(scale, RoundingMode.UNNECESSARY));
            case STRING, JSON -> appender.append((String) value);
            case DATE -> appender.appendEpochDays(Math.toIntExact(((LocalDate) value).toEpochDay()));
            case TIMESTAMP -> {
                Instant t = (Instant) value;
                appender.appendEpochMicros(Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000));
            }
            case BYTES -> appender.append((byte[]) value);
        }
    }

    private WriteException badValue(String destination, FramePacket packet, int row, int column, Object value) {
        Column c = schema.column(column);
        String why = c.type().rejectionOf(value);
        if (why == null) {
            why = "value out of range for " + c.type();
        }
        return WriteException.permanent(table, c.name(), "destination " + destination + ": table " + table + ", column " + c.name()
                + ": " + why + " (packet " + packet.packetId() + ", row " + row + ")");
    }

    private static void execute(DuckDBConnection connection, String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }
}
