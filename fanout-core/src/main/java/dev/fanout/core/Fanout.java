package dev.fanout.core;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Destination;
import dev.fanout.api.FlowController;
import dev.fanout.api.FramePacket;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.ShardLayout;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import dev.fanout.core.dispatch.DestinationHealth;
import dev.fanout.core.dispatch.Dispatcher;
import dev.fanout.core.dispatch.DispatcherSettings;
import dev.fanout.core.dispatch.DispatcherStartException;
import dev.fanout.core.dispatch.LaneSummary;
import dev.fanout.core.dispatch.PacketOutcome;
import dev.fanout.core.flow.InFlightFlowController;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.routing.ShardRouter;
import dev.fanout.core.routing.TopologyRouter;
import dev.fanout.core.topology.TableSpec;
import dev.fanout.core.topology.Topology;
import dev.fanout.core.topology.TopologyException;
import dev.fanout.core.topology.TopologyValidator;
import dev.fanout.dlq.DeadLetterSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ServiceConfigurationError;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * fanout as a library: a checked topology, one writer per destination, a {@link Dispatcher} in front.
 * The CLI uses exactly this entry point.
 *
 * <p><b>Dead letters.</b> Fanout does no file I/O of its own: to park what cannot be written, the
 * caller opens a dead-letter store (typically at {@link Topology#dlqPath()}), passes it to
 * {@link Builder#deadLetters}, and closes it after {@link #close()}. Without one, such packets fail.
 *
 * <p><b>Threading.</b> {@link #submit} may be called from any number of threads; packets of one
 * table must be submitted from one thread (or in an order the caller serialises) for "order kept per
 * table" to mean anything. {@code submit} blocks while the flow controller or a destination's lane
 * is full, so a producer blocked on a stalled destination cannot submit elsewhere meanwhile: give
 * producers of unrelated tables their own threads. Returned futures complete on lane threads; keep
 * dependents short or use the {@code ...Async} variants, and never call {@link #flush} or
 * {@link #close} from them. {@link #flush} and {@link #close} may be called from any other thread.
 *
 * <p><b>Destinations that cannot open.</b> {@link Builder#build()} succeeds when a destination's
 * writer does not open (a DuckDB file locked by another process, not a database, not writable; a
 * server refusing the credentials): that destination starts down, the others take their packets at
 * once, and its lane tries to open it again before each write attempt — retryable open errors with
 * the retry policy and the circuit breaker, permanent ones at once — parking its packets in the
 * dead-letter queue (or failing them) with the open error as the reason, until it opens. Its state
 * is in {@link #destinationHealth()}, in {@link #summary()} and in the gauge
 * {@code fanout.destination.<d>.up}. {@link Builder#requireAllDestinations} keeps the stricter rule:
 * {@code build()} throws and nothing is written when any destination does not open.
 *
 * <p><b>Names that differ only by case.</b> Each destination's engine compares table and column
 * names as its provider declares ({@link WriterProvider#identifierComparison()}). At a
 * case-insensitive one (DuckDB, MotherDuck), a packet whose table or columns differ only by case from
 * names already submitted there ({@code trades} after {@code Trades}), or whose schema holds two such
 * columns, is parked before anything is written, its reason naming both names and the destination;
 * the first name submitted wins. The writers refuse the same way against names stored by earlier runs.
 *
 * <p><b>Sharded destinations.</b> A destination whose plugin lists its shards
 * ({@link WriterProvider#shardLayout}, e.g. a ClickHouse cluster) is written through one lane per
 * shard, named {@code <destination>@<shard>} in the summary, the metrics and the dead-letter
 * records: every row goes to its shard's lane, so a shard that is down is retried and parked on its
 * own while the other shards commit. A replay routes parked rows again, to the same shards. When the
 * layout cannot be learned at start, the destination runs as one lane whose writer places the rows.
 *
 * <p><b>Flow control.</b> Admission goes through a {@link FlowController}: the one given to
 * {@link Builder#flowController}, else an {@link InFlightFlowController} built from the topology's
 * {@code flow} section, else none (only the per-lane queue bounds memory). A packet's parts are
 * admitted together ({@link FlowController#acquireAll}). With a rejecting policy, {@link #submit}
 * throws {@link dev.fanout.api.FlowRejectedException} and nothing of the packet is written: back off
 * and submit it again.
 *
 * <pre>{@code
 * try (Fanout fanout = Fanout.builder().topology(Path.of("phase-2.yaml")).metrics(registry).build()) {
 *     fanout.submit(packet).thenAccept(outcome -> commitSourceOffsetsIf(outcome.isDurable()));
 * }
 * }</pre>
 *
 * <p><b>Metrics.</b> Registered in the registry given to {@link Builder#metrics} (else a new one,
 * {@link #metrics()}); names and meanings in {@link Dispatcher}. The reporters the topology's
 * {@code metrics} section names — Prometheus endpoint ({@code http://<host>:<port>/metrics}, through
 * the Prometheus Java client's Dropwizard bridge), JMX, CSV, log — start in {@link Builder#build()}
 * and stop in {@link #close()}, after the last write, so they report the final figures. Then
 * {@code close()} removes the gauges this instance registered (queue depth, circuit, in-flight), so
 * a registry that outlives it holds no gauge reading a closed Fanout; meters, counters and timers
 * stay, and a later Fanout on the same registry adds to them.
 */
public final class Fanout implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Fanout.class);

    private final Topology topology;
    private final Dispatcher dispatcher;
    private final MetricRegistry metrics;
    private final MetricReporters reporters;
    /** The gauges this instance registered, by name, removed on close unless a later Fanout replaced them. */
    private final Map<String, Metric> gauges;

    private Fanout(Topology topology, Dispatcher dispatcher, MetricRegistry metrics, MetricReporters reporters,
                   Map<String, Metric> gauges) {
        this.topology = topology;
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.reporters = reporters;
        this.gauges = gauges;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Loads {@code file} and checks it against the installed plugins in one pass, without connecting
     * anywhere ({@link TopologyValidator#check}).
     *
     * @throws TopologyException with every problem found, each naming file, line and column
     */
    public static Topology check(Path file, WriterRegistry registry) {
        return new TopologyValidator(registry).check(file);
    }

    /**
     * Routes {@code packet} and returns its acknowledgement; blocks while a target lane is full or the
     * flow controller makes it wait.
     *
     * @throws dev.fanout.api.FlowRejectedException when the flow controller refused it; nothing was written
     */
    public CompletableFuture<PacketOutcome> submit(FramePacket packet) {
        return dispatcher.submit(packet);
    }

    /** Waits until every packet submitted before this call has committed, been parked, or failed. */
    public void flush() throws InterruptedException {
        dispatcher.flush();
    }

    /** Like {@link #flush()}, giving up after {@code timeout}; true when everything completed. */
    public boolean flush(Duration timeout) throws InterruptedException {
        return dispatcher.flush(timeout);
    }

    /** Per-destination totals, flush latency percentiles and health so far. */
    public List<LaneSummary> summary() {
        return dispatcher.summary();
    }

    /**
     * Per destination, in topology order: whether its writer is open now and, while it is not, the
     * last open error with the destination's secrets masked. Immutable; a snapshot.
     */
    public Map<String, DestinationHealth> destinationHealth() {
        return dispatcher.health();
    }

    public Topology topology() {
        return topology;
    }

    public MetricRegistry metrics() {
        return metrics;
    }

    /**
     * Where the Prometheus scrape endpoint listens ({@code /metrics} there), with the real port when
     * the topology asked for port 0; empty without {@code metrics.prometheus}.
     */
    public Optional<InetSocketAddress> prometheusAddress() {
        return reporters.prometheusAddress();
    }

    /**
     * Drains every queued packet, then closes each writer; every returned future completes. Then
     * stops the metrics reporters (the CSV and log reporters report the final figures once more, and
     * a scrape can see the final counts until then), and removes this instance's gauges.
     */
    @Override
    public void close() {
        try {
            dispatcher.close();
        } finally {
            try {
                reporters.close();
            } finally {
                removeGauges(metrics, gauges);
            }
        }
    }

    /**
     * The gauges now registered under the names a Fanout over {@code destinations} registers: each
     * lane's, and the in-flight ones when {@code withFlow} (it registered them for its
     * {@link InFlightFlowController}).
     */
    private static Map<String, Metric> gaugesOf(MetricRegistry metrics, Iterable<String> destinations, boolean withFlow) {
        Map<String, Metric> owned = new HashMap<>();
        Map<String, Gauge> all = metrics.getGauges();
        List<String> perDestination = withFlow ? List.of("queue.rows", "circuit", "up", "in_flight.rows", "in_flight.bytes")
                : List.of("queue.rows", "circuit", "up");
        if (withFlow) {
            for (String name : List.of("fanout.flow.in_flight.rows", "fanout.flow.in_flight.bytes")) {
                owned.put(name, all.get(name));
            }
        }
        for (String d : destinations) {
            for (String m : perDestination) {
                String name = "fanout.destination." + d + "." + m;
                owned.put(name, all.get(name));
            }
        }
        owned.values().removeIf(Objects::isNull);
        return owned;
    }

    /** Removes each of {@code gauges} still registered under its name (not one a later Fanout put there). */
    private static void removeGauges(MetricRegistry metrics, Map<String, Metric> gauges) {
        metrics.removeMatching((name, metric) -> gauges.get(name) == metric);
    }

    /** Configures a {@link Fanout}; not thread-safe. */
    public static final class Builder {
        private Path topologyFile;
        private Topology topology;
        private WriterRegistry registry;
        private Path pluginDirectory;
        private MetricRegistry metrics;
        private DeadLetterSink deadLetters;
        private FlowController flowController;
        private boolean requireAllDestinations;

        private Builder() {
        }

        /**
         * Whether {@link #build()} must open every destination (default false). True: when one does not
         * open, {@code build()} closes them all and throws {@link DispatcherStartException} — nothing is
         * written. False: such a destination starts down, its packets are parked (or fail) with the
         * open error until it opens, and the others write.
         */
        public Builder requireAllDestinations(boolean requireAllDestinations) {
            this.requireAllDestinations = requireAllDestinations;
            return this;
        }

        /** The topology file to load and check. */
        public Builder topology(Path file) {
            this.topologyFile = Objects.requireNonNull(file, "file is null");
            this.topology = null;
            return this;
        }

        /** An already loaded topology; it is still checked against the registry. */
        public Builder topology(Topology topology) {
            this.topology = Objects.requireNonNull(topology, "topology is null");
            this.topologyFile = null;
            return this;
        }

        /** Where writers come from (default: {@code ServiceLoader} on the context class loader); replaces {@link #pluginDirectory}. */
        public Builder registry(WriterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry is null");
            this.pluginDirectory = null;
            return this;
        }

        /**
         * Takes the writers from a plugin directory when {@link #build()} runs: each {@code dir/<name>/}
         * in a class loader of its own, as {@code bin/fanout} does ({@link WriterRegistry#fromPluginDirectory});
         * replaces {@link #registry}. {@link #build()} throws {@link dev.fanout.core.plugin.PluginException},
         * naming the directory, when a plugin cannot be used.
         */
        public Builder pluginDirectory(Path dir) {
            this.pluginDirectory = Objects.requireNonNull(dir, "dir is null");
            this.registry = null;
            return this;
        }

        /** The registry to register metrics into (default: a new one). */
        public Builder metrics(MetricRegistry metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics is null");
            return this;
        }

        /**
         * Where parts that cannot be written are parked (default: none, and they fail). The caller
         * owns it: Fanout neither opens nor closes it, so close it after {@link Fanout#close()}.
         */
        public Builder deadLetters(DeadLetterSink deadLetters) {
            this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters is null");
            return this;
        }

        /**
         * The pipeline's own admission control (default: an {@link InFlightFlowController} from the
         * topology's {@code flow} section when there is one, else unlimited). Takes precedence over
         * the {@code flow} section. Fanout never closes it.
         */
        public Builder flowController(FlowController flowController) {
            this.flowController = Objects.requireNonNull(flowController, "flowController is null");
            return this;
        }

        /**
         * Checks the topology, creates and opens one writer per destination, starts the lanes. A
         * destination whose writer does not open starts down (see the class comment), unless
         * {@link #requireAllDestinations}.
         *
         * @throws TopologyException         when the topology is invalid (nothing was opened)
         * @throws DispatcherStartException  when a destination's writer cannot be created, or with
         *                                   {@link #requireAllDestinations} opened (the others were
         *                                   closed); the writers' messages come with each destination's
         *                                   secrets masked
         * @throws java.io.UncheckedIOException when {@code metrics.prometheus} cannot be bound (the
         *                                   dispatcher was closed again)
         */
        public Fanout build() {
            WriterRegistry plugins = registry != null ? registry
                    : pluginDirectory != null ? WriterRegistry.fromPluginDirectory(pluginDirectory) : WriterRegistry.fromContextClassLoader();
            Topology checked;
            if (topology != null) {
                new TopologyValidator(plugins).validate(topology);
                checked = topology;
            } else if (topologyFile != null) {
                checked = check(topologyFile, plugins);
            } else {
                throw new IllegalStateException("no topology: call topology(Path) or topology(Topology)");
            }
            Map<String, Destination> destinations = new LinkedHashMap<>();
            Map<String, BaseWriter> writers = new LinkedHashMap<>();
            Map<String, String> failures = new LinkedHashMap<>();
            Map<String, IdentifierComparison> comparisons = new HashMap<>();
            Map<String, ShardRouter.Shards> sharded = new LinkedHashMap<>();
            for (String name : checked.destinations().keySet()) {
                Destination destination = checked.destination(name, plugins);
                WriterProvider provider = plugins.provider(destination.scheme()).orElseThrow();
                Optional<ShardLayout> layout = shardLayout(provider, destination);
                List<Map.Entry<String, Destination>> lanes = new ArrayList<>();
                if (layout.isPresent()) {
                    List<String> laneNames = new ArrayList<>();
                    for (ShardLayout.Shard shard : layout.get().shards()) {
                        String lane = name + "@" + shard.name();
                        if (checked.destinations().containsKey(lane)) {
                            failures.put(name, "its shard " + shard.name() + " would be written as " + lane
                                    + ", which is also a destination of the topology; rename that destination");
                        }
                        laneNames.add(lane);
                        lanes.add(Map.entry(lane, shard.destination()));
                    }
                    sharded.put(name, new ShardRouter.Shards(laneNames, layout.get().sharding()));
                } else {
                    lanes.add(Map.entry(name, destination));
                }
                for (Map.Entry<String, Destination> lane : lanes) {
                    destinations.put(lane.getKey(), lane.getValue());
                    comparisons.put(lane.getKey(), identifierComparison(provider));
                    try {
                        writers.put(lane.getKey(), new SecretMaskingWriter(provider.create(lane.getValue()), lane.getValue()));
                    } catch (WriteException e) {
                        failures.put(lane.getKey(), String.valueOf(e.getMessage()));
                    } catch (RuntimeException | LinkageError | ServiceConfigurationError e) {
                        failures.put(lane.getKey(), WriterFailures.describe(e));
                    }
                }
            }
            if (!failures.isEmpty()) {
                writers.values().forEach(Builder::closeQuietly);
                throw redacted(failures, destinations);
            }
            MetricRegistry registryForMetrics = metrics != null ? metrics : new MetricRegistry();
            FlowController admission = flowController != null ? flowController
                    : checked.flow().<FlowController>map(InFlightFlowController::new).orElse(FlowController.UNLIMITED);
            DispatcherSettings settings = DispatcherSettings.of(checked.batch(), checked.retry())
                    .withCircuit(checked.circuit())
                    .withDeadLetters(deadLetters)
                    .withTableOptions(tableOptions(checked))
                    .withFlowController(admission)
                    .withMetricsWindow(checked.metrics().window())
                    .withRequireAllDestinations(requireAllDestinations);
            Dispatcher dispatcher;
            try {
                dispatcher = Dispatcher.start(new ShardRouter(new TopologyRouter(checked), sharded), writers, comparisons, settings,
                        registryForMetrics);
            } catch (DispatcherStartException e) {
                // the failed lanes registered their gauges, replacing any an earlier Fanout had there
                removeGauges(registryForMetrics, gaugesOf(registryForMetrics, writers.keySet(), false));
                throw redacted(e.failures(), destinations);
            }
            boolean withFlow = admission instanceof InFlightFlowController;
            if (withFlow) {
                registerFlowGauges(registryForMetrics, (InFlightFlowController) admission, writers.keySet());
            }
            Map<String, Metric> gauges = gaugesOf(registryForMetrics, writers.keySet(), withFlow);
            MetricReporters reporters;
            try {
                reporters = MetricReporters.start(checked.metrics(), registryForMetrics);
            } catch (RuntimeException e) {
                try {
                    dispatcher.close();
                } finally {
                    removeGauges(registryForMetrics, gauges);
                }
                throw e;
            }
            return new Fanout(checked, dispatcher, registryForMetrics, reporters, gauges);
        }

        /**
         * In-flight rows and estimated bytes, all destinations together ({@code fanout.flow.in_flight.*})
         * and per destination ({@code fanout.destination.<d>.in_flight.*}).
         */
        private static void registerFlowGauges(MetricRegistry metrics, InFlightFlowController flow, Iterable<String> destinations) {
            replaceGauge(metrics, "fanout.flow.in_flight.rows", flow::inFlightRows);
            replaceGauge(metrics, "fanout.flow.in_flight.bytes", flow::inFlightBytes);
            for (String d : destinations) {
                replaceGauge(metrics, "fanout.destination." + d + ".in_flight.rows", () -> flow.inFlightRows(d));
                replaceGauge(metrics, "fanout.destination." + d + ".in_flight.bytes", () -> flow.inFlightBytes(d));
            }
        }

        /** Registers {@code gauge} under {@code name}, replacing one an earlier Fanout on the same registry left. */
        private static void replaceGauge(MetricRegistry metrics, String name, Gauge<Long> gauge) {
            metrics.remove(name);
            metrics.register(name, gauge);
        }

        /**
         * The shards of {@code destination} when its provider {@link Capability#SHARDS shards} it;
         * empty for one target, and when the layout cannot be learned now (no server of the cluster
         * answers): the destination then runs as one lane with its own writer, which places rows on
         * the shards itself, and its failures are that lane's.
         */
        private static Optional<ShardLayout> shardLayout(WriterProvider provider, Destination destination) {
            try {
                if (!provider.capabilities().contains(Capability.SHARDS)) {
                    return Optional.empty();
                }
                Optional<ShardLayout> layout = provider.shardLayout(destination);
                return layout == null ? Optional.empty() : layout;
            } catch (WriteException | RuntimeException | LinkageError | ServiceConfigurationError e) {
                String why = e instanceof WriteException ? String.valueOf(e.getMessage()) : WriterFailures.describe(e);
                log.warn("destination {}: its shards are not known now, so it is written through one lane for the whole cluster: {}",
                        destination.name(), TopologyValidator.redact(why, destination));
                return Optional.empty();
            }
        }

        /**
         * How {@code provider}'s engine compares names; a provider answering null, or failing to answer,
         * counts as {@link IdentifierComparison#CASE_INSENSITIVE}: a wrong guess then refuses a name
         * rather than merging two tables.
         */
        private static IdentifierComparison identifierComparison(WriterProvider provider) {
            try {
                IdentifierComparison declared = provider.identifierComparison();
                return declared != null ? declared : IdentifierComparison.CASE_INSENSITIVE;
            } catch (RuntimeException | LinkageError e) {
                return IdentifierComparison.CASE_INSENSITIVE;
            }
        }

        /** Table → its {@code tables.<t>.options}, empty for tables the topology doesn't describe. */
        private static Function<String, Map<String, String>> tableOptions(Topology topology) {
            return table -> topology.table(table).map(TableSpec::options).orElse(Map.of());
        }

        /**
         * The writers' messages with each destination's secrets masked ({@link TopologyValidator#redact}).
         * A writer may quote its password or URI when it fails to create or open; the original
         * exception is deliberately not kept as the cause, since its message holds them unmasked.
         */
        private static DispatcherStartException redacted(Map<String, String> failures, Map<String, Destination> destinations) {
            Map<String, String> masked = new LinkedHashMap<>();
            failures.forEach((name, message) -> {
                Destination destination = destinations.get(name);
                masked.put(name, destination == null ? message : TopologyValidator.redact(message, destination));
            });
            return new DispatcherStartException(masked);
        }

        private static void closeQuietly(BaseWriter writer) {
            try {
                writer.close();
            } catch (WriteException | RuntimeException ignored) {
                // the creation failure of another destination is what gets reported
            }
        }
    }
}
