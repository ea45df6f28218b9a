package dev.fanout.writer.duckdb;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.Destination;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code duckdb} scheme: {@code duckdb:<path>}, a DuckDB database file, relative to the
 * topology's directory or absolute. The physical target is the file's absolute normalized path
 * (through symlinked directories), so two destinations naming one file are caught before either
 * opens it. Options {@code threads} (default 1, see {@link #DEFAULT_THREADS}) and
 * {@code memory_limit} are passed to DuckDB as its settings of those names; neither is secret.
 */
public final class DuckDbWriterProvider implements WriterProvider {

    public static final String SCHEME = "duckdb";

    /**
     * DuckDB's own default is a thread per core. fanout already runs one lane per file, and on a
     * 2-core machine the upsert into a primary-keyed table measured about 1.2× faster with one thread
     * per file (fresh keys 0.91× the Appender reference instead of 0.78×, see the README's bench).
     */
    static final String DEFAULT_THREADS = "1";

    private static final List<OptionSpec> OPTIONS = List.of(
            OptionSpec.optional("threads", "DuckDB worker threads for this file; fanout's parallelism is one lane per file, "
                    + "so one thread each avoids oversubscribing the cores", DEFAULT_THREADS),
            OptionSpec.optional("memory_limit", "DuckDB memory limit for this file, e.g. 2GB (DuckDB's default: 80% of RAM)", null));
    private static final Pattern POSITIVE_INT = Pattern.compile("[1-9][0-9]{0,5}");
    private static final Pattern SIZE = Pattern.compile("(?i)[0-9]+(\\.[0-9]+)?\\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)");

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public String description() {
        return "DuckDB file, one writer process per file: duckdb:<path relative to the topology>";
    }

    @Override
    public List<OptionSpec> options() {
        return OPTIONS;
    }

    /** DuckDB matches names case-insensitively (ASCII letters), quoted or not: {@code Trades} and {@code trades} are one table. */
    @Override
    public IdentifierComparison identifierComparison() {
        return IdentifierComparison.CASE_INSENSITIVE;
    }

    /**
     * Reads back for migration ({@link DuckDbReader}), evolves schemas as {@link DuckDbWriter} describes,
     * copies from another DuckDB file inside DuckDB ({@link AttachedDuckDbFile}), and exports key ranges for
     * another plugin to load ({@link DuckDbRowExport}).
     */
    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.READ, Capability.SCHEMA_EVOLUTION, Capability.COPY_FROM_SAME_ENGINE, Capability.EXPORT_ROWS);
    }

    @Override
    public List<String> validate(Destination destination) {
        Objects.requireNonNull(destination, "destination is null");
        String name = destination.name();
        List<String> problems = new ArrayList<>();
        if (!SCHEME.equals(destination.scheme())) {
            problems.add("destination " + name + ": the URI scheme must be " + SCHEME + ", got '" + destination.scheme() + "'");
            return problems;
        }
        String path = destination.schemeSpecificPart().trim();
        if (path.isEmpty()) {
            problems.add("destination " + name + ": the URI names no file — write duckdb:<path>, e.g. duckdb:data/trades.duckdb");
        } else if (path.startsWith(":memory:")) {
            problems.add("destination " + name + ": an in-memory DuckDB database keeps nothing — name a file, e.g. duckdb:data/"
                    + name + ".duckdb");
        } else {
            try {
                Path file = resolve(destination);
                if (Files.isDirectory(file)) {
                    problems.add("destination " + name + ": " + file + " is a directory — name a file inside it, e.g. duckdb:"
                            + path + "/" + name + ".duckdb");
                }
            } catch (InvalidPathException e) {
                problems.add("destination " + name + ": '" + path + "' is not a valid file path: " + e.getReason());
            }
        }
        List<String> known = OPTIONS.stream().map(OptionSpec::name).toList();
        for (Map.Entry<String, String> option : destination.options().entrySet()) {
            String key = option.getKey();
            String value = option.getValue() == null ? "" : option.getValue().trim();
            if (!known.contains(key)) {
                problems.add("destination " + name + ": unknown option '" + key + "' — the duckdb writer accepts "
                        + String.join(", ", known));
            } else if (key.equals("threads") && !POSITIVE_INT.matcher(value).matches()) {
                problems.add("destination " + name + ": option threads must be a whole number of at least 1");
            } else if (key.equals("memory_limit") && !SIZE.matcher(value).matches()) {
                problems.add("destination " + name + ": option memory_limit must be a size such as 512MB or 4GB");
            }
        }
        return problems;
    }

    @Override
    public String physicalTarget(Destination destination) {
        Objects.requireNonNull(destination, "destination is null");
        return LocalFileTarget.canonicalFile(destination.baseDirectory(), destination.schemeSpecificPart()).toString();
    }

    @Override
    public BaseWriter create(Destination destination) throws WriteException {
        List<String> problems = validate(destination);
        if (!problems.isEmpty()) {
            throw WriteException.permanent(String.join("; ", problems), null);
        }
        Map<String, String> settings = new HashMap<>();
        settings.put("threads", DEFAULT_THREADS);
        destination.options().forEach((k, v) -> settings.put(k, v.trim()));
        return new DuckDbWriter(destination.name(), new LocalFileTarget(Path.of(physicalTarget(destination)), settings));
    }

    /** A DuckDB file in {@code scratchDirectory}: the embedded engine needs nothing else. */
    @Override
    public Optional<Destination> selfCheckDestination(Path scratchDirectory) {
        Objects.requireNonNull(scratchDirectory, "scratchDirectory is null");
        return Optional.of(Destination.of("self_check", SCHEME + ":self-check.duckdb", scratchDirectory));
    }

    /** The absolute normalized path of the destination's file. */
    static Path resolve(Destination destination) {
        return destination.baseDirectory().resolve(destination.schemeSpecificPart().trim()).toAbsolutePath().normalize();
    }
}
