package dev.fanout.writer.clickhouse;

import java.nio.charset.StandardCharsets;

/**
 * ClickHouse's own hash functions, computed in Java with exactly the server's results, so that fanout
 * puts a row on the shard a {@code Distributed} table would put it on: the sharding expression is
 * made of these functions, and a key that another client inserts through the {@code Distributed}
 * table lands where fanout looks for it. Checked value by value against ClickHouse 18.16
 * ({@code ShardingHashTest}); each method names the SQL it equals. Results are UInt64 values held in
 * a {@code long} (compare and take remainders with {@link Long#remainderUnsigned}). Stateless.
 */
public final class ShardingHash {

    private ShardingHash() {
    }

    /**
     * {@code intHash64(x)} for a UInt64 {@code x}, also {@code intHash64(toUInt64(x))} for any
     * integer {@code x}: toUInt64 of a negative Int8..Int64 is its two's complement, as Java's widening
     * of a negative int or long to long gives. For a Date pass its day number ({@code toUInt64(date)}),
     * for a DateTime its seconds since the epoch. The server XORs the argument with a constant before
     * MurmurHash3's 64-bit finalizer, so the finalizer alone does not give its results.
     */
    public static long intHash64(long x) {
        x ^= 0x4cf2d2baae6da887L;
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        x *= 0xc4ceb9fe1a85ec53L;
        x ^= x >>> 33;
        return x;
    }

    /** {@code sipHash64(s)} for a String {@code s}: SipHash-2-4 with a zero key over its UTF-8 bytes. */
    public static long sipHash64(String s) {
        return sipHash64(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@code sipHash64(s)} for a String holding the bytes {@code bytes}: SipHash-2-4 with a zero key.
     * On 18.16 {@code sipHash64} of one integer argument is this over its little-endian bytes in the
     * type's width (8 for Int64, 2 for a Date), and {@code sipHash64(a, b)} this over the 16
     * little-endian bytes of {@code sipHash64(a)} and {@code sipHash64(b)}; {@link #combine} is
     * preferred for compound keys, being made of {@code intHash64} alone.
     */
    public static long sipHash64(byte[] bytes) {
        return sipHash64(bytes, 0, bytes.length);
    }

    /**
     * {@code intHash64(bitXor(h1, intHash64(h2)))}: two UInt64 hashes (of two key columns) made one,
     * for compound sharding keys. For more columns nest it from the right:
     * {@code combine(h1, combine(h2, h3))} is {@code intHash64(bitXor(h1, intHash64(intHash64(bitXor(h2, intHash64(h3))))))}.
     */
    public static long combine(long h1, long h2) {
        return intHash64(h1 ^ intHash64(h2));
    }

    /**
     * The 0-based index, in {@code remote_servers} order, of the shard that a {@code Distributed}
     * table sends sharding-key value {@code value} (a UInt64) to: {@code value % (sum of weights)} falls
     * in the shard's range of weights, the first shard taking {@code [0, w1)}, the next
     * {@code [w1, w1 + w2)} and so on.
     *
     * @throws IllegalArgumentException when there is no shard or a weight is not positive
     */
    public static int shard(long value, int... weights) {
        long total = 0;
        for (int w : weights) {
            if (w <= 0) {
                throw new IllegalArgumentException("shard weight " + w + ": weights must be positive (a shard of weight 0 gets no rows)");
            }
            total += w;
        }
        if (total == 0) {
            throw new IllegalArgumentException("no shards");
        }
        long slot = Long.remainderUnsigned(value, total);
        for (int i = 0; i < weights.length; i++) {
            if (slot < weights[i]) {
                return i;
            }
            slot -= weights[i];
        }
        throw new AssertionError("slot beyond the sum of weights");
    }

    private static long sipHash64(byte[] b, int offset, int length) {
        long v0 = 0x736f6d6570736575L;
        long v1 = 0x646f72616e646f6dL;
        long v2 = 0x6c7967656e657261L;
        long v3 = 0x7465646279746573L;
        int end = offset + length - (length % 8);
        for (int i = offset; i < end; i += 8) {
            long m = littleEndian(b, i, 8);
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        long last = littleEndian(b, end, length % 8) | ((long) (length & 0xff) << 56);
        v3 ^= last;
        for (int r = 0; r < 2; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= last;
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static long littleEndian(byte[] b, int offset, int count) {
        long v = 0;
        for (int i = count - 1; i >= 0; i--) {
            v = (v << 8) | (b[offset + i] & 0xffL);
        }
        return v;
    }
}
