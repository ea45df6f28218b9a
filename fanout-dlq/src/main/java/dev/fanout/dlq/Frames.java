package dev.fanout.dlq;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Record framing in a table file: {@code "FDLQ"}, the payload's format version byte ({@link PayloadCodec}), the payload length (int32,
 * big-endian), the CRC32C of the payload (int32), the payload. A frame is valid when all of it is in
 * the file and the checksum matches; anything else is skipped by scanning for the next valid frame, so
 * one bad record never hides the records after it.
 */
final class Frames {

    static final int HEADER_BYTES = 13;
    private static final byte[] MAGIC = {'F', 'D', 'L', 'Q'};
    private static final int SEARCH_CHUNK = 64 * 1024;

    private Frames() {
    }

    /** One valid frame: where it starts, its format version and its payload. */
    record Frame(long offset, int version, byte[] payload) {
        long end() {
            return offset + HEADER_BYTES + payload.length;
        }
    }

    /** Receives each valid frame in file order. */
    @FunctionalInterface
    interface Visitor {
        void frame(Frame frame) throws IOException;
    }

    /**
     * What a scan found besides the frames.
     *
     * @param cleanEnd     the end of the last valid frame: where the next append belongs
     * @param corruptBytes bytes skipped between valid frames (damage, not a crash)
     * @param tornTailBytes bytes after the last valid frame: a record cut short by a crash or still being written
     */
    record Scan(long cleanEnd, long corruptBytes, long tornTailBytes) {
    }

    /** The frame of {@code payload}, written in format {@code version} (1 to 255). */
    static ByteBuffer[] frame(int version, byte[] payload) {
        if (version < 1 || version > 255) {
            throw new IllegalArgumentException("format version " + version + " does not fit the version byte");
        }
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.put(MAGIC).put((byte) version).putInt(payload.length).putInt((int) crc.getValue()).flip();
        return new ByteBuffer[] {header, ByteBuffer.wrap(payload)};
    }

    /** Visits every valid frame in {@code [0, limit)}; {@code file} only names the file in log messages. */
    static Scan scan(FileChannel channel, long limit, Path file, Visitor visitor) throws IOException {
        long pos = 0;
        long corrupt = 0;
        while (pos < limit) {
            Frame f = read(channel, pos, limit);
            if (f != null) {
                visitor.frame(f);
                pos = f.end();
                continue;
            }
            long next = nextFrame(channel, pos + 1, limit);
            if (next < 0) {
                return new Scan(pos, corrupt, limit - pos);
            }
            DeadLetterStore.LOG.log(System.Logger.Level.WARNING, "dead-letter file {0}: skipped {1} unreadable bytes at offset {2}"
                    + " (checksum or framing mismatch); the records after them are intact", file, next - pos, pos);
            corrupt += next - pos;
            pos = next;
        }
        return new Scan(pos, corrupt, 0);
    }

    /** The valid frame at {@code pos}, or null when there is none there. */
    static Frame read(FileChannel channel, long pos, long limit) throws IOException {
        if (limit - pos < HEADER_BYTES) {
            return null;
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        if (!readFully(channel, header, pos)) {
            return null;
        }
        header.flip();
        for (byte m : MAGIC) {
            if (header.get() != m) {
                return null;
            }
        }
        int version = header.get() & 0xff;
        int length = header.getInt();
        int expectedCrc = header.getInt();
        if (version == 0 || length < 0 || length > limit - pos - HEADER_BYTES) {
            return null;
        }
        byte[] payload = new byte[length];
        if (!readFully(channel, ByteBuffer.wrap(payload), pos + HEADER_BYTES)) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return (int) crc.getValue() == expectedCrc ? new Frame(pos, version, payload) : null;
    }

    private static long nextFrame(FileChannel channel, long from, long limit) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(SEARCH_CHUNK);
        long base = from;
        while (base < limit) {
            chunk.clear().limit((int) Math.min(SEARCH_CHUNK, limit - base));
            int n = channel.read(chunk, base);
            if (n <= 0) {
                return -1;
            }
            for (int i = 0; i < n; i++) {
                if (chunk.get(i) == MAGIC[0] && read(channel, base + i, limit) != null) {
                    return base + i;
                }
            }
            base += n;
        }
        return -1;
    }

    private static boolean readFully(FileChannel channel, ByteBuffer buffer, long pos) throws IOException {
        long at = pos;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                return false;
            }
            at += n;
        }
        return true;
    }
}
