package dev.fanout.core.migrate;

import dev.fanout.api.RowDigest;
import dev.fanout.api.RowFilter;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A {@link TableReader#rowDigests} drill-down running on a thread of its own, handed over in chunks of
 * {@value #CHUNK} rows through a queue of {@value #QUEUED} chunks ({@link HandOff}, as {@link ScanStream}
 * hands over a scan): both ends of a comparison are read at once, memory stays bounded, and the reader
 * is used only by that thread while the stream is open. Checks that rows arrive in {@link RowDigest#ORDER}.
 */
final class DigestStream implements AutoCloseable {

    static final int CHUNK = 4096;
    static final int QUEUED = 4;

    private final String role;
    private final String table;
    private final HandOff<List<RowDigest.Row>> chunks;
    private List<RowDigest.Row> chunk = List.of();
    private int next;
    private RowDigest.Row last;

    DigestStream(String role, TableReader reader, String table, RowFilter rows, int buckets, Set<Integer> ofBuckets) {
        this.role = role;
        this.table = table;
        chunks = new HandOff<>("fanout-verify-digests-" + role, QUEUED, "the " + role + "'s row digests", sink -> {
            List<List<RowDigest.Row>> pending = new ArrayList<>(1);
            pending.add(new ArrayList<>(CHUNK));
            reader.rowDigests(table, rows, buckets, ofBuckets, row -> {
                pending.get(0).add(row);
                if (pending.get(0).size() == CHUNK) {
                    sink.put(pending.get(0));
                    pending.set(0, new ArrayList<>(CHUNK));
                }
                return !sink.cancelled();
            });
            if (!pending.get(0).isEmpty()) {
                sink.put(pending.get(0));
            }
        });
    }

    /** The next row in {@link RowDigest#ORDER}, or null after the last. */
    RowDigest.Row next() throws WriteException {
        while (next >= chunk.size()) {
            List<RowDigest.Row> item = chunks.next();
            if (item == null) {
                return null;
            }
            chunk = item;
            next = 0;
        }
        RowDigest.Row row = chunk.get(next++);
        if (last != null && RowDigest.ORDER.compare(last, row) >= 0) {
            throw WriteException.permanent("table " + table + ": the " + role + "'s row digests came in the wrong order (key "
                    + row.keyText() + " after " + last.keyText() + "); its plugin does not follow RowDigest's order, cannot verify", null);
        }
        last = row;
        return row;
    }

    /** Stops the drill-down (at its next row) and waits for its thread, so the reader is free again. */
    @Override
    public void close() {
        chunks.close();
    }
}
