package dev.fanout.core.routing;

import dev.fanout.api.FramePacket;
import dev.fanout.api.Router;
import dev.fanout.api.ShardLayout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Sends the rows that another router gives a sharded destination to the lanes of its shards: each
 * part for such a destination is split row by row by the destination's {@link ShardLayout.Sharding}
 * into one part per shard that receives rows, for the lane {@code <destination>@<shard>}; parts for
 * other destinations pass unchanged. A part keeps its packet's id, version and row order; when every
 * row goes to one shard that part is the packet itself. A part without rows goes to the first shard,
 * so it is acknowledged like any other. Immutable and thread-safe when the shardings are.
 */
public final class ShardRouter implements Router {

    private final Router router;
    private final Map<String, Shards> sharded;

    /**
     * The lanes of one sharded destination.
     *
     * @param lanes    lane name of each shard, in the layout's order
     * @param sharding the destination's sharding, whose indexes point into {@code lanes}
     */
    public record Shards(List<String> lanes, ShardLayout.Sharding sharding) {
        public Shards {
            lanes = List.copyOf(lanes);
            Objects.requireNonNull(sharding, "sharding is null");
            if (lanes.isEmpty()) {
                throw new IllegalArgumentException("a sharded destination needs at least one lane");
            }
        }
    }

    /** @param sharded destination name → its shard lanes; destinations not here pass unchanged */
    public ShardRouter(Router router, Map<String, Shards> sharded) {
        this.router = Objects.requireNonNull(router, "router is null");
        this.sharded = Map.copyOf(sharded);
    }

    /**
     * @throws IllegalArgumentException from a sharding that cannot place a row, naming why
     * @throws IllegalStateException    when a sharding answers with the wrong number of rows or a
     *                                  shard that does not exist (a plugin bug; the packet is refused)
     */
    @Override
    public List<RoutedPart> route(FramePacket packet) {
        List<RoutedPart> parts = router.route(packet);
        if (sharded.isEmpty()) {
            return parts;
        }
        List<RoutedPart> out = new ArrayList<>(parts.size());
        for (RoutedPart part : parts) {
            Shards shards = part == null ? null : sharded.get(part.destination());
            if (shards == null) {
                out.add(part);
            } else {
                split(part, shards, out);
            }
        }
        return out;
    }

    private static void split(RoutedPart part, Shards shards, List<RoutedPart> out) {
        FramePacket packet = part.packet();
        int rows = packet.rowCount();
        if (rows == 0) {
            out.add(new RoutedPart(shards.lanes().get(0), packet));
            return;
        }
        int[] shardOfRow = shards.sharding().shardsOf(packet);
        int count = shards.lanes().size();
        if (shardOfRow == null || shardOfRow.length != rows) {
            throw new IllegalStateException("destination " + part.destination() + ": its plugin's sharding placed "
                    + (shardOfRow == null ? "no" : shardOfRow.length) + " rows of a packet of " + rows + " rows");
        }
        int[] perShard = new int[count];
        for (int r = 0; r < rows; r++) {
            int s = shardOfRow[r];
            if (s < 0 || s >= count) {
                throw new IllegalStateException("destination " + part.destination() + ": its plugin's sharding placed row " + r
                        + " on shard " + s + ", but it has shards 0 to " + (count - 1));
            }
            perShard[s]++;
        }
        for (int s = 0; s < count; s++) {
            if (perShard[s] == rows) {
                out.add(new RoutedPart(shards.lanes().get(s), packet));
                return;
            }
        }
        int[][] selections = new int[count][];
        int[] filled = new int[count];
        for (int s = 0; s < count; s++) {
            selections[s] = new int[perShard[s]];
        }
        for (int r = 0; r < rows; r++) {
            int s = shardOfRow[r];
            selections[s][filled[s]++] = r;
        }
        for (int s = 0; s < count; s++) {
            if (perShard[s] > 0) {
                out.add(new RoutedPart(shards.lanes().get(s), packet.selectRows(selections[s])));
            }
        }
    }
}
