package dev.fanout.api;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A named place rows go to, as written in a topology: {@code trades_db: { uri: "duckdb:data/trades.duckdb" }}.
 *
 * <p>{@link #baseDirectory()} is the directory of the topology file, against which writers resolve
 * relative paths. {@link #toString()} never prints a secret: options declared sensitive by the
 * provider (and, as a safety net, any option whose key mentions a password, token or secret) and
 * the user-info part of the URI are masked. Immutable.
 */
public final class Destination {

    private static final String MASK = "****";

    private final String name;
    private final String uri;
    private final Map<String, String> options;
    private final Path baseDirectory;
    private final Set<String> sensitiveOptions;

    public Destination(String name, String uri, Map<String, String> options, Path baseDirectory, Set<String> sensitiveOptions) {
        this.name = Objects.requireNonNull(name, "name is null");
        this.uri = Objects.requireNonNull(uri, "uri is null");
        this.options = Map.copyOf(Objects.requireNonNull(options, "options is null"));
        this.baseDirectory = Objects.requireNonNull(baseDirectory, "baseDirectory is null").toAbsolutePath().normalize();
        this.sensitiveOptions = Set.copyOf(Objects.requireNonNull(sensitiveOptions, "sensitiveOptions is null"));
    }

    /** A destination with no options, resolving relative paths against {@code baseDirectory}. */
    public static Destination of(String name, String uri, Path baseDirectory) {
        return new Destination(name, uri, Map.of(), baseDirectory, Set.of());
    }

    public String name() {
        return name;
    }

    /** The URI as written, e.g. {@code duckdb:data/trades.duckdb}. May hold user info: do not print it. */
    public String uri() {
        return uri;
    }

    /** The URI scheme, lowercase: the text before the first colon. */
    public String scheme() {
        int colon = uri.indexOf(':');
        return colon < 0 ? "" : uri.substring(0, colon).toLowerCase(Locale.ROOT);
    }

    /** Everything after {@code scheme:}. */
    public String schemeSpecificPart() {
        int colon = uri.indexOf(':');
        return colon < 0 ? uri : uri.substring(colon + 1);
    }

    public Map<String, String> options() {
        return options;
    }

    public Optional<String> option(String key) {
        return Optional.ofNullable(options.get(key));
    }

    public Path baseDirectory() {
        return baseDirectory;
    }

    /** The same destination with {@code keys} added to the masked options. */
    public Destination withSensitiveOptions(Set<String> keys) {
        Set<String> all = new java.util.HashSet<>(sensitiveOptions);
        all.addAll(keys);
        return new Destination(name, uri, options, baseDirectory, all);
    }

    /** Whether the value of {@code key} must never be shown. */
    public boolean isSensitive(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return sensitiveOptions.contains(key) || k.contains("password") || k.contains("token") || k.contains("secret");
    }

    /** The URI with any {@code user:password@} part masked; safe to print. */
    public String redactedUri() {
        return uri.replaceAll("//[^/@]*@", "//" + MASK + "@");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Destination d && name.equals(d.name) && uri.equals(d.uri) && options.equals(d.options)
                && baseDirectory.equals(d.baseDirectory);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, uri, options, baseDirectory);
    }

    @Override
    public String toString() {
        String opts = new TreeMap<>(options).entrySet().stream()
                .map(e -> e.getKey() + "=" + (isSensitive(e.getKey()) ? MASK : e.getValue()))
                .collect(Collectors.joining(", ", "{", "}"));
        return "Destination[" + name + ", " + redactedUri() + (options.isEmpty() ? "" : ", options " + opts) + "]";
    }
}
