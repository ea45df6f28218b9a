package dev.fanout.core.migrate;

import dev.fanout.api.RowDigest;
import dev.fanout.api.RowFilter;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TableReader#rowDigests} drill-down running on a thread of its own, handed over in chunks of
 * {@value #CHUNK} rows through a queue of {@value #QUEUED} chunks, as {@link ScanStream} hands over
 * a scan: both ends of a comparison are read at once, memory stays bounded, and the reader is used
 * only by that thread while the stream is open. Checks that rows arrive in {@link RowDigest#ORDER}.
 */
final class DigestStream implements AutoCloseable {

    static final int CHUNK = 4096;
    static final int QUEUED = 4;
    private static final Object END = new Object();

    private final String role;
    private final String table;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUED);
    private final Thread thread;
    private volatile boolean cancelled;
    private boolean ended;
    private List<?> chunk = List.of();
    private int next;
    private RowDigest.Row last;

    DigestStream(String role, TableReader reader, String table, RowFilter rows, int buckets, Set<Integer> ofBuckets) {
        this.role = role;
        this.table = table;
        thread = new Thread(() -> {
            Object end = END;
            try {
                List<List<RowDigest.Row>> pending = new ArrayList<>(1);
                pending.add(new ArrayList<>(CHUNK));
                reader.rowDigests(table, rows, buckets, ofBuckets, row -> {
                    pending.get(0).add(row);
                    if (pending.get(0).size() == CHUNK) {
                        put(pending.get(0));
                        pending.set(0, new ArrayList<>(CHUNK));
                    }
                    return !cancelled;
                });
                if (!pending.get(0).isEmpty()) {
                    put(pending.get(0));
                }
            } catch (Stopped e) {
                return;
            } catch (WriteException | RuntimeException | Error e) {
                end = e;
            }
            try {
                put(end);
            } catch (Stopped ignored) {
                // the consumer left
            }
        }, "fanout-verify-digests-" + role);
        thread.setDaemon(true);
        thread.start();
    }

    /** The next row in {@link RowDigest#ORDER}, or null after the last. */
    RowDigest.Row next() throws WriteException {
        while (next >= chunk.size()) {
            if (ended) {
                return null;
            }
            Object item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw WriteException.retryable("interrupted while waiting for the " + role + "'s row digests", e);
            }
            if (item == END) {
                ended = true;
                return null;
            }
            if (item instanceof WriteException e) {
                ended = true;
                throw e;
            }
            if (item instanceof RuntimeException e) {
                ended = true;
                throw e;
            }
            if (item instanceof Error e) {
                ended = true;
                throw e;
            }
            chunk = (List<?>) item;
            next = 0;
        }
        RowDigest.Row row = (RowDigest.Row) chunk.get(next++);
        if (last != null && RowDigest.ORDER.compare(last, row) >= 0) {
            throw WriteException.permanent("table " + table + ": the " + role + "'s row digests came in the wrong order (key "
                    + row.keyText() + " after " + last.keyText() + "); its plugin does not follow RowDigest's order, cannot verify", null);
        }
        last = row;
        return row;
    }

    private void put(Object item) {
        try {
            while (!queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                if (cancelled) {
                    throw new Stopped();
                }
            }
        } catch (InterruptedException e) {
            throw new Stopped();
        }
    }

    /** Stops the drill-down (at its next row) and waits for its thread, so the reader is free again. */
    @Override
    public void close() {
        cancelled = true;
        queue.clear();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Unwinds the drill-down thread when the consumer has gone. */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super(null, null, false, false);
        }
    }
}
