package dev.fanout.writer.clickhouse;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.Destination;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.ShardLayout;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The {@code ch} scheme: {@code ch://host:port/database} takes packets of any table into that
 * database; {@code ch://host:port/database/table} takes one table and refuses packets of any other.
 * Options: {@code user}, {@code password} (secret, give it as {@code "${ENV_VAR}"}), {@code secure},
 * {@code connect_timeout}, {@code socket_timeout}, {@code settings.<name>} (passed to ClickHouse),
 * {@code partition_by.<table>}. The physical target is {@code host:port/database[/table]}, host
 * lowercased.
 *
 * <p>With the option {@code cluster}, {@code ch://host:port/database} is a sharded, replicated
 * cluster ({@link ClickHouseClusterWriter}); the URI's server and the option {@code replicas} list its
 * servers' HTTP(S) endpoints, and {@link #shardLayout} gives every shard a lane of its own. Stateless
 * and thread-safe.
 */
public final class ClickHouseWriterProvider implements WriterProvider {

    public static final String SCHEME = "ch";

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public String description() {
        return "ClickHouse over HTTP(S), ReplacingMergeTree upserts (read with FINAL): ch://host:port/database[/table]; "
                + "a sharded, replicated cluster with the option cluster";
    }

    @Override
    public List<OptionSpec> options() {
        return ClickHouseDestination.OPTIONS;
    }

    /** ClickHouse names are case-sensitive: {@code Trades} and {@code trades} are two tables, {@code Price} and {@code price} two columns. */
    @Override
    public IdentifierComparison identifierComparison() {
        return IdentifierComparison.EXACT;
    }

    /**
     * Reads back with FINAL for migration ({@link ClickHouseReader}), evolves schemas as {@link ClickHouseWriter} describes, and
     * copies from another database of the same server inside it ({@link AttachedClickHouseDatabase}); writes a cluster's
     * shards through a lane each ({@link #shardLayout}); loads rows another plugin exports ({@link ClickHouseWriter#rowLoad()}).
     */
    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.READ, Capability.SCHEMA_EVOLUTION, Capability.COPY_FROM_SAME_ENGINE, Capability.SHARDS,
                Capability.LOAD_ROWS);
    }

    /**
     * For a cluster destination (option {@code cluster}, no {@code shard}): its shards as
     * {@code system.clusters} lists them, in {@code shard_num} order, named {@code shard<shard_num>},
     * each the cluster destination (same URI and options, named {@code <destination>@shard<n>} like
     * the shard's lane) narrowed to the shard by the options
     * {@code shard} and {@code shard_replicas} (its replicas' endpoints), sharded by {@link ClusterSharding} with the shards'
     * weights, exactly as the cluster's {@code Distributed} tables shard. Every replica must answer
     * through one of the destination's endpoints ({@link ClusterTopology#read}). Empty for one server
     * and for one shard.
     *
     * @throws WriteException retryable when servers do not answer, permanent when the cluster is unknown or
     *                        a replica has no endpoint among the destination's, naming it
     */
    @Override
    public Optional<ShardLayout> shardLayout(Destination destination) throws WriteException {
        List<String> problems = ClickHouseDestination.problems(destination);
        if (!problems.isEmpty()) {
            throw WriteException.permanent(String.join("; ", problems), null);
        }
        ClickHouseDestination d = ClickHouseDestination.of(destination);
        if (!d.isCluster() || d.shard() != 0) {
            return Optional.empty();
        }
        ClusterTopology topology = ClusterTopology.read(d, true);
        List<ShardLayout.Shard> shards = new ArrayList<>();
        for (ClusterTopology.Shard s : topology.shards()) {
            String name = "shard" + s.number();
            Map<String, String> options = new TreeMap<>(destination.options());
            String others = topology.endpoints().stream().filter(e -> !e.hostPort().equalsIgnoreCase(d.hostPort()))
                    .map(ClickHouseDestination.Endpoint::hostPort).collect(Collectors.joining(","));
            if (others.isEmpty()) {
                options.remove(ClickHouseDestination.REPLICAS);
            } else {
                options.put(ClickHouseDestination.REPLICAS, others);
            }
            options.put(ClickHouseDestination.SHARD, Integer.toString(s.number()));
            options.put(ClickHouseDestination.SHARD_REPLICAS, s.endpoints().stream().map(ClickHouseDestination.Endpoint::hostPort)
                    .collect(Collectors.joining(",")));
            shards.add(new ShardLayout.Shard(name, new Destination(destination.name() + "@" + name, destination.uri(), options,
                    destination.baseDirectory(), java.util.Set.of("password"))));
        }
        return Optional.of(new ShardLayout(shards, new ClusterSharding(topology.weights(), topology.version())));
    }

    @Override
    public List<String> validate(Destination destination) {
        List<String> problems = new ArrayList<>(ClickHouseDestination.problems(Objects.requireNonNull(destination, "destination is null")));
        for (String option : List.of(ClickHouseDestination.SHARD, ClickHouseDestination.SHARD_REPLICAS)) {
            if (destination.options().containsKey(option)) {
                // a topology naming one shard would write every row there, also the keys other shards own
                problems.add("destination " + destination.name() + ": option " + option + " is set by fanout for each shard's own lane;"
                        + " leave it out of the topology — a cluster destination writes every shard, each row to its key's shard");
            }
        }
        return problems;
    }

    /** {@code host:port/database[/table]}; for a destination that does not validate, its redacted URI. */
    @Override
    public String physicalTarget(Destination destination) {
        Objects.requireNonNull(destination, "destination is null");
        if (!ClickHouseDestination.problems(destination).isEmpty()) {
            return destination.redactedUri();
        }
        return ClickHouseDestination.of(destination).physicalTarget();
    }

    /**
     * {@code ch://127.0.0.1:<port>/fanout_check}, a loopback port that was free a moment ago, so
     * nobody listens there: opening builds the HTTP client (the client and every library it links
     * to load), and the first write fails retryably with the connection refused.
     */
    @Override
    public Optional<Destination> selfCheckDestination(Path scratchDirectory) {
        Objects.requireNonNull(scratchDirectory, "scratchDirectory is null");
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free loopback port", e);
        }
        return Optional.of(Destination.of("self_check", SCHEME + "://127.0.0.1:" + port + "/fanout_check", scratchDirectory));
    }

    @Override
    public BaseWriter create(Destination destination) throws WriteException {
        // not validate(): a shard's own destination, which the layout made, carries the options shard and shard_replicas
        List<String> problems = ClickHouseDestination.problems(destination);
        if (!problems.isEmpty()) {
            throw WriteException.permanent(String.join("; ", problems), null);
        }
        ClickHouseDestination d = ClickHouseDestination.of(destination);
        return d.isCluster() ? new ClickHouseClusterWriter(d) : new ClickHouseWriter(d);
    }
}
