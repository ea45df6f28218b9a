package dev.fanout.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A named place rows go to, as written in a topology: {@code trades_db: { uri: "duckdb:data/trades.duckdb" }}.
 *
 * <p>{@link #baseDirectory()} is the directory of the topology file, against which writers resolve
 * relative paths. {@link #toString()} never prints a secret: options declared sensitive by the
 * provider (and, as a safety net, any option whose key mentions a password, token or secret), the
 * user-info part of the URI and the URI's sensitive query values are masked, as {@link #redact}
 * says. Immutable.
 */
public final class Destination {

    private static final String MASK = "****";
    /** A query parameter: its separator, key and value (up to the next {@code &} or the fragment). */
    private static final Pattern QUERY_PARAM = Pattern.compile("[?&]([^=&#]*)=([^&#]*)");
    private static final Pattern SENSITIVE_QUERY_KEY = Pattern.compile("(?i).*(password|token|secret|key).*");

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

    /** This destination's URI, masked as {@link #redact} says; safe to print. */
    public String redactedUri() {
        return redact(uri);
    }

    /**
     * The pieces of this destination's URI that {@link #redact} masks, and the password alone (the
     * user info after its first colon), longest first; for masking them wherever else they appear,
     * e.g. in a message a plugin wrote. Never contains an empty string.
     */
    public List<String> uriSecrets() {
        List<String> secrets = new ArrayList<>();
        for (Span span : secretSpans(uri)) {
            String secret = uri.substring(span.start, span.end);
            secrets.add(secret);
            int colon = secret.indexOf(':');
            if (span.userInfo && colon >= 0) {
                secrets.add(secret.substring(colon + 1));
            }
        }
        return secrets.stream().filter(s -> !s.isEmpty()).distinct()
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    /**
     * {@code uri} with its secrets replaced by {@code ****}; the one place fanout masks a URI.
     *
     * <ul>
     *   <li>User info: after each {@code //}, everything up to the <em>last</em> {@code @} before the
     *       next {@code /} (or the end), so a password holding {@code @} is masked whole:
     *       {@code ch://u:p@ss@host/db} → {@code ch://****@host/db}.</li>
     *   <li>Query values whose key mentions a password, token, secret or key (any case), up to the
     *       next {@code &} or {@code #}: {@code md:?motherduck_token=abc} → {@code md:?motherduck_token=****},
     *       {@code ch://h/db?password=x} → {@code ch://h/db?password=****}.</li>
     * </ul>
     *
     * @return the masked URI; null for null
     */
    public static String redact(String uri) {
        if (uri == null) {
            return null;
        }
        List<Span> spans = secretSpans(uri);
        if (spans.isEmpty()) {
            return uri;
        }
        StringBuilder out = new StringBuilder(uri.length());
        int at = 0;
        for (Span span : spans) {
            if (span.end <= at) {
                continue;
            }
            int start = Math.max(span.start, at);
            out.append(uri, at, start);
            if (start == span.start) {
                out.append(MASK);
            }
            at = span.end;
        }
        return out.append(uri, at, uri.length()).toString();
    }

    /** A secret region {@code [start, end)} of a URI; the user info, or a query value. */
    private record Span(int start, int end, boolean userInfo) {
    }

    /** The non-empty secret regions of {@code uri}, by start. */
    private static List<Span> secretSpans(String uri) {
        List<Span> spans = new ArrayList<>();
        int firstQuestion = uri.indexOf('?');
        int queryFrom = 0;
        int from = 0;
        for (int slashes = uri.indexOf("//"); slashes >= 0; slashes = uri.indexOf("//", from)) {
            int authority = slashes + 2;
            int slash = uri.indexOf('/', authority);
            int end = slash < 0 ? uri.length() : slash;
            int lastAt = end == authority ? -1 : uri.lastIndexOf('@', end - 1);
            boolean hasUserInfo = lastAt > authority;
            if (hasUserInfo) {
                spans.add(new Span(authority, lastAt, true));
            }
            if (from == 0 && (firstQuestion < 0 || slashes < firstQuestion)) {
                // the URI's own authority: a '?' in its user info is part of the password, not a query
                queryFrom = hasUserInfo ? lastAt : authority;
            }
            from = hasUserInfo ? lastAt : authority;
        }
        int question = uri.indexOf('?', queryFrom);
        if (question >= 0) {
            int fragment = uri.indexOf('#', question);
            Matcher param = QUERY_PARAM.matcher(uri).region(question, fragment < 0 ? uri.length() : fragment);
            while (param.find()) {
                if (param.end(2) > param.start(2) && SENSITIVE_QUERY_KEY.matcher(param.group(1)).matches()) {
                    spans.add(new Span(param.start(2), param.end(2), false));
                }
            }
        }
        spans.sort(Comparator.comparingInt(Span::start));
        return spans;
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
