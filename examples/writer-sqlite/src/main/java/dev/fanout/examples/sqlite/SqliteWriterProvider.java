package dev.fanout.examples.sqlite;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Destination;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.WriterProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@code sqlite:<path>}: a SQLite database file, the path relative to the topology's directory.
 * Option {@code busy_timeout_ms} (default 5000): how long a write waits for another connection's
 * lock before failing retryably. One writer per file, like DuckDB; the core refuses two
 * destinations on one file through {@link #physicalTarget}.
 */
public final class SqliteWriterProvider implements WriterProvider {

    static final String BUSY_TIMEOUT = "busy_timeout_ms";
    private static final String DEFAULT_BUSY_TIMEOUT = "5000";

    @Override
    public String scheme() {
        return "sqlite";
    }

    @Override
    public BaseWriter create(Destination destination) {
        return new SqliteWriter(destination, file(destination),
                Integer.parseInt(destination.option(BUSY_TIMEOUT).orElse(DEFAULT_BUSY_TIMEOUT)));
    }

    @Override
    public List<String> validate(Destination destination) {
        List<String> problems = new ArrayList<>();
        if (destination.schemeSpecificPart().isBlank()) {
            problems.add("destination " + destination.name() + ": the sqlite uri has no path; write sqlite:<file>, e.g. sqlite:data/market.sqlite");
        }
        for (String key : destination.options().keySet()) {
            if (!key.equals(BUSY_TIMEOUT)) {
                problems.add("destination " + destination.name() + ": unknown option '" + key + "' — the sqlite writer accepts " + BUSY_TIMEOUT);
            }
        }
        destination.option(BUSY_TIMEOUT).ifPresent(v -> {
            if (!v.matches("\\d{1,9}")) {
                problems.add("destination " + destination.name() + ": " + BUSY_TIMEOUT + " is '" + v + "'; give milliseconds, e.g. 5000");
            }
        });
        return problems;
    }

    @Override
    public String physicalTarget(Destination destination) {
        return file(destination).toString();
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.optional(BUSY_TIMEOUT, "milliseconds a write waits for another connection's lock", DEFAULT_BUSY_TIMEOUT));
    }

    /** SQLite matches names case-insensitively (ASCII letters), quoted or not: {@code Trades} and {@code trades} are one table. */
    @Override
    public IdentifierComparison identifierComparison() {
        return IdentifierComparison.CASE_INSENSITIVE;
    }

    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.SCHEMA_EVOLUTION);
    }

    /** A SQLite file in {@code scratchDirectory}, for {@code fanout plugins --check}: the embedded engine needs nothing else. */
    @Override
    public Optional<Destination> selfCheckDestination(Path scratchDirectory) {
        Objects.requireNonNull(scratchDirectory, "scratchDirectory is null");
        return Optional.of(Destination.of("self_check", "sqlite:self-check.sqlite", scratchDirectory));
    }

    @Override
    public String description() {
        return "SQLite database file, upserts with ON CONFLICT … WHERE version: sqlite:<path relative to the topology>";
    }

    static Path file(Destination destination) {
        return destination.baseDirectory().resolve(destination.schemeSpecificPart()).toAbsolutePath().normalize();
    }
}
