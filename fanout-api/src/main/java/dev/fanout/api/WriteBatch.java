package dev.fanout.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Packets of one table, all with the same {@link Schema}, in submission order, handed to
 * {@link BaseWriter#write} as one unit. The core coalesces packets into batches; a schema change
 * starts a new batch, so a writer evolves its table at most once per batch.
 *
 * @param table        the table every packet belongs to
 * @param schema       the schema every packet shares
 * @param packets      at least one packet, in the order the producer submitted them
 * @param tableOptions writer-specific options of this table from the topology's
 *                     {@code tables.<t>.options}, e.g. ClickHouse {@code partition_by}; writers
 *                     ignore keys they don't know. Immutable; empty when the topology gives none
 */
public record WriteBatch(String table, Schema schema, List<FramePacket> packets, Map<String, String> tableOptions) {
    public WriteBatch {
        Objects.requireNonNull(table, "table is null");
        Objects.requireNonNull(schema, "schema is null");
        packets = List.copyOf(packets);
        tableOptions = tableOptions == null ? Map.of() : Map.copyOf(tableOptions);
        if (packets.isEmpty()) {
            throw new IllegalArgumentException("a batch holds at least one packet");
        }
        for (FramePacket p : packets) {
            if (!p.table().equals(table) || !p.schema().equals(schema)) {
                throw new IllegalArgumentException("packet " + p.packetId() + " (" + p.table()
                        + ") does not share the batch's table " + table + " and schema");
            }
        }
    }

    /** A batch without table options. */
    public WriteBatch(String table, Schema schema, List<FramePacket> packets) {
        this(table, schema, packets, Map.of());
    }

    /** A batch of one packet, without table options. */
    public static WriteBatch of(FramePacket packet) {
        return new WriteBatch(packet.table(), packet.schema(), List.of(packet));
    }

    public long rowCount() {
        long n = 0;
        for (FramePacket p : packets) {
            n += p.rowCount();
        }
        return n;
    }
}
