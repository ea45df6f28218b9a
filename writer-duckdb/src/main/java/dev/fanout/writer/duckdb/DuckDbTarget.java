package dev.fanout.writer.duckdb;

import dev.fanout.api.WriteException;
import java.util.Optional;
import org.duckdb.DuckDBConnection;

/**
 * Where a {@link DuckDbWriter} connects — the one thing that differs between a local DuckDB file
 * ({@link LocalFileTarget}) and a DuckDB database reached another way, such as MotherDuck's
 * {@code md:} databases. Everything after the connection (staging through the Appender, the
 * version-guarded upsert, schema evolution, classification of statement failures) is the writer's,
 * identical for every target.
 *
 * <p>A target decides what guards its single writer: a local file is locked by DuckDB against other
 * processes, which its {@link #connect} reports as a retryable failure naming the holder; a remote database may take
 * several clients, so fanout's per-destination lane is the only serialisation there.
 */
public interface DuckDbTarget {

    /**
     * The target as messages name it, e.g. {@code DuckDB file /data/trades.duckdb} or
     * {@code MotherDuck database md:market}. Never holds a secret.
     */
    String describe();

    /**
     * The identity of the thing itself, for {@link dev.fanout.api.BaseWriter#targetIdentity()}: what
     * the file system says of a local file (asked before and after opening), empty where nothing
     * beyond the name can be told.
     *
     * @throws WriteException classified like {@link #connect}; never holds a secret
     */
    default Optional<String> identity() throws WriteException {
        return Optional.empty();
    }

    /**
     * Opens a new connection on which unqualified table names resolve to where this target's tables
     * belong. Called by the writer's lane thread, at open and again after DuckDB invalidated the
     * database.
     *
     * @param destination the destination's name, for messages
     * @throws WriteException classified: retryable when trying again later may connect, permanent
     *                        when configuration must change first; never holds a secret
     */
    DuckDBConnection connect(String destination) throws WriteException;

    /**
     * Whether a statement that failed with {@code message} may succeed when its batch is tried
     * again. Local DuckDB's classification by default: IO trouble, transaction conflicts, memory
     * pressure; a remote target adds its network errors.
     */
    default boolean isTransient(String message) {
        return DuckDbFailure.isTransient(message);
    }

    /**
     * Whether {@code table} is one of this target's tables: every table unless the target takes one
     * table only (a one-table MotherDuck URI). {@link DuckDbReader} lists and reads only these.
     */
    default boolean holds(String table) {
        return true;
    }

    /**
     * {@code message} with this target's secrets masked — applied to every message the writer builds
     * from a DuckDB error while writing, reopening or closing. When it changes the message of a DuckDB
     * exception, that exception is not attached as the failure's cause (its message, stack trace and
     * suppressed exceptions would carry the secret into logs and the dead-letter queue). A local file
     * has no secrets: the message as it is.
     */
    default String mask(String message) {
        return message;
    }
}
