package dev.fanout.writer.motherduck;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.Destination;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code md} scheme: MotherDuck, DuckDB with a hosted catalog, written through the DuckDB
 * writer's own path (Appender into a staging table, one version-guarded {@code INSERT … ON CONFLICT}
 * per batch, the same schema evolution and error classification) over a connection to
 * {@code md:<database>}. So its guarantees are the DuckDB writer's: idempotent, order-independent
 * upserts keyed by the primary key, one transaction per batch.
 *
 * <p>URIs: {@code md:database} takes every table routed to it, in schema {@code main};
 * {@code md://database.schema/table} takes that one table, in that schema (created when missing).
 * Options: {@code token} (secret: declared so, masked wherever fanout prints a destination, passed
 * to DuckDB as the connection property {@code motherduck_token}, never in a URL or message),
 * {@code attach_mode}, {@code saas_mode}, {@code extension_directory}, {@code extension_repository} (a mirror's URL,
 * holding no credentials, or a local directory), and {@code test_local_path}
 * for tests only (a local DuckDB file instead of MotherDuck).
 *
 * <p>The physical target is {@code md:database}, lowercased. MotherDuck has no local file lock and
 * lets several clients write one database, so fanout's one lane per database is the only
 * serialisation; network errors are retryable. The motherduck DuckDB extension is downloaded at
 * first use; where it cannot be (no network), {@code open()} fails permanently saying how to
 * pre-install it.
 */
public final class MotherDuckWriterProvider implements WriterProvider {

    public static final String SCHEME = "md";

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public String description() {
        return "MotherDuck database through DuckDB's motherduck extension: md:<database> or md://<database>.<schema>/<table>";
    }

    @Override
    public List<OptionSpec> options() {
        return MotherDuckDestination.OPTIONS;
    }

    /** DuckDB's, since MotherDuck runs DuckDB: {@code Trades} and {@code trades} are one table. */
    @Override
    public IdentifierComparison identifierComparison() {
        return IdentifierComparison.CASE_INSENSITIVE;
    }

    /** The DuckDB writer's: reads back for migration and evolves schemas. */
    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.READ, Capability.SCHEMA_EVOLUTION);
    }

    @Override
    public List<String> validate(Destination destination) {
        return MotherDuckDestination.problems(Objects.requireNonNull(destination, "destination is null"));
    }

    /**
     * {@code md:database}, lowercased; in test mode the local file's canonical path, the identity
     * the duckdb scheme gives that file, so the two cannot both write it.
     *
     * @throws IllegalArgumentException when {@link #validate} finds problems
     */
    @Override
    public String physicalTarget(Destination destination) {
        MotherDuckDestination md = MotherDuckDestination.of(Objects.requireNonNull(destination, "destination is null"));
        return md.testMode() ? md.testLocalFile().toString() : md.databaseId();
    }

    /**
     * {@code md:self_check} in test mode ({@code test_local_path}, a DuckDB file in
     * {@code scratchDirectory}): MotherDuck itself needs an account and the network, but the plugin's
     * own code, the DuckDB writer it carries and the DuckDB driver are all on this path.
     */
    @Override
    public Optional<Destination> selfCheckDestination(Path scratchDirectory) {
        Objects.requireNonNull(scratchDirectory, "scratchDirectory is null");
        return Optional.of(new Destination("self_check", SCHEME + ":self_check",
                Map.of(MotherDuckDestination.TEST_LOCAL_PATH, "self-check.duckdb"), scratchDirectory, Set.of()));
    }

    @Override
    public BaseWriter create(Destination destination) throws WriteException {
        List<String> problems = validate(destination);
        if (!problems.isEmpty()) {
            throw WriteException.permanent(String.join("; ", problems), null);
        }
        return new MotherDuckWriter(MotherDuckDestination.of(destination));
    }
}
