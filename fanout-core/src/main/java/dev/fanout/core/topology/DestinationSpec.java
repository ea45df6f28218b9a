package dev.fanout.core.topology;

import dev.fanout.api.Destination;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A destination as written in the topology, before any plugin has looked at it. Option values may
 * be secrets and the URI may carry user info, so {@link #toString()} prints option keys only and a
 * masked URI.
 *
 * @param name    the key under {@code destinations}
 * @param uri     {@code scheme:target}, after environment substitution
 * @param options option values after environment substitution, in file order
 * @param where   where the destination's name is written
 */
public record DestinationSpec(String name, String uri, Map<String, String> options, SourceLocation where) {
    public DestinationSpec {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(uri, "uri is null");
        Objects.requireNonNull(where, "where is null");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(options, "options is null")));
    }

    /** The URI with its user info and sensitive query values masked, as {@link Destination#redact} says. */
    public String redactedUri() {
        return Destination.redact(uri);
    }

    @Override
    public String toString() {
        return "DestinationSpec[" + name + ", " + redactedUri()
                + (options.isEmpty() ? "" : ", options " + options.keySet()) + ", at " + where + "]";
    }
}
