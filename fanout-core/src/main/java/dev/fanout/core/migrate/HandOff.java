package dev.fanout.core.migrate;

import dev.fanout.api.WriteException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Items made by a producer on a thread of its own and handed to one consumer through a queue of a
 * few items: the consumer works on one item while the next is made, and memory stays bounded by the
 * queue. What the producer throws reaches the consumer in order, after the items made before it.
 * The producer's reader is used only by that thread while the hand-off is open, so a writer is
 * never called from two threads at once. {@link #close()} stops the producer at its next item and
 * waits for its thread.
 */
final class HandOff<T> implements AutoCloseable {

    /** Makes the items; called once, on the hand-off's thread. */
    @FunctionalInterface
    interface Producer<T> {
        void produce(Sink<T> sink) throws WriteException;
    }

    /** Where the producer puts its items. */
    interface Sink<T> {
        /** Waits for room in the queue; unwinds the producer when the consumer has gone. */
        void put(T item);

        /** Whether the consumer has gone: the producer should stop. */
        boolean cancelled();
    }

    private static final Object END = new Object();

    private final BlockingQueue<Object> queue;
    private final String waitingFor;
    private final Thread thread;
    private volatile boolean cancelled;
    private boolean ended;

    /**
     * @param threadName the producer thread's name
     * @param queued     how many items may wait
     * @param waitingFor what the consumer waits for, for the message when it is interrupted
     */
    HandOff(String threadName, int queued, String waitingFor, Producer<T> producer) {
        this.queue = new ArrayBlockingQueue<>(queued);
        this.waitingFor = waitingFor;
        Sink<T> sink = new Sink<>() {
            @Override
            public void put(T item) {
                offer(item);
            }

            @Override
            public boolean cancelled() {
                return cancelled;
            }
        };
        thread = new Thread(() -> {
            Object last = END;
            try {
                producer.produce(sink);
            } catch (Stopped e) {
                return;
            } catch (WriteException | RuntimeException | Error e) {
                // an Error too (e.g. a LinkageError of a plugin's class loader): else next() would wait forever
                last = e;
            }
            try {
                offer(last);
            } catch (Stopped ignored) {
                // the consumer left
            }
        }, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** The next item, or null after the last; rethrows what the producer threw, in its place. */
    @SuppressWarnings("unchecked")
    T next() throws WriteException {
        if (ended) {
            return null;
        }
        Object item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WriteException.retryable("interrupted while waiting for " + waitingFor, e);
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
        return (T) item;
    }

    private void offer(Object item) {
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

    /** Stops the producer (at its next item) and waits for its thread, so its reader is free again. */
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

    /** Unwinds the producer's thread when the consumer has gone. */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super(null, null, false, false);
        }
    }
}
