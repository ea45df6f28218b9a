package dev.fanout.core.migrate;

import dev.fanout.api.FramePacket;
import dev.fanout.api.RowFilter;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteException;
import java.util.List;
import java.util.Optional;

/**
 * A key-ordered {@link TableReader#scan} running on a thread of its own and handed over packet by
 * packet through a queue of {@value #QUEUED} packets ({@link HandOff}): the caller writes or compares
 * one batch while the next is read, and memory stays bounded by a few batches. The reader is used
 * only by that thread while the stream is open, so a writer is never called from two threads at once.
 */
final class ScanStream implements AutoCloseable {

    static final int QUEUED = 2;

    private final HandOff<FramePacket> packets;

    ScanStream(String name, TableReader reader, String table, RowFilter rows, Optional<List<Object>> afterKey, int batchRows) {
        packets = new HandOff<>("fanout-migrate-scan-" + name, QUEUED, "the scan",
                sink -> reader.scan(table, rows, afterKey, batchRows, packet -> {
                    sink.put(packet);
                    return !sink.cancelled();
                }));
    }

    /** The next packet in key order, or null after the last. */
    FramePacket next() throws WriteException {
        return packets.next();
    }

    /** Stops the scan (at its next packet) and waits for its thread, so the reader is free again. */
    @Override
    public void close() {
        packets.close();
    }
}
