package dev.fanout.writer.motherduck;

import dev.fanout.duckdb.DuckDbMessages;
import dev.fanout.api.WriteException;
import dev.fanout.writer.duckdb.DuckDbTarget;
import dev.fanout.writer.duckdb.LocalFileTarget;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

/**
 * A MotherDuck database as a {@link DuckDbTarget}: DuckDB JDBC on {@code jdbc:duckdb:md:<database>},
 * with the token in the connection properties ({@code motherduck_token}), never in the URL.
 *
 * <p>Unlike a local file there is <b>no file lock</b>: MotherDuck accepts several clients writing one
 * database, so fanout's lane for this destination (one per {@code md:database}, the physical target)
 * is the only serialisation — two fanout processes writing one database are not stopped, and the
 * version guard is what keeps their upserts convergent. <b>Network errors are retryable</b>, both at
 * connect and mid-write; a missing motherduck extension or a refused token is a permanent
 * configuration error.
 *
 * <p>In test mode the connection goes to a local DuckDB file through {@link LocalFileTarget} instead,
 * with the same schema selection, so the write path is exercised without MotherDuck.
 */
final class MotherDuckTarget implements DuckDbTarget {

    private final MotherDuckDestination destination;
    private final LocalFileTarget local;

    MotherDuckTarget(MotherDuckDestination destination) {
        this.destination = Objects.requireNonNull(destination, "destination is null");
        this.local = destination.testMode()
                ? new LocalFileTarget(destination.testLocalFile(), Map.of("threads", "1"))
                : null;
    }

    @Override
    public String describe() {
        return local == null
                ? "MotherDuck database " + destination.databaseId()
                : "local DuckDB file " + destination.testLocalFile() + " (test mode standing in for MotherDuck database "
                        + destination.databaseId() + ")";
    }

    /** In test mode the local file's ({@link LocalFileTarget#identity()}); none for MotherDuck itself. */
    @Override
    public Optional<String> identity() throws WriteException {
        return local != null ? local.identity() : Optional.empty();
    }

    /** {@code jdbc:duckdb:md:<database>} with MotherDuck's non-secret connection parameters; never the token. */
    String jdbcUrl() {
        StringBuilder url = new StringBuilder("jdbc:duckdb:md:").append(destination.database());
        char separator = '?';
        if (destination.attachMode() != null) {
            url.append(separator).append("attach_mode=").append(destination.attachMode());
            separator = '&';
        }
        if (destination.saasMode() != null) {
            url.append(separator).append("saas_mode=").append(destination.saasMode());
        }
        return url.toString();
    }

    @Override
    public DuckDBConnection connect(String destinationName) throws WriteException {
        DuckDBConnection connection = local != null ? local.connect(destinationName) : connectToMotherDuck();
        try {
            useSchema(connection);
            return connection;
        } catch (SQLException e) {
            try {
                connection.close();
            } catch (SQLException | RuntimeException closing) {
                // the failure to select the schema is what is reported
            }
            throw local != null
                    ? WriteException.permanent("destination " + destination.name() + ": cannot use schema " + destination.schema()
                            + " in " + describe() + ": " + mask(DuckDbMessages.condense(e.getMessage())), null)
                    : MotherDuckFailure.whileOpening(destination, e.getMessage(), isTransient(e.getMessage()));
        }
    }

    private DuckDBConnection connectToMotherDuck() throws WriteException {
        Properties props = new Properties();
        if (!destination.token().isEmpty()) {
            props.setProperty("motherduck_token", destination.token());
        }
        if (destination.extensionDirectory() != null) {
            props.setProperty("extension_directory", destination.extensionDirectory().toString());
        }
        if (destination.extensionRepository() != null) {
            // DuckDB's autoloading installs from here too when autoinstall_extension_repository is unset
            props.setProperty("custom_extension_repository", destination.extensionRepository());
        }
        try {
            return new DuckDBDriver().connect(jdbcUrl(), props).unwrap(DuckDBConnection.class);
        } catch (SQLException e) {
            throw MotherDuckFailure.whileOpening(destination, e.getMessage(), isTransient(e.getMessage()));
        }
    }

    /** Makes unqualified table names resolve to the destination's schema, creating it when missing. */
    private void useSchema(DuckDBConnection connection) throws SQLException {
        if (destination.schema().equals(MotherDuckDestination.DEFAULT_SCHEMA)) {
            return;
        }
        try (Statement s = connection.createStatement()) {
            String database;
            try (ResultSet rs = s.executeQuery("SELECT current_database()")) {
                rs.next();
                database = rs.getString(1);
            }
            s.execute("CREATE SCHEMA IF NOT EXISTS " + quote(destination.schema()));
            s.execute("USE " + quote(database) + "." + quote(destination.schema()));
        }
    }

    /** Database and schema names are checked to be {@code [A-Za-z_][A-Za-z0-9_]*}; the current database's name is DuckDB's. */
    private static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** Only the URI's table for the one-table form ({@code md://database.schema/table}); every table otherwise. */
    @Override
    public boolean holds(String table) {
        return destination.takes(table);
    }

    @Override
    public boolean isTransient(String message) {
        if (MotherDuckFailure.isExtensionMissing(message) || MotherDuckFailure.isCredentialsRefused(message)) {
            return false;
        }
        return MotherDuckFailure.isNetworkError(message) || DuckDbTarget.super.isTransient(message);
    }

    /**
     * {@code message} with the token (also when a test-mode destination sets one) and what
     * {@link dev.fanout.api.Destination#redact} masks in the URI replaced by {@code ****}: DuckDB's
     * errors may echo either, and the writer passes every message it builds from one through here
     * (and then attaches no cause).
     */
    @Override
    public String mask(String message) {
        String masked = MotherDuckFailure.mask(message, destination.token());
        for (String secret : destination.uriSecrets()) {
            masked = MotherDuckFailure.mask(masked, secret);
        }
        return masked;
    }

    @Override
    public String toString() {
        return "MotherDuckTarget[" + describe() + "]";
    }
}
