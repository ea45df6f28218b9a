package dev.fanout.writer.clickhouse;

/**
 * ClickHouse's {@code intHash64} and {@code sipHash64} as ClickHouse 18.16 computes them, bit for
 * bit, so that fanout puts a row on the shard a {@code Distributed} table would choose for it. Values
 * are unsigned 64-bit numbers held in a {@code long} ({@link Long#toUnsignedString} prints them as
 * ClickHouse does). Stateless.
 *
 * <ul>
 *   <li>{@code intHash64(x)}: the argument widened to UInt64 (signed types sign-extended), XORed with
 *       {@code 0x4CF2D2BAAE6DA887}, then MurmurHash3's 64-bit finalizer.</li>
 *   <li>{@code sipHash64(s)} of one argument: SipHash-2-4 with the key 0 of the argument's bytes (a
 *       String's bytes, a number's little-endian bytes).</li>
 *   <li>{@code sipHash64(a, b, …)}: the hash of {@code a}, then for each next argument the SipHash of the
 *       16 bytes {@code previous ‖ hash(next)}, both little-endian ({@link #combine}).</li>
 * </ul>
 */
final class ShardingHash {

    private ShardingHash() {
    }

    /** {@code intHash64(x)} for an integer argument {@code x} (an Int32 sign-extended to 64 bits). */
    static long intHash64(long x) {
        long h = x ^ 0x4CF2D2BAAE6DA887L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** {@code sipHash64} of one String argument holding {@code bytes}. */
    static long sipHash64(byte[] bytes) {
        long[] v = {0x736f6d6570736575L, 0x646f72616e646f6dL, 0x6c7967656e657261L, 0x7465646279746573L};
        int n = bytes.length;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            compress(v, littleEndian(bytes, i, 8));
        }
        compress(v, littleEndian(bytes, i, n - i) | ((long) (n & 0xff) << 56));
        v[2] ^= 0xff;
        for (int r = 0; r < 4; r++) {
            round(v);
        }
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    /** {@code sipHash64} of one Int64 argument: its 8 little-endian bytes. */
    static long sipHash64(long int64) {
        return sipHash64(littleEndianBytes(int64, new byte[8], 0));
    }

    /** The hash of several arguments so far ({@code previous}) combined with the next argument's hash. */
    static long combine(long previous, long next) {
        byte[] both = new byte[16];
        littleEndianBytes(previous, both, 0);
        littleEndianBytes(next, both, 8);
        return sipHash64(both);
    }

    private static void compress(long[] v, long m) {
        v[3] ^= m;
        round(v);
        round(v);
        v[0] ^= m;
    }

    private static void round(long[] v) {
        v[0] += v[1];
        v[1] = Long.rotateLeft(v[1], 13) ^ v[0];
        v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3];
        v[3] = Long.rotateLeft(v[3], 16) ^ v[2];
        v[0] += v[3];
        v[3] = Long.rotateLeft(v[3], 21) ^ v[0];
        v[2] += v[1];
        v[1] = Long.rotateLeft(v[1], 17) ^ v[2];
        v[2] = Long.rotateLeft(v[2], 32);
    }

    private static long littleEndian(byte[] bytes, int offset, int length) {
        long r = 0;
        for (int k = 0; k < length; k++) {
            r |= (bytes[offset + k] & 0xffL) << (8 * k);
        }
        return r;
    }

    private static byte[] littleEndianBytes(long x, byte[] into, int offset) {
        for (int k = 0; k < 8; k++) {
            into[offset + k] = (byte) (x >>> (8 * k));
        }
        return into;
    }
}
