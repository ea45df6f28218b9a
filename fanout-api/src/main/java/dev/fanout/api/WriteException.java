package dev.fanout.api;

import java.util.Optional;

/**
 * A writer's failure, classified so the core knows who must act without parsing driver messages.
 *
 * <ul>
 *   <li>{@link #retryable()} true — transient: connection refused, timeout, lock contention,
 *       server overload. The core retries the same batch with backoff.</li>
 *   <li>{@link #retryable()} false — permanent: the batch will fail the same way every time (a key
 *       change, a type that cannot be widened, a file another process holds, bad configuration).
 *       The core isolates the offending packets and parks them.</li>
 * </ul>
 *
 * <p>Messages name the destination, table and column where they are known and say what to do.
 * They never contain secrets.
 */
public class WriteException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean retryable;
    private final String table;
    private final String column;

    public WriteException(String message, boolean retryable, String table, String column, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
        this.table = table;
        this.column = column;
    }

    /** A transient failure: trying the same batch again later may succeed. */
    public static WriteException retryable(String message, Throwable cause) {
        return new WriteException(message, true, null, null, cause);
    }

    /** A failure that will repeat whatever the core does. */
    public static WriteException permanent(String message, Throwable cause) {
        return new WriteException(message, false, null, null, cause);
    }

    /** A permanent failure caused by one table's data or schema, naming the column when known. */
    public static WriteException permanent(String table, String column, String message) {
        return new WriteException(message, false, table, column, null);
    }

    public boolean retryable() {
        return retryable;
    }

    public Optional<String> table() {
        return Optional.ofNullable(table);
    }

    public Optional<String> column() {
        return Optional.ofNullable(column);
    }
}
