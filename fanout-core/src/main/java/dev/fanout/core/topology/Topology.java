package dev.fanout.core.topology;

import dev.fanout.api.Destination;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.dispatch.BatchPolicy;
import dev.fanout.core.dispatch.CircuitPolicy;
import dev.fanout.core.dispatch.RetryPolicy;
import dev.fanout.core.flow.FlowLimits;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A loaded topology: where each table's rows go, how they are batched and retried, when a
 * destination's circuit breaker opens, and where what cannot be written is parked. Immutable.
 *
 * <p>Internally consistent by construction: every route and the default name a defined
 * destination. Whether the destinations are usable — a plugin for each scheme, one writer per
 * physical target — is {@link TopologyValidator}'s business, because it depends on the installed
 * plugins. {@link #toString()} prints no option values.
 *
 * @param file               the topology file; relative paths in it resolve against its directory
 * @param version            the format version, always 1
 * @param phase              free text naming the migration phase; null when absent
 * @param destinations       by name, in file order
 * @param routes             in file order; the first match wins
 * @param defaultDestination where rows no route matches go; without it such rows are an error
 * @param tables             per-table keys and version columns, by table name, in file order
 * @param batch              how lanes coalesce packets
 * @param retry              how retryable failures are retried
 * @param circuit            when a destination's circuit breaker opens, and for how long
 * @param dlqPath            the dead-letter directory, absolute, when configured; the caller opens
 *                           the store there (the core does no file I/O for it)
 * @param flow               the {@code flow} section's admission limits, when present; fanout then
 *                           admits packets through an {@link dev.fanout.core.flow.InFlightFlowController}
 * @param metrics            the {@code metrics} section: reporters (Prometheus endpoint, JMX, CSV,
 *                           log) fanout runs while it runs, and the latency window
 */
public record Topology(Path file, int version, String phase, Map<String, DestinationSpec> destinations,
        List<RouteRule> routes, Optional<String> defaultDestination, Map<String, TableSpec> tables,
        BatchPolicy batch, RetryPolicy retry, CircuitPolicy circuit, Optional<Path> dlqPath,
        Optional<FlowLimits> flow, MetricsSpec metrics) {

    public Topology {
        Objects.requireNonNull(file, "file is null");
        destinations = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(destinations, "destinations is null")));
        routes = List.copyOf(Objects.requireNonNull(routes, "routes is null"));
        Objects.requireNonNull(defaultDestination, "defaultDestination is null");
        tables = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tables, "tables is null")));
        Objects.requireNonNull(batch, "batch is null");
        Objects.requireNonNull(retry, "retry is null");
        Objects.requireNonNull(circuit, "circuit is null");
        Objects.requireNonNull(dlqPath, "dlqPath is null");
        Objects.requireNonNull(flow, "flow is null");
        Objects.requireNonNull(metrics, "metrics is null");
        if (version != 1) {
            throw new IllegalArgumentException("unsupported topology version " + version + "; this fanout reads version 1");
        }
        for (RouteRule r : routes) {
            if (!destinations.containsKey(r.to())) {
                throw new IllegalArgumentException(r.where() + ": route to undefined destination '" + r.to() + "'");
            }
        }
        if (defaultDestination.isPresent() && !destinations.containsKey(defaultDestination.get())) {
            throw new IllegalArgumentException("default destination '" + defaultDestination.get() + "' is not defined");
        }
    }

    /** A topology without a {@code metrics} section. */
    public Topology(Path file, int version, String phase, Map<String, DestinationSpec> destinations,
                    List<RouteRule> routes, Optional<String> defaultDestination, Map<String, TableSpec> tables,
                    BatchPolicy batch, RetryPolicy retry, CircuitPolicy circuit, Optional<Path> dlqPath,
                    Optional<FlowLimits> flow) {
        this(file, version, phase, destinations, routes, defaultDestination, tables, batch, retry, circuit, dlqPath,
                flow, MetricsSpec.NONE);
    }

    /** A topology without a {@code flow} or {@code metrics} section. */
    public Topology(Path file, int version, String phase, Map<String, DestinationSpec> destinations,
                    List<RouteRule> routes, Optional<String> defaultDestination, Map<String, TableSpec> tables,
                    BatchPolicy batch, RetryPolicy retry, CircuitPolicy circuit, Optional<Path> dlqPath) {
        this(file, version, phase, destinations, routes, defaultDestination, tables, batch, retry, circuit, dlqPath,
                Optional.empty(), MetricsSpec.NONE);
    }

    /** The {@code metrics.prometheus} scrape endpoint, when configured. */
    public Optional<PrometheusEndpoint> prometheus() {
        return metrics.prometheus();
    }

    /** The directory of the topology file, absolute. */
    public Path baseDirectory() {
        return baseDirectoryOf(file);
    }

    /** The directory of topology file {@code file}, absolute: what its relative paths resolve against. */
    static Path baseDirectoryOf(Path file) {
        Path parent = file.toAbsolutePath().normalize().getParent();
        return parent != null ? parent : file.toAbsolutePath().getRoot();
    }

    /**
     * The API view of destination {@code name}, resolving relative paths against
     * {@link #baseDirectory()} and masking {@code sensitiveKeys} (the provider's sensitive options).
     *
     * @throws IllegalArgumentException when no destination has that name
     */
    public Destination destination(String name, Set<String> sensitiveKeys) {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(sensitiveKeys, "sensitiveKeys is null");
        DestinationSpec spec = destinations.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("no destination '" + name + "' in " + file
                    + "; defined destinations: " + String.join(", ", destinations.keySet()));
        }
        return new Destination(name, spec.uri(), spec.options(), baseDirectory(), sensitiveKeys);
    }

    /**
     * The API view of destination {@code name}, its options masked as the plugin serving its scheme
     * declares; the one place a topology's destination meets its plugin's sensitive options.
     *
     * @throws IllegalArgumentException when no destination has that name
     */
    public Destination destination(String name, WriterRegistry plugins) {
        Objects.requireNonNull(plugins, "plugins is null");
        Destination bare = destination(name, Set.of());
        return bare.withSensitiveOptions(plugins.sensitiveOptions(bare.scheme()));
    }

    /** What the topology says about {@code table}, if anything. */
    public Optional<TableSpec> table(String table) {
        return Optional.ofNullable(tables.get(Objects.requireNonNull(table, "table is null")));
    }
}
