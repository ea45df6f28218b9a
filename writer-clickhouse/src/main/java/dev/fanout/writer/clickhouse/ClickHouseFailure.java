package dev.fanout.writer.clickhouse;

import com.clickhouse.client.api.ClientMisconfigurationException;
import com.clickhouse.client.api.ConnectionInitiationException;
import com.clickhouse.client.api.DataTransferException;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.TransportException;
import dev.fanout.api.WriteException;
import java.io.IOException;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Turns what client-v2 throws into classified {@link WriteException}s.
 *
 * <p>Retryable: no connection (refused, timed out, no answer), a broken transfer, an HTTP 5xx/408/429
 * that carries no ClickHouse error code (a proxy, a restarting server), a transport failure without
 * an {@link SSLException} in its causes (e.g. a request cancelled on the client side), and the ClickHouse error
 * codes that mean overload or a transient cluster state ({@link #TRANSIENT_CODES}). Permanent: every
 * other ClickHouse error code — syntax, types, unknown table or database, authentication — because
 * ClickHouse answers many of those with HTTP 500 too (18.16 does for a type mismatch), so the code,
 * not the status, decides. 18.16 sends no {@code X-ClickHouse-Exception-Code} header; the code is then
 * read from the message ({@code Code: 81, ...}).
 *
 * <p>Messages name the destination, the server's {@code host:port}, the table when known and the
 * user on authentication failures; never the password (also scrubbed from server text, in case).
 */
final class ClickHouseFailure {

    /** UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, AUTHENTICATION_FAILED. */
    private static final Set<Integer> AUTHENTICATION_CODES = Set.of(192, 193, 194, 516);
    /** DATABASE_ACCESS_DENIED: the database is not among the user's allowed databases. */
    private static final int DATABASE_ACCESS_DENIED = 291;
    /** DATABASE_ACCESS_DENIED, ACCESS_DENIED, READONLY, NOT_ENOUGH_PRIVILEGES. */
    private static final Set<Integer> PRIVILEGE_CODES = Set.of(DATABASE_ACCESS_DENIED, 497, 164, 499);
    /**
     * TIMEOUT_EXCEEDED, TOO_SLOW, TOO_MANY_SIMULTANEOUS_QUERIES, NO_FREE_CONNECTION, SOCKET_TIMEOUT,
     * NETWORK_ERROR, ABORTED, MEMORY_LIMIT_EXCEEDED, TABLE_IS_READ_ONLY, TOO_MANY_PARTS,
     * TOO_FEW_LIVE_REPLICAS, UNKNOWN_STATUS_OF_INSERT, UNFINISHED, QUERY_WAS_CANCELLED, SYSTEM_ERROR,
     * CANNOT_SCHEDULE_TASK, DEADLOCK_AVOIDED, CANNOT_ASSIGN_ALTER, KEEPER_EXCEPTION, POCO_EXCEPTION, and
     * UNEXPECTED_ZOOKEEPER_ERROR: on 18.16 an insert into a replicated table fails with it ({@code Bad
     * version, path …/columns}) when another writer's {@code ALTER} changed the columns meanwhile.
     */
    static final Set<Integer> TRANSIENT_CODES = Set.of(159, 160, 202, 203, 209, 210, 236, 241, 242, 244, 252, 285, 319, 341, 394,
            425, 439, 473, 517, 999, 1000);

    private static final Pattern CODE = Pattern.compile("Code: (\\d+)");
    private static final Pattern NOISE = Pattern.compile(
            "\\s*\\((queryId|transport error)[^)]*\\)|,? e\\.what\\(\\) = [A-Za-z:]+|e\\.displayText\\(\\) = ");

    private ClickHouseFailure() {
    }

    /**
     * The classified failure of {@code action} (e.g. "inserting rows") on {@code table} (null when
     * none is involved) at {@code destination}.
     */
    static WriteException of(ClickHouseDestination destination, String table, String action, Throwable error) {
        Throwable e = unwrap(error);
        String where = "destination " + destination.name() + (table == null ? "" : ": table " + table) + ": ";
        String at = " at " + destination.hostPort();
        if (e instanceof ServerException se) {
            int code = code(se);
            int status = se.getTransportProtocolCode();
            String text = scrub(serverText(se.getMessage()), destination.password());
            if (AUTHENTICATION_CODES.contains(code) || (code == 0 && (status == 401 || status == 403))) {
                return new WriteException("destination " + destination.name() + ": authentication failed for user " + destination.user()
                        + at + " — check the options user and password", false, table, null, null);
            }
            if (PRIVILEGE_CODES.contains(code)) {
                return new WriteException(where + action + " refused" + at + " for user " + destination.user() + ": " + text
                        + " — grant the user the privilege or use another user", false, table, null, se);
            }
            boolean retry = code == 0 ? status >= 500 || status == 408 || status == 429 : TRANSIENT_CODES.contains(code);
            return new WriteException(where + action + " failed" + at + ": " + text, retry, table, null, se);
        }
        if (e instanceof TransportException && hasCause(e, SSLException.class)) {
            return new WriteException(where + "TLS to ClickHouse" + at + " failed while " + action + ": " + causeText(e, destination)
                    + " — check the option secure and the port", false, table, null, e);
        }
        if (e instanceof TransportException) {
            // client-v2 also throws it for e.g. "Request was cancelled on client side": not a configuration error
            return new WriteException(where + "the request to ClickHouse" + at + " failed while " + action + ": "
                    + causeText(e, destination), true, table, null, e);
        }
        if (e instanceof ClientMisconfigurationException) {
            return new WriteException(where + "the ClickHouse client refused its configuration while " + action + ": "
                    + causeText(e, destination), false, table, null, e);
        }
        if (e instanceof InterruptedException) {
            return new WriteException(where + "interrupted while " + action + at, true, table, null, e);
        }
        if (isUnreachable(e)) {
            return new WriteException(where + "cannot reach ClickHouse" + at + " while " + action + ": " + causeText(e, destination),
                    true, table, null, e);
        }
        if (e instanceof DataTransferException || hasCause(e, IOException.class)) {
            return new WriteException(where + "the connection to ClickHouse" + at + " broke while " + action + ": "
                    + causeText(e, destination), true, table, null, e);
        }
        return new WriteException(where + action + " failed" + at + ": " + causeText(e, destination), false, table, null, e);
    }

    /** Whether {@code error} means no connection could be made: refused, unresolvable, not initiated. */
    static boolean isUnreachable(Throwable error) {
        Throwable e = unwrap(error);
        return e instanceof ConnectionInitiationException || hasCause(e, UnknownHostException.class)
                || hasCause(e, java.net.ConnectException.class);
    }

    /**
     * The retryable failure of a connection check that reached nothing ({@link #isUnreachable}): the
     * server at {@code host:port} is not answering, with what the client saw, and what to do.
     */
    static WriteException notAnswering(ClickHouseDestination destination, Throwable error) {
        return new WriteException("destination " + destination.name() + ": the ClickHouse server at " + destination.hostPort()
                + " is not answering (" + causeText(unwrap(error), destination) + ") — start it, or correct host and port in the URI",
                true, null, null, error);
    }

    /** Whether {@code error} is the server's DATABASE_ACCESS_DENIED. */
    static boolean isDatabaseAccessDenied(Throwable error) {
        return unwrap(error) instanceof ServerException se && code(se) == DATABASE_ACCESS_DENIED;
    }

    /**
     * The permanent failure of creating the destination's database, which does not exist, because it
     * is not among the user's allowed databases (18.16: {@code Access denied to database X for user
     * U}; {@link #isDatabaseAccessDenied}). Says so, with the server's words, and the two ways out. A
     * readonly user's refusal is not this: it is a privilege failure of {@link #of}.
     */
    static WriteException databaseNotCreated(ClickHouseDestination destination, Throwable error) {
        Throwable e = unwrap(error);
        String text = e instanceof ServerException se ? scrub(serverText(se.getMessage()), destination.password()) : causeText(e, destination);
        return new WriteException("destination " + destination.name() + ": the database " + destination.database() + " does not exist at "
                + destination.hostPort() + " and user " + destination.user() + " may not create it (" + text + ") — correct the database "
                + "in the URI (ch://" + destination.hostPort() + "/DATABASE) if it is misspelt, or have an administrator create "
                + destination.database() + " and give user " + destination.user() + " access to it", false, null, null, e);
    }

    /** The ClickHouse error code of {@code e}: the header's, else the one in its message, else 0. */
    static int code(ServerException e) {
        if (e.getCode() > 0) {
            return e.getCode();
        }
        Matcher m = CODE.matcher(e.getMessage() == null ? "" : e.getMessage());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** The server's error message without client decoration, on one line. */
    static String serverText(String message) {
        if (message == null) {
            return "(no message)";
        }
        String text = NOISE.matcher(firstLine(message)).replaceAll("");
        return text.replace("Code: Code: ", "Code: ").strip();
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message of {@code e}'s causes, which names the actual trouble (e.g. "Connection refused"). */
    private static String causeText(Throwable e, ClickHouseDestination destination) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() == null ? root.getClass().getSimpleName() : root.getClass().getSimpleName() + ": " + firstLine(root.getMessage());
        return scrub(text, destination.password());
    }

    private static String scrub(String text, String password) {
        return password.isEmpty() ? text : text.replace(password, "****");
    }

    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }
}
