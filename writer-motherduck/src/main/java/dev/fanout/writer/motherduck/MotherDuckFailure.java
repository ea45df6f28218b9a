package dev.fanout.writer.motherduck;

import dev.fanout.duckdb.DuckDbMessages;
import dev.fanout.api.WriteException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What MotherDuck adds to DuckDB's failures: the motherduck extension that may be missing, a token
 * MotherDuck may refuse, and a network between here and MotherDuck. Messages carry DuckDB's message
 * {@link #said condensed} as the DuckDB writer condenses it (the headline and the lines that say the
 * cause, on one line) with the token masked, and no cause, so neither a stack trace nor the token
 * travels with them into logs or the dead-letter queue.
 */
final class MotherDuckFailure {

    private static final String MASK = "****";
    /** The extension's download URL names the DuckDB version and platform it must match: {@code .../v2.0.0/linux_amd64/...}. */
    private static final Pattern VERSION_PLATFORM = Pattern.compile("/(v[0-9][^/\"\\s]*)/([a-z0-9_]+)/motherduck\\.duckdb_extension");
    private static final Pattern SERVER_BUSY = Pattern.compile("\\bhttp (5[0-9][0-9]|429)\\b");
    private static final String[] NETWORK = {"could not establish connection", "connection refused", "connection reset",
            "connection closed", "timed out", "timeout", "deadline exceeded", "deadline_exceeded", "unavailable", "http error",
            "network is unreachable", "no route to host", "could not resolve", "name resolution", "failed to connect",
            "broken pipe", "ssl error", "ssl handshake", "tls handshake"};
    private static final String[] REFUSED_CREDENTIALS = {"unauthenticated", "not authenticated", "authentication failed",
            "invalid token", "token is invalid", "token has expired", "expired token", "unauthorized", "forbidden"};

    private MotherDuckFailure() {
    }

    /**
     * Whether DuckDB could not load the motherduck extension: not downloadable (no network access to
     * extensions.duckdb.org), not installed where autoloading is off, or built for another DuckDB.
     * An error the loaded extension raised itself ("Initialization function ... threw an exception")
     * is not this.
     */
    static boolean isExtensionMissing(String message) {
        if (message == null) {
            return false;
        }
        String m = message.toLowerCase(Locale.ROOT);
        boolean aboutTheExtension = m.contains("extension \"motherduck\"") || m.contains("extension \"md\"")
                || m.contains("install 'motherduck'") || m.contains("motherduck.duckdb_extension");
        return aboutTheExtension && !m.contains("threw an exception")
                && (m.contains("failed to download") || m.contains("not found") || m.contains("install it first")
                        || m.contains("could not load") || m.contains("failed to load") || m.contains("built for")
                        || m.contains("not a duckdb extension") || m.contains("valid duckdb extension")
                        || m.contains("no access to the file") || m.contains("failed to install"));
    }

    /** Whether the message is about the network between here and MotherDuck: worth retrying later. */
    static boolean isNetworkError(String message) {
        if (message == null || isExtensionMissing(message)) {
            return false;
        }
        String m = message.toLowerCase(Locale.ROOT);
        for (String n : NETWORK) {
            if (m.contains(n)) {
                return true;
            }
        }
        return SERVER_BUSY.matcher(m).find();
    }

    /** Whether MotherDuck refused the credentials: permanent until the token changes. */
    static boolean isCredentialsRefused(String message) {
        if (message == null) {
            return false;
        }
        String m = message.toLowerCase(Locale.ROOT);
        for (String r : REFUSED_CREDENTIALS) {
            if (m.contains(r)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A failure to connect to MotherDuck, classified: the extension missing or the token refused are
     * permanent configuration errors saying how to fix them; network trouble is retryable.
     *
     * @param raw       DuckDB's message
     * @param retryable what the target's classification says of {@code raw} otherwise
     */
    static WriteException whileOpening(MotherDuckDestination destination, String raw, boolean retryable) {
        String said = said(raw, destination.token());
        String prefix = "destination " + destination.name() + ": ";
        if (isExtensionMissing(raw)) {
            return WriteException.permanent(prefix + extensionMissing(destination, said), null);
        }
        if (isCredentialsRefused(raw)) {
            return WriteException.permanent(prefix + "MotherDuck refused the credentials for " + destination.databaseId() + " ("
                    + said + "); " + (destination.token().isEmpty()
                            ? "the option token is empty — set it to \"${MOTHERDUCK_TOKEN}\" and export a valid access token"
                            : "the token given in the option token was not accepted — create a new access token in MotherDuck's settings"), null);
        }
        return new WriteException(prefix + "cannot connect to MotherDuck database " + destination.databaseId() + ": " + said
                + (retryable ? " (a network or service problem; fanout retries)" : ""), retryable, null, null, null);
    }

    /**
     * What to do when DuckDB cannot load the motherduck extension: it is a permanent configuration
     * error, named as such, with both fixes.
     */
    static String extensionMissing(MotherDuckDestination destination, String said) {
        Matcher vp = VERSION_PLATFORM.matcher(said);
        String version = vp.find() ? vp.group(1) : null;
        String layout = version == null ? "<version>/<platform>" : version + "/" + vp.group(2);
        Path dir = destination.extensionDirectory();
        String source = destination.extensionSource();
        boolean local = destination.localExtensionRepository();
        return "the motherduck DuckDB extension could not be loaded (" + (local ? "not in the local extension repository " + source
                        : "no network access to " + source) + "?), so MotherDuck "
                + "database " + destination.databaseId() + " cannot be reached. DuckDB said: " + said
                + (dir == null ? "" : " (extension_directory is " + dir + ")") + ". To fix it, either pre-install the extension: on a "
                + "machine with network access run INSTALL motherduck in DuckDB " + (version == null ? "" : version + ", ")
                + "the version fanout bundles, copy its extension directory (~/.duckdb/extensions by default) to this machine so that "
                + "<dir>/" + layout + "/motherduck.duckdb_extension exists, and set this destination's option extension_directory to "
                + "that <dir>; or " + (local ? "put the extension file, uncompressed, at " + source + "/" + layout
                        + "/motherduck.duckdb_extension (in the local directory the option extension_repository names)"
                        : "allow this machine network access to " + source) + ".";
    }

    /** {@code text} with every occurrence of {@code token} replaced by {@code ****}. */
    static String mask(String text, String token) {
        return token == null || token.isEmpty() || text == null ? text : text.replace(token, MASK);
    }

    /**
     * DuckDB's {@code message} as the user sees it: {@link DuckDbMessages#condense condensed} (its
     * headline and the lines that say the cause, joined on one line, hints and query pointers
     * dropped), then with {@code token} masked.
     */
    static String said(String message, String token) {
        return mask(DuckDbMessages.condense(message), token);
    }
}
