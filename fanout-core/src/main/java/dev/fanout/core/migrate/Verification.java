package dev.fanout.core.migrate;

/**
 * The rows of a move compared at source and target, key by key. Strict where it matters — every
 * source row must be at the target with the same content, or with a newer version (live ingest
 * through the new topology may legitimately have overtaken it) — and tolerant of rows only the
 * target has.
 *
 * @param sourceRows     rows of the move's part at the source
 * @param targetRows     rows of that part at the target
 * @param equal          source rows present at the target with the same version and content
 * @param newerAtTarget  source rows the target holds in a newer version
 * @param missing        source rows whose key the target lacks
 * @param older          source rows the target holds in an older version
 * @param different      source rows the target holds in the same version with other content
 * @param sourceChecksum sum of the rows' 64-bit hashes of key, version and values, at the source: when
 *                       {@code byDigests}, the sum of their {@link dev.fanout.api.RowDigest} row digests
 *                       (modulo 2^64), else of the streaming comparison's own hashes, or the engine's
 * @param targetChecksum the same at the target; equal to {@code sourceChecksum} when the parts are identical
 * @param byDigests      whether both ends computed {@link dev.fanout.api.RowDigest} digests per bucket of keys in
 *                       their engines, and only the rows of buckets that differ were read into this process
 * @param rowsRead       rows read into this process to be compared key by key, both ends together: every row
 *                       of both scans when streamed, those of differing buckets when {@code byDigests}, none
 *                       when an engine compared them itself
 */
public record Verification(long sourceRows, long targetRows, long equal, long newerAtTarget, long missing, long older,
                           long different, long sourceChecksum, long targetChecksum, boolean byDigests, long rowsRead) {

    /** A comparison an engine did itself ({@link dev.fanout.api.SameEngineCopy.Attached#compare}): no row read into this process. */
    public Verification(long sourceRows, long targetRows, long equal, long newerAtTarget, long missing, long older,
                        long different, long sourceChecksum, long targetChecksum) {
        this(sourceRows, targetRows, equal, newerAtTarget, missing, older, different, sourceChecksum, targetChecksum, false, 0);
    }

    /** Whether every source row is at the target, the same or newer. */
    public boolean passed() {
        return missing == 0 && older == 0 && different == 0;
    }

    /** Target rows whose key the source does not have (written through the new topology only). */
    public long onlyAtTarget() {
        return targetRows - equal - newerAtTarget - older - different;
    }

    /** Missing, older and different rows together: what makes a verification fail. */
    public long mismatched() {
        return missing + older + different;
    }
}
