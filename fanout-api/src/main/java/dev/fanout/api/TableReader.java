package dev.fanout.api;

import java.util.List;
import java.util.Optional;
import java.util.Set;

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
 *
 * <p><b>Digests inside the engine</b> (optional: {@link #digestsRows()}, {@link #bucketDigests},
 * {@link #rowDigests}). A reader whose engine can compute {@link RowDigest}'s canonical digests in its
 * own SQL lets a migration verify without reading every row into the process: when both ends of a
 * move digest rows, the verification asks each for its per-bucket digests of the part, compares
 * them, and asks each for the rows of the buckets that differ only, joined key by key. Lifecycle as
 * for every method here: on the writer's thread (or the one thread the caller lends the reader to),
 * between the writer's {@code open} and {@code close}, one call at a time. A reader that does not
 * implement them keeps the streaming verification of its {@link #scan}.
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

    /**
     * Whether this reader implements {@link #bucketDigests} and {@link #rowDigests} by
     * {@link RowDigest}'s specification. Opens nothing and never fails; false unless overridden.
     */
    default boolean digestsRows() {
        return false;
    }

    /**
     * The {@link RowDigest.Bucket} digests of {@code table}'s rows inside {@code rows}, among
     * {@code buckets} buckets, computed by the engine in one query (buckets with no row left out; an
     * empty list when the table does not exist); rows as {@link #scan} sees them (one per key, the
     * newest).
     *
     * @return empty when this reader cannot digest this table (e.g. a column type whose canonical text
     *         the engine cannot compute exactly); the caller then compares the rows from {@link #scan}
     */
    default Optional<List<RowDigest.Bucket>> bucketDigests(String table, RowFilter rows, int buckets) throws WriteException {
        return Optional.empty();
    }

    /**
     * Streams the {@link RowDigest.Row}s of {@code table}'s rows inside {@code rows} whose bucket among
     * {@code buckets} is in {@code ofBuckets}, in {@link RowDigest#ORDER}, computed by the engine;
     * rows as {@link #scan} sees them. Stops early when {@code sink} returns false. Nothing for a
     * table that does not exist.
     *
     * @throws UnsupportedOperationException when {@link #digestsRows()} is false
     */
    default void rowDigests(String table, RowFilter rows, int buckets, Set<Integer> ofBuckets, RowDigest.RowSink sink)
            throws WriteException {
        throw new UnsupportedOperationException(getClass().getName() + " does not digest rows");
    }

    /** Receives scanned packets in key order. */
    @FunctionalInterface
    interface PacketSink {
        /** @return false to stop the scan */
        boolean accept(FramePacket packet) throws WriteException;
    }
}
