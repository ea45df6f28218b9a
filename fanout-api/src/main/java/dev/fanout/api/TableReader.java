package dev.fanout.api;

import java.util.List;
import java.util.Optional;

/**
 * Reads back what a writer stored, so its destination can be the source of a migration (and so a
 * migration can verify its target). Obtained from {@link BaseWriter#reader()} and used on the
 * writer's thread, over the writer's own connection: no second connection, no second lock.
 *
 * <p>Rows come back as {@link FramePacket}s that keep each row's stored version
 * ({@code _fanout_version}), so writing them into another destination upserts exactly as the
 * original ingest did, and a newer row already there is never overwritten.
 *
 * <p>Engines that merge in the background (ClickHouse) read with their deduplicating mode
 * ({@code FINAL}): one row per key, the newest.
 */
public interface TableReader {

    /** The fanout-managed tables stored at this destination, sorted by name. */
    List<String> tables() throws WriteException;

    /** The stored schema of {@code table} (key and versions as written), empty when the table does not exist. */
    Optional<Schema> schema(String table) throws WriteException;

    /** Rows of {@code table} inside {@code rows}; 0 when the table does not exist. */
    long count(String table, RowFilter rows) throws WriteException;

    /**
     * Streams the rows of {@code table} inside {@code rows} in primary-key order, starting after
     * {@code afterKey} (exclusive; the key columns' values in key order) when given, as packets of at
     * most {@code batchRows} rows. Stops early when {@code sink} returns false.
     */
    void scan(String table, RowFilter rows, Optional<List<Object>> afterKey, int batchRows, PacketSink sink)
            throws WriteException;

    /** Deletes the rows of {@code table} inside {@code rows} (the whole table's rows for {@link RowFilter#all()}); returns how many. */
    long delete(String table, RowFilter rows) throws WriteException;

    /**
     * The optional {@link Capability#EXPORT_ROWS} capability: key ranges of this reader's tables
     * written as bytes in the fanout row stream format, for a migration to another engine. Empty
     * (the default) when the engine cannot; a migration then {@link #scan scans}.
     */
    default Optional<RowExport> rowExport() {
        return Optional.empty();
    }

    /** Receives scanned packets in key order. */
    @FunctionalInterface
    interface PacketSink {
        /** @return false to stop the scan */
        boolean accept(FramePacket packet) throws WriteException;
    }
}
