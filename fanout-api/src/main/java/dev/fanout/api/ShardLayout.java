package dev.fanout.api;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A destination that is several independent targets — the shards of a cluster — each storing a
 * disjoint part of every table's keys. The core gives every shard a lane of its own, named
 * {@code <destination>@<shard name>} (one segment of a metric name, so a Prometheus label holds it
 * whole), with its own writer ({@link WriterProvider#create} of {@link Shard#destination()}),
 * queue, retries, circuit breaker and dead letters: a shard whose servers are all down is retried
 * and then parked while the other shards commit.
 *
 * <p>The {@link Sharding} decides each row's shard; it must put every key on exactly one shard, the
 * same one every time and in every process, and the same one the engine itself would choose for a
 * row that another client inserts (e.g. through a ClickHouse {@code Distributed} table), so that a
 * key never lives on two shards. Immutable.
 *
 * @param shards   at least one, in the order {@link Sharding#shardsOf} numbers them (index 0 first);
 *                 names unique, made of letters, digits, {@code _} and {@code -}
 * @param sharding which shard each row of a packet belongs to
 */
public record ShardLayout(List<Shard> shards, Sharding sharding) {

    public ShardLayout {
        shards = List.copyOf(Objects.requireNonNull(shards, "shards is null"));
        Objects.requireNonNull(sharding, "sharding is null");
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("a shard layout needs at least one shard");
        }
        Set<String> names = new HashSet<>();
        for (Shard s : shards) {
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("two shards are named " + s.name());
            }
        }
    }

    /**
     * One shard: a name for its lane ({@code shard1}) and the destination its writer is created for
     * (same scheme as the cluster's; the plugin puts into it whatever its writer needs to reach only
     * this shard, e.g. the shard's replicas as options).
     */
    public record Shard(String name, Destination destination) {
        public Shard {
            Objects.requireNonNull(name, "name is null");
            Objects.requireNonNull(destination, "destination is null");
            if (!name.matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("shard name '" + name + "' must be letters, digits, '_' and '-'");
            }
        }
    }

    /** Which shard each row goes to; thread-safe, as lanes and producers call it concurrently. */
    @FunctionalInterface
    public interface Sharding {
        /**
         * The shard index (into {@link ShardLayout#shards()}) of each row of {@code packet}, in row
         * order. The packet's key columns are non-null (the core checked them).
         *
         * @throws IllegalArgumentException when a row cannot be placed (e.g. a key column of a type
         *                                  the engine cannot shard by): the packet is refused, parked
         *                                  as unroutable with this message
         */
        int[] shardsOf(FramePacket packet);
    }
}
