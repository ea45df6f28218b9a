package dev.fanout.examples.sqlite;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.LatestPerKey;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriteOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Upserts batches into one SQLite file over one connection, each batch in one transaction: the
 * table is created or evolved, the batch's winning row per key ({@link LatestPerKey}) goes through
 * {@code INSERT … ON CONFLICT (key) DO UPDATE SET … WHERE excluded._fanout_version >= _fanout_version},
 * and a winning row replaces the stored one whole (columns its batch lacks become NULL).
 *
 * <p>SQLite compares names case-insensitively (ASCII letters), fanout does not: a table or column
 * that differs only by case from a stored one, or a batch with two such columns, fails permanently
 * naming both, instead of being written into the other.
 *
 * <p>A busy or locked database, and I/O errors, are retryable; everything else is permanent. Called
 * from one thread (the lane), as {@link BaseWriter} promises.
 */
final class SqliteWriter implements BaseWriter {

    private static final Set<Integer> RETRYABLE = Set.of(SQLiteErrorCode.SQLITE_BUSY.code, SQLiteErrorCode.SQLITE_LOCKED.code,
            SQLiteErrorCode.SQLITE_IOERR.code, SQLiteErrorCode.SQLITE_FULL.code, SQLiteErrorCode.SQLITE_PROTOCOL.code);

    private final Destination destination;
    private final Path file;
    private final int busyTimeoutMillis;
    private Connection connection;

    SqliteWriter(Destination destination, Path file, int busyTimeoutMillis) {
        this.destination = destination;
        this.file = file;
        this.busyTimeoutMillis = busyTimeoutMillis;
    }

    @Override
    public void open() throws WriteException {
        if (connection != null) {
            return;
        }
        Connection opened = null;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            SQLiteConfig config = new SQLiteConfig();
            config.setBusyTimeout(busyTimeoutMillis);
            opened = config.createConnection("jdbc:sqlite:" + file);
            opened.setAutoCommit(false);
            connection = opened;
        } catch (IOException | SQLException e) {
            // a failed open keeps nothing: the core may call open again later
            if (opened != null) {
                try {
                    opened.close();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            // a busy or locked file (another connection's exclusive transaction) may be free on the next attempt
            boolean retryable = e instanceof SQLiteException se && RETRYABLE.contains(se.getResultCode().code & 0xff);
            throw new WriteException("destination " + destination.name() + ": cannot open SQLite file " + file + ": " + e.getMessage(),
                    retryable, null, null, e);
        }
    }

    /**
     * The file's own identity, from the file system, before and after {@link #open()}: {@code SQLite
     * file (file key K)} for an existing file (a hard link or symlink to it has the same key), for one
     * not there yet its nearest existing directory's key and the rest of its path. So the core lets
     * one destination of a process write the file, whatever it is called.
     */
    @Override
    public Optional<String> targetIdentity() throws WriteException {
        Path absolute = file.toAbsolutePath().normalize();
        for (Path existing = absolute; existing != null; existing = existing.getParent()) {
            Object key;
            try {
                key = Files.readAttributes(existing, BasicFileAttributes.class).fileKey();
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                throw WriteException.permanent("destination " + destination.name() + ": cannot read the attributes of " + existing
                        + " to tell which file SQLite file " + file + " is: " + e.getMessage(), e);
            }
            if (key == null) {
                return Optional.empty();
            }
            return Optional.of(existing.equals(absolute) ? "SQLite file (file key " + key + ")"
                    : "new SQLite file " + existing.relativize(absolute) + " in the directory (file key " + key + ")");
        }
        return Optional.empty();
    }

    @Override
    public void write(WriteBatch batch) throws WriteException {
        writeCounted(batch);
    }

    /**
     * Counts as SQLite does: each winning row's statement changes one row when it inserts or updates
     * and none when the version guard turns it away; rows superseded within the batch are skipped.
     */
    @Override
    public WriteOutcome writeCounted(WriteBatch batch) throws WriteException {
        if (connection == null) {
            throw WriteException.permanent("destination " + destination.name() + ": write before open", null);
        }
        String table = batch.table();
        refuseColumnsDifferingOnlyByCase(table, batch.schema());
        try {
            Optional<SqliteTable> existing = SqliteTable.load(connection, table);
            if (existing.isPresent() && !existing.get().name().equals(table)) {
                throw new WriteException("destination " + destination.name() + ": table '" + table + "' differs only by case from the"
                        + " stored table '" + existing.get().name() + "' in SQLite file " + file + ", and SQLite compares names"
                        + " case-insensitively, so it would be written into '" + existing.get().name()
                        + "'; rename one of the two tables, or route '" + table + "' to another destination", false, table, null, null);
            }
            SqliteTable stored = existing.isPresent() ? existing.get().evolve(connection, batch.schema(), destination.name())
                    : SqliteTable.create(connection, table, batch.schema());
            long applied = upsert(stored, batch);
            connection.commit();
            return WriteOutcome.counted(batch.rowCount(), applied);
        } catch (SQLException e) {
            rollback();
            int primary = e instanceof SQLiteException se ? se.getResultCode().code & 0xff : -1;
            throw new WriteException("destination " + destination.name() + ": table " + table + " in SQLite file " + file + ": "
                    + e.getMessage(), RETRYABLE.contains(primary), table, null, e);
        } catch (WriteException e) {
            rollback();
            throw e;
        } catch (RuntimeException e) {
            // e.g. a null or mistyped version (LatestPerKey): nothing of the batch, not even its DDL, may
            // stay in the open transaction, or the next batch's commit would commit it
            rollback();
            throw WriteException.permanent("destination " + destination.name() + ": table " + table + ": " + e.getMessage(), e);
        }
    }

    /** Two columns of one schema that SQLite cannot tell apart ({@code Price}, {@code price}) would be one: refused, naming both. */
    private void refuseColumnsDifferingOnlyByCase(String table, Schema schema) throws WriteException {
        List<Column> columns = schema.columns();
        for (int i = 0; i < columns.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (IdentifierComparison.CASE_INSENSITIVE.differOnlyByCase(columns.get(j).name(), columns.get(i).name())) {
                    throw new WriteException("destination " + destination.name() + ": table " + table + ": columns '" + columns.get(j).name()
                            + "' and '" + columns.get(i).name() + "' differ only by case, and SQLite compares names case-insensitively;"
                            + " rename one of them", false, table, columns.get(i).name(), null);
                }
            }
        }
    }

    /**
     * Upserts the batch's winners; the rows changed. A row of the stored row's version replaces it
     * only when a column differs — the same result, but a replay then changes nothing and counts as
     * skipped.
     */
    private long upsert(SqliteTable stored, WriteBatch batch) throws SQLException {
        Schema schema = batch.schema();
        List<String> insertColumns = new ArrayList<>();
        schema.columns().forEach(c -> insertColumns.add(SqliteTable.quote(c.name())));
        insertColumns.add(SqliteTable.quote(SqliteTable.VERSION));
        List<String> updates = new ArrayList<>();
        String table = SqliteTable.quote(stored.name());
        StringBuilder differs = new StringBuilder("0");
        for (Map.Entry<String, ?> c : stored.columns().entrySet()) {
            if (!schema.isKey(c.getKey())) {
                String q = SqliteTable.quote(c.getKey());
                String value = schema.column(c.getKey()).isPresent() ? "excluded." + q : "NULL";
                updates.add(q + " = " + value);
                differs.append(" OR ").append(table).append('.').append(q).append(" IS NOT ").append(value);
            }
        }
        String version = SqliteTable.quote(SqliteTable.VERSION);
        updates.add(version + " = excluded." + version);
        String sql = "INSERT INTO " + SqliteTable.quote(stored.name()) + " (" + String.join(", ", insertColumns) + ") VALUES ("
                + String.join(", ", insertColumns.stream().map(c -> "?").toList()) + ") ON CONFLICT ("
                + String.join(", ", schema.primaryKey().stream().map(SqliteTable::quote).toList()) + ") DO UPDATE SET "
                + String.join(", ", updates) + " WHERE excluded." + version + " > " + table + "." + version
                + " OR (excluded." + version + " = " + table + "." + version + " AND (" + differs + "))";
        List<Column> columns = schema.columns();
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            LatestPerKey.of(batch).forEach((packet, row, rowVersion) -> {
                for (int i = 0; i < columns.size(); i++) {
                    SqliteTypes.bind(insert, i + 1, columns.get(i).type(), packet.value(row, i));
                }
                insert.setLong(columns.size() + 1, rowVersion);
                insert.addBatch();
            });
            long changed = 0;
            for (int n : insert.executeBatch()) {
                changed += Math.max(0, n);
            }
            return changed;
        }
    }

    private void rollback() {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is unusable; the next write reports that
        }
    }

    @Override
    public void close() throws WriteException {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try (c) {
                c.rollback();
            } catch (SQLException e) {
                throw WriteException.retryable("destination " + destination.name() + ": closing SQLite file " + file + ": " + e.getMessage(), e);
            }
        }
    }
}
