package dev.fanout.writer.duckdb;

import static dev.fanout.duckdb.DuckDbMessages.condense;

import dev.fanout.api.WriteException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns DuckDB's {@link SQLException}s into classified {@link WriteException}s. DuckDB reports no
 * SQL state or vendor code through JDBC; its message starts with the error class ("IO Error:",
 * "Constraint Error:", ...), which is what the classification reads. Messages name the destination
 * and table, keep DuckDB's lines that say the cause ({@link dev.fanout.duckdb.DuckDbMessages#condense}), and never print option values; in the write path they pass
 * through the target's {@link DuckDbTarget#mask}, and carry no cause when that mask changed anything.
 */
final class DuckDbFailure {

    private static final Pattern PID = Pattern.compile("\\(PID (\\d+)\\)");

    private DuckDbFailure() {
    }

    /** Whether trying the same batch again may succeed: IO trouble, transaction conflicts, memory pressure. */
    static boolean isTransient(String message) {
        if (message == null) {
            return false;
        }
        if (isLockedByAnotherProcess(message) || message.contains("Permission denied") || message.contains("Read-only file system")
                || isInvalidated(message)) {
            return false;
        }
        return message.startsWith("IO Error") || message.startsWith("TransactionContext Error")
                || message.startsWith("Out of Memory Error") || message.startsWith("Interrupt Error")
                || message.contains("Conflict on") || message.contains("write-write conflict") || message.contains("database is locked");
    }

    /**
     * Whether DuckDB has invalidated the database: the fatal error that does it ("FATAL Error: ...")
     * and every later statement ("FATAL Error: Failed: database has been invalidated because of a
     * previous fatal error. The database must be restarted prior to being used again."; after a failed
     * checkpoint "Database x has been invalidated because checkpointing failed" or "Checkpoint failed
     * for database x. The database has been invalidated."). Only a new connection to a new instance
     * recovers; retrying on the same connection never does.
     */
    static boolean isInvalidated(String message) {
        if (message == null) {
            return false;
        }
        return message.startsWith("FATAL Error") || message.toLowerCase(java.util.Locale.ROOT).contains("has been invalidated");
    }

    /** Whether a commit failed ("Failed to commit: Could not write file ...: No space left on device"). */
    static boolean isFailedCommit(String message) {
        return message != null && message.contains("Failed to commit");
    }

    /**
     * Whether DuckDB refused a commit because the transaction was already gone ("cannot commit - no
     * transaction is active"): an aftermath, whose cause is the failure before it on that target.
     */
    static boolean isNoActiveTransaction(String message) {
        return message != null && message.contains("no transaction is active");
    }

    /** Whether an insert was refused because a key already exists. */
    static boolean isDuplicateKey(String message) {
        return message != null && message.startsWith("Constraint Error") && message.toLowerCase(java.util.Locale.ROOT).contains("duplicate key");
    }

    static boolean isLockedByAnotherProcess(String message) {
        return message != null && message.contains("Could not set lock on file");
    }

    /** {@code ": table <table>"}, or nothing for a failure that concerns no table in particular (null). */
    private static String onTable(String table) {
        return table == null ? "" : ": table " + table;
    }

    /** A failure of {@code action} on {@code table} while writing. */
    static WriteException whileWriting(String destination, String table, String action, SQLException e, boolean retryable) {
        return whileWriting(destination, table, action, e, retryable, UnaryOperator.identity());
    }

    /**
     * A failure of {@code action} on {@code table} (null: on no table in particular) while writing or
     * reading, its message passed through
     * {@code mask} ({@link DuckDbTarget#mask}); when the mask changes any message of {@code e} (its
     * causes and suppressed exceptions included), {@code e} is not attached as the cause.
     */
    static WriteException whileWriting(String destination, String table, String action, SQLException e, boolean retryable,
                                       UnaryOperator<String> mask) {
        return whileWriting(destination, table, action, e, null, retryable, mask);
    }

    /**
     * {@link #whileWriting(String, String, String, SQLException, boolean, UnaryOperator)}; when DuckDB's
     * message is only the aftermath of an earlier failure ("cannot commit - no transaction is active"),
     * followed by {@code earlierFailure}, the last failure on this target before it (null: none known),
     * so that the cause — a full disk, say — is named.
     */
    static WriteException whileWriting(String destination, String table, String action, SQLException e, String earlierFailure,
                                       boolean retryable, UnaryOperator<String> mask) {
        String said = condense(e.getMessage());
        if (isNoActiveTransaction(e.getMessage()) && earlierFailure != null && !isNoActiveTransaction(earlierFailure)) {
            said += "; the failure before it on this target: " + condense(earlierFailure);
        }
        String message = "destination " + destination + onTable(table) + ": " + action + " failed: " + said;
        return new WriteException(mask.apply(message), retryable, table, null, causeUnlessMasked(e, mask));
    }

    /**
     * A write that failed because DuckDB invalidated the database, after the writer dropped its
     * connection and reopened {@code target} (as {@link DuckDbTarget#describe()} names it;
     * {@code reopenProblem} null) or failed to: retryable, as a fresh instance normally takes the
     * batch and the next write reopens again if needed.
     */
    static WriteException afterInvalidation(String destination, String table, String action, String target, SQLException e,
                                            String reopenProblem) {
        return afterInvalidation(destination, table, action, target, e, reopenProblem, UnaryOperator.identity());
    }

    /** {@link #afterInvalidation(String, String, String, String, SQLException, String)} with the message masked as {@link #whileWriting} does. */
    static WriteException afterInvalidation(String destination, String table, String action, String target, SQLException e,
                                            String reopenProblem, UnaryOperator<String> mask) {
        return afterInvalidation(destination, table, action, target, e, reopenProblem, null, mask);
    }

    /**
     * {@link #afterInvalidation(String, String, String, String, SQLException, String, UnaryOperator)}
     * naming the fatal error that invalidated the database when DuckDB's message does not:
     * {@code earlierFailure} is the message of the last failure on this target before it (null: none
     * known), e.g. {@code "FATAL Error: Failed to create checkpoint because of error: Could not write
     * file ...: No space left on device"}.
     */
    static WriteException afterInvalidation(String destination, String table, String action, String target, SQLException e,
                                            String reopenProblem, String earlierFailure, UnaryOperator<String> mask) {
        String message = "destination " + destination + onTable(table) + ": " + action + " failed: "
                + withFatalCause(e.getMessage(), earlierFailure)
                + " — DuckDB invalidated the database after a fatal error; "
                + (reopenProblem == null
                        ? "the writer closed " + target + " and reopened it, so the batch can be retried"
                        : "the writer closed " + target + " but could not reopen it (" + condense(reopenProblem)
                                + "); the next write tries again");
        return new WriteException(mask.apply(message), true, table, null, causeUnlessMasked(e, mask));
    }

    /**
     * Whether {@code message} is DuckDB refusing a statement because an earlier fatal error
     * invalidated the database ("database has been invalidated because of a previous fatal error"),
     * as opposed to the fatal error itself.
     */
    static boolean isAfterFatalError(String message) {
        return message != null && message.toLowerCase(java.util.Locale.ROOT).contains("previous fatal error");
    }

    /**
     * {@link #condense condensed} {@code message}; when it says only that a previous fatal error
     * invalidated the database, without DuckDB's "Original error:" line, followed by the
     * {@code earlierFailure} that did (when known), so that the cause — a full disk, say — is named.
     */
    static String withFatalCause(String message, String earlierFailure) {
        String said = condense(message);
        if (isAfterFatalError(message) && !message.contains("Original error") && earlierFailure != null
                && !isAfterFatalError(earlierFailure)) {
            return said + "; the fatal error before it: " + condense(earlierFailure);
        }
        return said;
    }

    /** A failure to close the connection to {@code target}, its message masked as {@link #whileWriting} does. */
    static WriteException whileClosing(String destination, String target, SQLException e, UnaryOperator<String> mask) {
        return WriteException.permanent(mask.apply("destination " + destination + ": closing " + target + " failed: "
                + condense(e.getMessage())), causeUnlessMasked(e, mask));
    }

    /** {@code e}, or null when {@code mask} changes the message of {@code e} or of any exception it carries. */
    static Throwable causeUnlessMasked(Throwable e, UnaryOperator<String> mask) {
        return changedByMask(e, mask, new java.util.IdentityHashMap<>()) ? null : e;
    }

    private static boolean changedByMask(Throwable t, UnaryOperator<String> mask, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, Boolean.TRUE) != null) {
            return false;
        }
        String m = t.getMessage();
        if (m != null && !m.equals(mask.apply(m))) {
            return true;
        }
        String text = t.toString();
        if (text != null && !text.equals(mask.apply(text))) {
            return true;
        }
        for (Throwable s : t.getSuppressed()) {
            if (changedByMask(s, mask, seen)) {
                return true;
            }
        }
        return changedByMask(t.getCause(), mask, seen);
    }

    /** A failure to connect to {@code file}. */
    static WriteException whileOpening(String destination, Path file, SQLException e) {
        String raw = e.getMessage() == null ? e.toString() : e.getMessage();
        if (isLockedByAnotherProcess(raw)) {
            Matcher m = PID.matcher(raw);
            String holder = m.find() ? " (PID " + m.group(1) + ")" : "";
            // retryable: the holder may finish; the core retries the open like a write, then parks
            return WriteException.retryable("destination " + destination + ": DuckDB file " + file + " is locked by another process"
                    + holder + "; DuckDB allows one writer process per file — stop the other process or route this destination to another file", e);
        }
        if (raw.contains("different configuration than existing connections")) {
            return WriteException.permanent("destination " + destination + ": DuckDB file " + file
                    + " is already open in this process with other options; one file takes one writer — give each destination its own file", e);
        }
        String message = "destination " + destination + ": cannot open DuckDB file " + file + ": " + condense(raw);
        if (raw.contains("Permission denied") || raw.contains("Read-only file system")) {
            message += " — the user running fanout must be able to write the file and its folder " + file.getParent()
                    + ": change their owner or mode, or give this destination a file in a folder it may write";
        }
        return new WriteException(message, isTransient(raw), null, null, e);
    }
}
