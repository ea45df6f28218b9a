package dev.fanout.core.migrate;

import dev.fanout.api.FramePacket;
import dev.fanout.api.RowFilter;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A key-ordered {@link TableReader#scan} running on a thread of its own and handed over packet by
 * packet through a queue of {@value #QUEUED} packets: the caller writes or compares one batch while
 * the next is read, and memory stays bounded by a few batches. The reader is used only by that thread
 * while the stream is open, so a writer is never called from two threads at once.
 */
final class ScanStream implements AutoCloseable {

    static final int QUEUED = 2;
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUED);
    private final Thread thread;
    private volatile boolean cancelled;
    private boolean ended;

    ScanStream(String name, TableReader reader, String table, RowFilter rows, Optional<List<Object>> afterKey, int batchRows) {
        thread = new Thread(() -> {
            Object last = END;
            try {
                reader.scan(table, rows, afterKey, batchRows, packet -> {
                    put(packet);
                    return !cancelled;
                });
            } catch (InterruptedScan e) {
                return;
            } catch (WriteException | RuntimeException | Error e) {
                // an Error too (e.g. a LinkageError of a plugin's class loader): else next() would wait forever
                last = e;
            }
            try {
                put(last);
            } catch (InterruptedScan ignored) {
                // the consumer left
            }
        }, "fanout-migrate-scan-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** The next packet in key order, or null after the last. */
    FramePacket next() throws WriteException {
        if (ended) {
            return null;
        }
        Object item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WriteException.retryable("interrupted while waiting for the scan", e);
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
        return (FramePacket) item;
    }

    private void put(Object item) {
        try {
            while (!queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                if (cancelled) {
                    throw new InterruptedScan();
                }
            }
        } catch (InterruptedException e) {
            throw new InterruptedScan();
        }
    }

    /** Stops the scan (at its next packet) and waits for its thread, so the reader is free again. */
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

    /** Unwinds the scan thread when the consumer has gone. */
    private static final class InterruptedScan extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InterruptedScan() {
            super(null, null, false, false);
        }
    }
}
