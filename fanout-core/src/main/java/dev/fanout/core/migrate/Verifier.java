package dev.fanout.core.migrate;

import dev.fanout.api.FramePacket;
import dev.fanout.api.RowDigest;
import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Compares one table part at two destinations.
 *
 * <p><b>By digests</b>, when both readers {@link TableReader#digestsRows() digest rows}: each engine
 * computes per bucket of keys the rows and the sum of their {@link RowDigest} row digests in one query
 * (the source's on a thread of its own, the target's on the calling thread, so each reader is used by
 * one thread at a time); buckets that agree count as equal rows, and only the rows of buckets that
 * differ are read, as (key, version, content digest) in {@link RowDigest#ORDER}, and merge-joined as
 * below. A reader that cannot digest the table ({@link TableReader#bucketDigests} empty) makes the
 * comparison stream.
 *
 * <p><b>Streaming</b> otherwise: a merge join of the two key-ordered scans, each streamed on its own
 * thread ({@link ScanStream}): memory stays bounded by a few batches whatever the table's size, and
 * every row is looked at once on each side. Rows of one key and version compare by their 64-bit
 * {@link RowFingerprint#content} hashes.
 *
 * <p>Both give the same counts: a source row is equal (same version, same values by column name,
 * nulls and absent columns alike, a whole float64 equal to the integer), newer at the target,
 * missing there, older there, or different in the same version.
 */
final class Verifier {

    /** Buckets of keys a comparison by digests sums over: a few rows that differ make few buckets read. */
    static final int DIGEST_BUCKETS = 4096;

    private Verifier() {
    }

    /**
     * @throws WriteException (permanent) when the two tables' keys differ column for column — e.g. the
     *                        same columns in another order, which the writers accept in a batch — as
     *                        their scans cannot be merged key by key
     */
    static Verification verify(String table, RowFilter rows, TableReader source, TableReader target, int batchRows)
            throws WriteException {
        return verify(table, rows, source, target, batchRows, true);
    }

    /** The same, streaming both scans even when both readers digest rows when {@code mayDigest} is false (so tests compare the two). */
    static Verification verify(String table, RowFilter rows, TableReader source, TableReader target, int batchRows, boolean mayDigest)
            throws WriteException {
        Optional<Schema> sourceSchema = source.schema(table);
        Optional<Schema> targetSchema = target.schema(table);
        if (sourceSchema.isPresent() && targetSchema.isPresent()
                && !sameKey(sourceSchema.get().primaryKey(), targetSchema.get().primaryKey())) {
            throw WriteException.permanent(table, null, "table " + table + ": the target's key " + targetSchema.get().primaryKey()
                    + " is not the source's " + sourceSchema.get().primaryKey() + " column for column, so their key-ordered scans"
                    + " cannot be merged to compare them; migrate into a table keyed like the source, in the same order");
        }
        if (mayDigest && source.digestsRows() && target.digestsRows()) {
            Optional<Verification> byDigests = byDigests(table, rows, sourceSchema.isPresent() ? source : null,
                    targetSchema.isPresent() ? target : null);
            if (byDigests.isPresent()) {
                return byDigests.get();
            }
        }
        try (Side s = Side.open("source", sourceSchema.isPresent() ? source : null, table, rows, batchRows);
             Side t = Side.open("target", targetSchema.isPresent() ? target : null, table, rows, batchRows)) {
            long equal = 0;
            long newer = 0;
            long missing = 0;
            long older = 0;
            long different = 0;
            boolean hasS = s.advance();
            boolean hasT = t.advance();
            while (hasS || hasT) {
                int c = !hasS ? 1 : !hasT ? -1 : KeyOrder.INSTANCE.compare(s.key, t.key);
                if (c < 0) {
                    missing++;
                    hasS = s.advance();
                } else if (c > 0) {
                    hasT = t.advance();
                } else {
                    if (t.version > s.version) {
                        newer++;
                    } else if (t.version < s.version) {
                        older++;
                    } else if (s.content == t.content) {
                        equal++;
                    } else {
                        different++;
                    }
                    hasS = s.advance();
                    hasT = t.advance();
                }
            }
            return new Verification(s.rows, t.rows, equal, newer, missing, older, different, s.checksum, t.checksum, false,
                    s.rows + t.rows);
        }
    }

    /**
     * The comparison by digests; empty when either reader cannot digest the table. A null reader
     * stands for a table that does not exist at that end.
     */
    private static Optional<Verification> byDigests(String table, RowFilter rows, TableReader source, TableReader target)
            throws WriteException {
        CompletableFuture<Optional<List<RowDigest.Bucket>>> atSourceLater = new CompletableFuture<>();
        Thread sourceThread = new Thread(() -> {
            try {
                atSourceLater.complete(source == null ? Optional.of(List.of()) : source.bucketDigests(table, rows, DIGEST_BUCKETS));
            } catch (WriteException | RuntimeException | Error e) {
                atSourceLater.completeExceptionally(e);
            }
        }, "fanout-verify-buckets-source");
        sourceThread.setDaemon(true);
        sourceThread.start();
        Optional<List<RowDigest.Bucket>> atTarget;
        try {
            atTarget = target == null ? Optional.of(List.of()) : target.bucketDigests(table, rows, DIGEST_BUCKETS);
        } finally {
            join(sourceThread);
        }
        Optional<List<RowDigest.Bucket>> atSource = sourceBuckets(atSourceLater);
        if (atSource.isEmpty() || atTarget.isEmpty()) {
            return Optional.empty();
        }
        Map<Integer, RowDigest.Bucket> there = new HashMap<>();
        long targetChecksum = 0;
        for (RowDigest.Bucket b : atTarget.get()) {
            there.put(b.bucket(), b);
            targetChecksum += b.digestSum();
        }
        long sourceChecksum = 0;
        long agreeing = 0;
        Set<Integer> differing = new TreeSet<>();
        for (RowDigest.Bucket b : atSource.get()) {
            sourceChecksum += b.digestSum();
            RowDigest.Bucket t = there.remove(b.bucket());
            if (t != null && t.rows() == b.rows() && t.digestSum() == b.digestSum()) {
                agreeing += b.rows();
            } else {
                differing.add(b.bucket());
            }
        }
        differing.addAll(there.keySet());
        long sourceRows = agreeing;
        long targetRows = agreeing;
        long equal = agreeing;
        long newer = 0;
        long missing = 0;
        long older = 0;
        long different = 0;
        if (!differing.isEmpty()) {
            try (DigestStream s = stream("source", source, table, rows, differing);
                 DigestStream t = stream("target", target, table, rows, differing)) {
                RowDigest.Row sr = next(s);
                RowDigest.Row tr = next(t);
                while (sr != null || tr != null) {
                    int c = sr == null ? 1 : tr == null ? -1 : RowDigest.ORDER.compare(sr, tr);
                    if (c < 0) {
                        missing++;
                    } else if (c > 0) {
                        targetRows++;
                    } else {
                        targetRows++;
                        if (tr.version() > sr.version()) {
                            newer++;
                        } else if (tr.version() < sr.version()) {
                            older++;
                        } else if (tr.contentDigest() == sr.contentDigest()) {
                            equal++;
                        } else {
                            different++;
                        }
                    }
                    if (c <= 0) {
                        sourceRows++;
                        sr = next(s);
                    }
                    if (c >= 0) {
                        tr = next(t);
                    }
                }
            }
        }
        long rowsRead = sourceRows + targetRows - 2 * agreeing;
        return Optional.of(new Verification(sourceRows, targetRows, equal, newer, missing, older, different, sourceChecksum,
                targetChecksum, true, rowsRead));
    }

    private static DigestStream stream(String role, TableReader reader, String table, RowFilter rows, Set<Integer> buckets) {
        return reader == null ? null : new DigestStream(role, reader, table, rows, DIGEST_BUCKETS, buckets);
    }

    private static RowDigest.Row next(DigestStream stream) throws WriteException {
        return stream == null ? null : stream.next();
    }

    private static Optional<List<RowDigest.Bucket>> sourceBuckets(CompletableFuture<Optional<List<RowDigest.Bucket>>> later)
            throws WriteException {
        try {
            return later.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WriteException.retryable("interrupted while waiting for the source's row digests", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WriteException w) {
                throw w;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw (Error) cause;
        }
    }

    /** Waits for the source's thread, so its reader is free again whatever happened at the target. */
    private static void join(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether two keys name the same columns in the same order (column names compared as DuckDB does, ignoring case). */
    private static boolean sameKey(List<String> a, List<String> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).equalsIgnoreCase(b.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** One side's scan as a cursor over rows, checking that keys strictly increase. */
    private static final class Side implements AutoCloseable {
        private final String role;
        private final String table;
        private final ScanStream stream;
        private FramePacket packet;
        private Schema schema;
        private int[] keyIndexes;
        private RowFingerprint fingerprint;
        private int row;
        List<Object> key;
        long version;
        long content;
        long rows;
        long checksum;

        private Side(String role, String table, ScanStream stream) {
            this.role = role;
            this.table = table;
            this.stream = stream;
        }

        /** A cursor over {@code reader}'s rows of the part; over none when {@code reader} is null (the table does not exist). */
        static Side open(String role, TableReader reader, String table, RowFilter rows, int batchRows) {
            return new Side(role, table, reader == null ? null : new ScanStream(role, reader, table, rows, Optional.empty(), batchRows));
        }

        boolean advance() throws WriteException {
            while (packet == null || ++row >= packet.rowCount()) {
                packet = stream == null ? null : stream.next();
                if (packet == null) {
                    return false;
                }
                row = -1;
                if (!packet.schema().equals(schema)) {
                    schema = packet.schema();
                    keyIndexes = schema.keyIndexes();
                    fingerprint = new RowFingerprint(schema);
                }
            }
            List<Object> next = KeyOrder.key(packet, row, keyIndexes);
            if (key != null && KeyOrder.INSTANCE.compare(key, next) >= 0) {
                throw WriteException.permanent("table " + table + ": the " + role + " scan returned key " + next + " after " + key
                        + ", not in key order; cannot verify", null);
            }
            key = next;
            version = packet.rowVersion(row);
            content = fingerprint.content(packet, row);
            rows++;
            checksum += RowFingerprint.row(version, content);
            return true;
        }

        @Override
        public void close() {
            if (stream != null) {
                stream.close();
            }
        }
    }
}
