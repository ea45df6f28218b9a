package dev.fanout.core.migrate;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Bytes from one thread to another through a queue of at most {@value #BLOCKS} blocks of up to
 * {@value #BLOCK} bytes: a source's row export writes the {@link #sink()} while the target's load
 * reads the {@link #source()}, so both run at once and memory stays bounded by a few blocks.
 *
 * <p>Either side can stop the other: the writer {@link Sink#fail fails} the pipe (the reader's next
 * read throws an {@link IOException} carrying that cause) or closes it (the reader sees the end
 * after the last block); the reader closes its side (the writer's next write throws). Which side
 * stopped first is kept ({@link #failedBySink()}), so the caller reports the cause, not its echo.
 */
final class RowPipe {

    static final int BLOCK = 256 << 10;
    static final int BLOCKS = 8;
    private static final byte[] END = new byte[0];

    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(BLOCKS);
    private final Sink sink = new Sink();
    private final Source source = new Source();
    private volatile Throwable sinkFailure;
    private volatile boolean sourceClosed;

    Sink sink() {
        return sink;
    }

    InputStream source() {
        return source;
    }

    /** Whether the writing side failed the pipe on its own (not because the reader had gone). */
    boolean failedBySink() {
        return sinkFailure != null;
    }

    /** The writing side: buffers into blocks and hands each full one over. */
    final class Sink extends OutputStream {
        private byte[] block = new byte[BLOCK];
        private int pos;
        private boolean closed;

        @Override
        public void write(int b) throws IOException {
            if (pos == block.length) {
                handOver();
            }
            block[pos++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int left = len;
            int from = off;
            while (left > 0) {
                if (pos == block.length) {
                    handOver();
                }
                int n = Math.min(left, block.length - pos);
                System.arraycopy(b, from, block, pos, n);
                pos += n;
                from += n;
                left -= n;
            }
        }

        private void handOver() throws IOException {
            if (closed) {
                throw new IOException("the row stream was closed");
            }
            byte[] full = pos == block.length ? block : Arrays.copyOf(block, pos);
            put(full, false);
            block = new byte[BLOCK];
            pos = 0;
        }

        /** Ends the stream after what was written: the reader sees its end. */
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            if (pos > 0) {
                handOver();
            }
            closed = true;
            put(END, true);
        }

        /** Ends the stream with {@code cause}: the reader's next read throws. */
        void fail(Throwable cause) {
            if (closed) {
                return;
            }
            closed = true;
            sinkFailure = cause;
            queue.clear();
            queue.offer(END);
        }

        /**
         * Queues {@code b}, waiting while the queue is full; throws once the reader has closed its side.
         * The end is not checked after it is queued: a reader that read it may close before this thread
         * looks again, and one that stopped before it reports its own failure; failing the writer there
         * made a range that had been loaded whole be sent again.
         */
        private void put(byte[] b, boolean end) throws IOException {
            try {
                while (!queue.offer(b, 100, TimeUnit.MILLISECONDS)) {
                    if (sourceClosed) {
                        throw new IOException("the target stopped reading the row stream");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while handing over the row stream");
            }
            if (sourceClosed && !end) {
                throw new IOException("the target stopped reading the row stream");
            }
        }
    }

    /** The reading side. */
    private final class Source extends InputStream {
        private byte[] block;
        private int pos;
        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (block == null || pos == block.length) {
                if (ended) {
                    return -1;
                }
                if (sourceClosed) {
                    throw new IOException("the row stream was closed");
                }
                try {
                    block = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading the row stream");
                }
                pos = 0;
                if (block == END) {
                    Throwable failure = sinkFailure;
                    if (failure != null) {
                        throw new IOException("the source stopped sending rows: " + failure.getMessage(), failure);
                    }
                    ended = true;
                    return -1;
                }
            }
            int n = Math.min(len, block.length - pos);
            System.arraycopy(block, pos, b, off, n);
            pos += n;
            return n;
        }

        /** Stops reading: the writer's next hand-over throws. */
        @Override
        public void close() {
            sourceClosed = true;
            queue.clear();
        }
    }
}
