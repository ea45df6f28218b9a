package dev.fanout.api;

import java.util.List;
import java.util.Optional;

/**
 * A writer's copy of rows from another destination of its own plugin, done by the engine itself
 * ({@link Capability#COPY_FROM_SAME_ENGINE}): a migration between two files or databases of one engine
 * would otherwise read every row out through {@link TableReader#scan}, turn it into Java values and
 * write it back through {@link BaseWriter#write}, then read both ends again to verify — several
 * times slower than the engine's own {@code INSERT … SELECT}. Only the migration uses it; ingest
 * never does.
 *
 * <p><b>Lifecycle</b>, all calls on the writer's thread, between the target writer's
 * {@link BaseWriter#open()} and {@link BaseWriter#close()}:
 * <ol>
 *   <li>The caller closes every writer of its own that holds the source: the engine may allow one
 *       handle per file or database in a process (DuckDB does), and the source is reached through
 *       the target's connection instead.</li>
 *   <li>{@link #attach} makes the source readable, read-only, from the target's connection.</li>
 *   <li>{@link Attached#copyRange} any number of times, each call one transaction at the target and
 *       one resume point for the caller; then {@link Attached#compare}.</li>
 *   <li>{@link Attached#close()} detaches the source; only after it may the source be opened
 *       again (e.g. to delete the rows that verified).</li>
 * </ol>
 *
 * <p><b>Guarantees</b>, the same as the streaming path: rows keep their stored versions; a copied row
 * replaces a target row only when its version is greater or equal (so rows written at the target
 * since, in a newer version, are kept); the target table is created or evolved first with the
 * writer's own rules (new columns nullable, widening only); a failed {@code copyRange} leaves none of
 * its range visible.
 */
public interface SameEngineCopy {

    /**
     * Whether the engine can reach {@code source}, a destination of this writer's plugin, from the
     * target's connection (e.g. ClickHouse: a database of the same server); when it cannot, the
     * migration streams the rows instead. Opens nothing and never fails.
     */
    default boolean reaches(Destination source) {
        return true;
    }

    /**
     * Attaches {@code source}, a destination of this writer's plugin, read-only.
     *
     * @throws WriteException naming the source when it cannot be attached (missing, held by another
     *                        process, another engine); never carrying a secret
     */
    Attached attach(Destination source) throws WriteException;

    /** An attached source; {@link #close()} detaches it. */
    interface Attached extends AutoCloseable {

        /** The source's stored schema of {@code table}, as {@link TableReader#schema} gives it; empty when it has no such table. */
        Optional<Schema> schema(String table) throws WriteException;

        /**
         * Copies the next source rows of {@code table} inside {@code rows}, in key order after
         * {@code afterKey} (exclusive; key values as {@link TableReader#scan} takes them) when given,
         * at most {@code maxRows}, in one transaction at the target, creating or evolving the target
         * table first.
         *
         * @return the last key copied and the rows of the range; empty when no source row is left
         */
        Optional<CopiedRange> copyRange(String table, RowFilter rows, Optional<List<Object>> afterKey, int maxRows)
                throws WriteException;

        /** Compares the rows of {@code table} inside {@code rows} at the source and the target, key by key. */
        RowComparison compare(String table, RowFilter rows) throws WriteException;

        /** Detaches the source; safe to call more than once. */
        @Override
        void close() throws WriteException;
    }

    /**
     * A committed range.
     *
     * @param lastKey its last key's values, in key order, typed as {@link LogicalType#javaClass()} says
     * @param rows    the source rows it held
     */
    record CopiedRange(List<Object> lastKey, long rows) {
        public CopiedRange {
            lastKey = List.copyOf(lastKey);
        }
    }

    /**
     * Source and target rows compared key by key, with the meaning of the migration's verification:
     * a source row is equal (same version, same values), newer at the target, missing there, older
     * there, or different in the same version. Values compare as the streaming verification does:
     * by column name, a null and an absent column alike, a widened number equal to the narrower one.
     *
     * @param sourceChecksum an order-independent sum of the source rows' hashes (key, version and values), engine-defined
     * @param targetChecksum the same over the target's rows; equal to {@code sourceChecksum} when the parts are identical
     */
    record RowComparison(long sourceRows, long targetRows, long equal, long newerAtTarget, long missing, long older,
                         long different, long sourceChecksum, long targetChecksum) {
    }
}
