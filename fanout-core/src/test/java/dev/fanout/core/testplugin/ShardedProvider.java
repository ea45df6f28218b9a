package dev.fanout.core.testplugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.ShardLayout;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test plugin for {@code shards:<name>}, a cluster of {@code count} (option, default 2) shards
 * kept in memory: row {@code id} (the first key column, int64) belongs to shard {@code id % count},
 * or the sharding refuses a negative id. Options: {@code down} names shard indexes whose writers
 * fail retryably ("1" or "0,1"); {@code layout: unknown} makes the layout fail, so the cluster runs as
 * one lane whose writer stores everything under the cluster's own name. Each writer records the ids
 * it committed under its destination's URI in {@link #stored}.
 */
public class ShardedProvider implements WriterProvider {

    /** URI of the writer's destination → ids committed there, in order. */
    public static final Map<String, List<Long>> stored = new ConcurrentHashMap<>();

    @Override
    public String scheme() {
        return "shards";
    }

    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.SHARDS);
    }

    @Override
    public Optional<ShardLayout> shardLayout(Destination destination) throws WriteException {
        if ("unknown".equals(destination.options().get("layout"))) {
            throw WriteException.retryable("destination " + destination.name() + ": no server of the cluster answers", null);
        }
        int count = count(destination);
        List<ShardLayout.Shard> shards = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, String> options = new java.util.HashMap<>(destination.options());
            options.put("shard", Integer.toString(i));
            shards.add(new ShardLayout.Shard("s" + i, new Destination(destination.name() + "@s" + i,
                    destination.uri() + "#" + i, options, destination.baseDirectory(), Set.of())));
        }
        return Optional.of(new ShardLayout(shards, packet -> shardsOf(packet, count)));
    }

    private static int[] shardsOf(FramePacket packet, int count) {
        int key = packet.schema().keyIndexes()[0];
        int[] shards = new int[packet.rowCount()];
        for (int r = 0; r < shards.length; r++) {
            long id = (Long) packet.value(r, key);
            if (id < 0) {
                throw new IllegalArgumentException("table " + packet.table() + ": id " + id + " cannot be sharded");
            }
            shards[r] = (int) (id % count);
        }
        return shards;
    }

    private static int count(Destination destination) {
        return Integer.parseInt(destination.options().getOrDefault("count", "2"));
    }

    @Override
    public BaseWriter create(Destination destination) {
        String shard = destination.options().get("shard");
        boolean down = shard != null && List.of(destination.options().getOrDefault("down", "").split(",")).contains(shard);
        return new BaseWriter() {
            @Override
            public void open() {
            }

            @Override
            public void write(WriteBatch batch) throws WriteException {
                if (down) {
                    throw WriteException.retryable("shard " + shard + " of " + destination.name() + ": every replica refuses connections", null);
                }
                List<Long> ids = stored.computeIfAbsent(destination.uri(), k -> new CopyOnWriteArrayList<>());
                for (FramePacket p : batch.packets()) {
                    int key = p.schema().keyIndexes()[0];
                    for (int r = 0; r < p.rowCount(); r++) {
                        ids.add((Long) p.value(r, key));
                    }
                }
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public List<String> validate(Destination destination) {
        return List.of();
    }

    @Override
    public String physicalTarget(Destination destination) {
        return destination.uri();
    }
}
