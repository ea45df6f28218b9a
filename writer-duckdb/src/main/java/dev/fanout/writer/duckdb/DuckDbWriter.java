package dev.fanout.writer.duckdb;

import static dev.fanout.writer.duckdb.Sql.VERSION_COLUMN;
import static dev.fanout.writer.duckdb.Sql.fold;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LatestPerKey;
import dev.fanout.api.SameEngineCopy;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriteOutcome;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.duckdb.DuckDBConnection;

/**
 * Upserts batches into one DuckDB database through one connection. Where that connection goes is
 * the {@link DuckDbTarget}'s business — a local file ({@link LocalFileTarget}) or a MotherDuck
 * database — so every DuckDB-based writer shares this write path.
 *
 * <p><b>Write path</b>, per batch: the winners per key ({@link LatestPerKey}) go through DuckDB's
 * Appender into a TEMP staging table, then one {@code INSERT … SELECT … ON CONFLICT (key) DO UPDATE
 * … WHERE excluded._fanout_version >= stored._fanout_version} moves them in one transaction — never
 * row by row. While a table's recent batches brought only new keys, a plain {@code INSERT … SELECT}
 * is tried first (same result when no key exists, much cheaper); a duplicate key rolls it back and
 * the guarded upsert runs. A winning row replaces the stored row whole: columns the table has and
 * the batch lacks become NULL, on insert and on update alike.
 *
 * <p><b>Names</b>: DuckDB keeps the case of a name but compares names case-insensitively (ASCII
 * letters), also quoted ones, where fanout's names are case-sensitive. So a table that differs only
 * by case from a stored table ({@code trades} against {@code Trades}), a column that differs only by
 * case from a stored column of its table, and a batch holding two columns that differ only by case
 * fail permanently, naming both, and nothing of the batch is written: the stored name stays intact.
 *
 * <p><b>Schema</b>: the table is created on first write with the batch's columns, a
 * {@code _fanout_version BIGINT NOT NULL} column and the batch's primary key; its shape is read from
 * the catalog once and cached. New columns are added as nullable; int32 → int64 → float64 and
 * decimals widen with {@code ALTER COLUMN … TYPE}, except key columns, whose type DuckDB refuses to
 * change in place: that table is rebuilt in one transaction (create, copy, drop, rename). Anything
 * else is a permanent {@link WriteException} naming table and column.
 *
 * <p><b>Reading back</b>: {@link #reader()} reads the stored tables over the same connection
 * ({@link DuckDbReader}), so a DuckDB destination can be a migration source without a second
 * connection or lock.
 *
 * <p><b>Single writer</b>: the target says what guards it (DuckDB's file lock for a local file, only
 * fanout's lane for a remote database). Not thread-safe: one lane thread drives it.
 *
 * <p><b>Invalidation</b>: after a fatal error (e.g. a failed checkpoint or WAL write) DuckDB marks the
 * database invalidated and refuses every later statement on it. A write that fails so closes the
 * connection, forgets the cached table shapes and staging tables, reconnects at once (for a file,
 * replaying its WAL) and fails retryably, saying the database was reopened, so the core retries the
 * batch. If reopening fails too, the next write tries again.
 */
public final class DuckDbWriter implements BaseWriter {

    private final String destination;
    private final DuckDbTarget target;
    private final Map<String, StoredTable> tables = new HashMap<>();
    private final Map<StageKey, StagingTable> stages = new HashMap<>();
    private final DuckDbReader reader;
    private DuckDBConnection connection;
    private boolean closed;
    /** The connection was dropped after DuckDB invalidated the database and is still to be reopened. */
    private boolean reopenPending;
    /** DuckDB's message of the last failure on this target that was not a refusal after a fatal error: names the fatal error when a later message does not. */
    private String lastFailure;

    private record StageKey(String table, Schema schema) {
    }

    /**
     * An unopened writer.
     *
     * @param destination the destination's name, for messages
     * @param target      where {@link #open()} connects
     */
    public DuckDbWriter(String destination, DuckDbTarget target) {
        this.destination = Objects.requireNonNull(destination, "destination is null");
        this.target = Objects.requireNonNull(target, "target is null");
        this.reader = new DuckDbReader(this, destination, target);
    }

    @Override
    public void open() throws WriteException {
        if (closed) {
            throw new IllegalStateException("destination " + destination + ": the writer is closed");
        }
        if (connection != null) {
            return;
        }
        connection = target.connect(destination);
        reopenPending = false;
    }

    /**
     * What the target tells of itself ({@link DuckDbTarget#identity()}): for a local file its device
     * and inode, or those of its nearest existing directory while it does not exist; the same before
     * and after {@link #open()}, from the file system, without DuckDB.
     */
    @Override
    public Optional<String> targetIdentity() throws WriteException {
        return target.identity();
    }

    @Override
    public void write(WriteBatch batch) throws WriteException {
        writeCounted(batch);
    }

    /**
     * Counts as DuckDB does: the rows its upsert inserted or updated are applied; the rest — rows
     * superseded within the batch ({@link LatestPerKey}), and rows not newer than the stored one (a
     * stale version, or a replay identical to the stored row) — are skipped.
     */
    @Override
    public WriteOutcome writeCounted(WriteBatch batch) throws WriteException {
        Objects.requireNonNull(batch, "batch is null");
        requireConnection("write");
        String table = batch.table();
        Schema schema = batch.schema();
        for (Column c : schema.columns()) {
            if (fold(c.name()).equals(VERSION_COLUMN)) {
                throw WriteException.permanent(table, c.name(), "destination " + destination + ": table " + table + ", column "
                        + c.name() + ": the name is reserved for fanout's row version — rename the column");
            }
        }
        StoredTable.refuseColumnsDifferingOnlyByCase(destination, table, schema);
        LatestPerKey winners;
        try {
            winners = LatestPerKey.of(batch);
        } catch (IllegalStateException e) {
            throw WriteException.permanent(table, schema.versionColumn().orElse(null), "destination " + destination + ": " + e.getMessage());
        } catch (ArithmeticException e) {
            String column = schema.versionColumn().orElse(null);
            throw new WriteException("destination " + destination + ": table " + table + ": version column '" + column
                    + "' holds a timestamp too far from 1970 to count as a 64-bit number of microseconds (about ±292,000 years)"
                    + outOfRangeVersion(batch) + " — fix the value or use another version column", false, table, column, e);
        }
        String step = "preparing the table";
        try {
            prepareTable(table, schema);
            step = "staging rows";
            StagingTable stage = stage(table, schema);
            stage.fill(connection, destination, winners);
            step = "upserting rows";
            long applied = upsert(stage, winners.size());
            step = "clearing the staging table";
            stage.clear(connection);
            return WriteOutcome.counted(batch.rowCount(), applied);
        } catch (SQLException e) {
            tables.remove(fold(table));
            throw failed(table, step, e);
        }
    }

    /**
     * The {@link Capability#READ} side: this writer's tables read back over its connection
     * ({@link DuckDbReader}), between {@link #open()} and {@link #close()}, on the writer's thread.
     */
    @Override
    public Optional<TableReader> reader() {
        return Optional.of(reader);
    }

    /**
     * The {@link Capability#COPY_FROM_SAME_ENGINE} side, for a local file only: another DuckDB file
     * attached read-only to this writer's connection ({@link AttachedDuckDbFile}). A MotherDuck
     * database has none, and migrates by streaming.
     */
    @Override
    public Optional<SameEngineCopy> sameEngineCopy() {
        if (!(target instanceof LocalFileTarget)) {
            return Optional.empty();
        }
        return Optional.of(source -> AttachedDuckDbFile.attach(this, destination, target, source));
    }

    /** The open connection, reconnecting when DuckDB invalidated the database since; for {@code what} the caller does. */
    private DuckDBConnection requireConnection(String what) throws WriteException {
        if (connection == null) {
            if (closed || !reopenPending) {
                throw new IllegalStateException("destination " + destination + ": " + what + " before open or after close");
            }
            open();
        }
        return connection;
    }

    /** The connection as it is, null when closed or dropped; for releasing what was set up on it. */
    DuckDBConnection connectionForReadingUnchecked() {
        return connection;
    }

    /** The connection {@link DuckDbReader} reads over. */
    DuckDBConnection connectionForReading() throws WriteException {
        return requireConnection("read");
    }

    /**
     * The failure of {@code step} on {@code table} (null: none in particular), classified by the target;
     * after DuckDB invalidated the database, the connection is reopened first and the failure is retryable.
     */
    WriteException failed(String table, String step, SQLException e) {
        String earlier = lastFailure;
        if (!DuckDbFailure.isAfterFatalError(e.getMessage()) && !DuckDbFailure.isNoActiveTransaction(e.getMessage())) {
            lastFailure = e.getMessage();
        }
        if (DuckDbFailure.isInvalidated(e.getMessage())) {
            return reopenAfterInvalidation(table, step, e, earlier);
        }
        if (DuckDbFailure.isFailedCommit(e.getMessage()) || DuckDbFailure.isNoActiveTransaction(e.getMessage())) {
            dropConnection(e);
        }
        return DuckDbFailure.whileWriting(destination, table, step, e, earlier, target.isTransient(e.getMessage()), target::mask);
    }

    /**
     * Drops a connection whose transaction state DuckDB left unknown — after a failed commit, the next
     * transaction on it can end in "cannot commit - no transaction is active" — so the next write
     * starts on a fresh one ({@link #requireConnection}).
     */
    private void dropConnection(SQLException cause) {
        DuckDBConnection dropped = connection;
        connection = null;
        tables.clear();
        stages.clear();
        reopenPending = true;
        try {
            dropped.close();
        } catch (SQLException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** Where in {@code batch} the first row whose version does not fit a long is, e.g. {@code " (packet p, row 3: +300000-01-01T00:00:00Z)"}. */
    private static String outOfRangeVersion(WriteBatch batch) {
        int column = batch.schema().versionIndex();
        for (FramePacket packet : batch.packets()) {
            for (int row = 0; row < packet.rowCount(); row++) {
                try {
                    packet.rowVersion(row);
                } catch (ArithmeticException e) {
                    return " (packet " + packet.packetId() + ", row " + row + ": " + packet.value(row, column) + ")";
                } catch (RuntimeException e) {
                    // another row's problem; the overflow is what is being reported
                }
            }
        }
        return "";
    }

    /**
     * Drops the connection to a database DuckDB has invalidated, with every cache tied to it, and
     * connects again; the returned failure is retryable either way, since a fresh instance
     * normally takes the batch.
     */
    private WriteException reopenAfterInvalidation(String table, String step, SQLException cause, String earlierFailure) {
        dropConnection(cause);
        String reopenProblem = null;
        try {
            open();
        } catch (WriteException | RuntimeException e) {
            reopenProblem = e.getMessage();
            cause.addSuppressed(e);
        }
        return DuckDbFailure.afterInvalidation(destination, table, step, target.describe(), cause, reopenProblem, earlierFailure,
                target::mask);
    }

    /** Creates or evolves the table so that {@code schema} fits it. */
    void prepareTable(String table, Schema schema) throws SQLException, WriteException {
        StoredTable stored = tables.get(fold(table));
        if (stored == null) {
            stored = StoredTable.load(connection, table);
            if (stored == null) {
                execute(StoredTable.createSql(table, schema));
                stored = StoredTable.created(table, schema);
            }
            tables.put(fold(table), stored);
        }
        stored.refuseOtherSpelling(destination, table);
        StoredTable.Evolution evolution = stored.plan(destination, table, schema);
        if (evolution.isEmpty()) {
            return;
        }
        tables.remove(fold(table));
        inTransaction(stored.evolutionSql(evolution));
        tables.put(fold(table), stored.evolved(evolution));
    }

    /**
     * Moves the staged rows into the table in one transaction. When recent batches inserted only
     * new keys, a plain insert is tried first: on fresh keys it is about 1.5× faster than ON
     * CONFLICT and its result is the same; a duplicate key rolls it back and the version-guarded
     * upsert runs instead.
     */
    /** Moves the {@code staged} rows into the table; the rows it inserted or updated. */
    private long upsert(StagingTable stage, int staged) throws SQLException {
        if (stage.tryPlainInsert()) {
            try {
                inTransaction(List.of(stage.insertSql()));
                stage.plainInsertOutcome(true);
                return staged;
            } catch (SQLException e) {
                if (!DuckDbFailure.isDuplicateKey(e.getMessage())) {
                    throw e;
                }
                stage.plainInsertOutcome(false);
            }
        }
        List<String> tableColumns = tables.get(fold(stage.table())).columns().stream().map(StoredTable.StoredColumn::name).toList();
        return inTransaction(List.of(stage.upsertSql(tableColumns)));
    }

    private StagingTable stage(String table, Schema schema) throws SQLException {
        StageKey key = new StageKey(fold(table), schema);
        StagingTable stage = stages.get(key);
        if (stage == null) {
            stage = new StagingTable("_fanout_stage_" + (stages.size() + 1), table, schema);
            stage.create(connection);
            stages.put(key, stage);
        }
        return stage;
    }

    /** Runs {@code statements} in one transaction; the rows the last one changed, as DuckDB counts them. */
    long inTransaction(List<String> statements) throws SQLException {
        connection.setAutoCommit(false);
        Throwable primary = null;
        try {
            long changed = 0;
            for (String sql : statements) {
                changed = execute(sql);
            }
            connection.commit();
            return changed;
        } catch (SQLException | RuntimeException e) {
            primary = e;
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            restoreAutoCommit(primary);
        }
    }

    /**
     * Back to auto-commit after {@link #inTransaction}. When the transaction failed ({@code primary}
     * not null), a failure here is added to it rather than thrown: after a failed commit DuckDB has no
     * transaction left, and its "cannot commit - no transaction is active" would otherwise replace
     * the cause ("Failed to commit: Could not write file ...: No space left on device").
     */
    private void restoreAutoCommit(Throwable primary) throws SQLException {
        try {
            connection.setAutoCommit(true);
        } catch (SQLException | RuntimeException e) {
            if (primary == null) {
                throw e;
            }
            primary.addSuppressed(e);
        }
    }

    private long execute(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            return s.execute(sql) ? 0 : Math.max(0, s.getUpdateCount());
        }
    }

    @Override
    public void close() throws WriteException {
        closed = true;
        DuckDBConnection c = connection;
        connection = null;
        tables.clear();
        stages.clear();
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException e) {
            throw DuckDbFailure.whileClosing(destination, target.describe(), e, target::mask);
        }
    }

    @Override
    public String toString() {
        return "DuckDbWriter[" + destination + ", " + target.describe() + "]";
    }
}
