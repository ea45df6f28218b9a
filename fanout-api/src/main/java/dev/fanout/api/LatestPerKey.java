package dev.fanout.api;

import java.lang.ref.SoftReference;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * The winning row per primary key of a {@link WriteBatch}: the row with the highest
 * {@link FramePacket#rowVersion version}, ties going to the later row (later packet, then later row
 * index).
 *
 * <p><b>Why it exists.</b> Every writer must apply this rule before its bulk upsert: engines refuse
 * or mis-order two rows with one key in one statement (DuckDB: "can not update the same row twice"),
 * and the semantics must not differ between engines. Computing it once here keeps the rule in one
 * place.
 *
 * <p><b>Guarantees.</b> Key equality is by value: single-column keys compare the value itself,
 * composite keys compare the list of values; a {@link BigDecimal} compares ignoring trailing zeros
 * ({@code 1.50} equals {@code 1.5}), a {@code byte[]} by content, a {@code double} zero ignores its
 * sign. A null key value is a key like any other (the engine's NOT NULL check rejects it later).
 * Winners are listed in the order their key was first seen. One pass over the rows with an
 * open-addressing table: a primitive one for a single int32/int64 key (no hashing through objects),
 * otherwise one of the key values themselves (no per-row allocation for single-column keys).
 * Immutable once built; {@link #of} may be called from any thread.
 */
public final class LatestPerKey {

    private static final Object NULL_KEY = new Object();

    private final FramePacket[] packets;
    private final int[] packetOfWinner;
    private final int[] rowOfWinner;
    private final long[] versionOfWinner;
    private final int size;

    private LatestPerKey(FramePacket[] packets, int[] packetOfWinner, int[] rowOfWinner, long[] versionOfWinner, int size) {
        this.packets = packets;
        this.packetOfWinner = packetOfWinner;
        this.rowOfWinner = rowOfWinner;
        this.versionOfWinner = versionOfWinner;
        this.size = size;
    }

    /** Receives one winner; may throw a checked exception, which {@link #forEach} passes on. */
    @FunctionalInterface
    public interface Winner<E extends Exception> {
        void accept(FramePacket packet, int rowIndex, long version) throws E;
    }

    /**
     * Computes the winners of {@code batch}.
     *
     * @throws IllegalStateException when a row's version column holds null or a value of the wrong type
     */
    public static LatestPerKey of(WriteBatch batch) {
        Objects.requireNonNull(batch, "batch is null");
        FramePacket[] packets = batch.packets().toArray(new FramePacket[0]);
        long total = batch.rowCount();
        if (total > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("table " + batch.table() + ": a batch of " + total + " rows is too large");
        }
        int[] keyIndexes = batch.schema().keyIndexes();
        int rows = (int) total;
        if (keyIndexes.length == 1) {
            LogicalType.Kind kind = batch.schema().column(keyIndexes[0]).type().kind();
            if (kind == LogicalType.Kind.INT64 || kind == LogicalType.Kind.INT32) {
                LatestPerKey integral = ofIntegralKeys(packets, keyIndexes[0], rows);
                if (integral != null) {
                    return integral;
                }
            }
        }
        Winners winners = new Winners(rows);
        for (int p = 0; p < packets.length; p++) {
            FramePacket packet = packets[p];
            for (int r = 0, n = packet.rowCount(); r < n; r++) {
                winners.offer(keyOf(packet, r, keyIndexes), packet.rowVersion(r), p, r);
            }
        }
        return new LatestPerKey(packets, winners.packet, winners.row, winners.version, winners.size);
    }

    /**
     * The same rule for a single int32/int64 key, on a primitive table: no hashing through
     * objects and no reference stores. Null when a key is neither Integer nor Long (a data
     * mistake the general path handles like any value).
     */
    private static LatestPerKey ofIntegralKeys(FramePacket[] packets, int keyIndex, int rows) {
        IntegralWinners winners = new IntegralWinners(rows);
        for (int p = 0; p < packets.length; p++) {
            FramePacket packet = packets[p];
            for (int r = 0, n = packet.rowCount(); r < n; r++) {
                Object key = packet.value(r, keyIndex);
                long k;
                if (key instanceof Long l) {
                    k = l;
                } else if (key instanceof Integer i) {
                    k = i;
                } else {
                    return null;
                }
                winners.offer(k, packet.rowVersion(r), p, r);
            }
        }
        return new LatestPerKey(packets, winners.packet, winners.row, winners.version, winners.size);
    }

    /**
     * Open addressing on one long[]: key and winner slot + 1 side by side, 0 marking a free entry.
     * The table is scratch, so each thread reuses its own (up to {@link #REUSED_TABLE_MAX} longs,
     * softly held): allocating a fresh multi-megabyte array per batch costs more than the hashing.
     */
    private static final class IntegralWinners {
        static final int REUSED_TABLE_MAX = 1 << 20;
        static final ThreadLocal<SoftReference<long[]>> REUSED = new ThreadLocal<>();

        final int[] packet;
        final int[] row;
        final long[] version;
        final long[] table;
        final int shift;
        final int mask;
        int size;

        IntegralWinners(int rows) {
            packet = new int[rows];
            row = new int[rows];
            version = new long[rows];
            int capacity = Integer.highestOneBit(Math.max(16, rows * 2 - 1)) << 1;
            table = scratch(capacity * 2);
            shift = 64 - Integer.numberOfTrailingZeros(capacity);
            mask = capacity - 1;
        }

        private static long[] scratch(int length) {
            if (length > REUSED_TABLE_MAX) {
                return new long[length];
            }
            SoftReference<long[]> ref = REUSED.get();
            long[] reused = ref == null ? null : ref.get();
            if (reused == null || reused.length < length) {
                reused = new long[Math.max(length, 1 << 12)];
                REUSED.set(new SoftReference<>(reused));
            } else {
                Arrays.fill(reused, 0, length, 0L);
            }
            return reused;
        }

        void offer(long key, long v, int p, int r) {
            int i = (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
            long slot;
            while ((slot = table[2 * i + 1]) != 0) {
                if (table[2 * i] == key) {
                    int w = (int) slot - 1;
                    if (v >= version[w]) {
                        packet[w] = p;
                        row[w] = r;
                        version[w] = v;
                    }
                    return;
                }
                i = (i + 1) & mask;
            }
            table[2 * i] = key;
            table[2 * i + 1] = size + 1;
            packet[size] = p;
            row[size] = r;
            version[size] = v;
            size++;
        }
    }

    /** An open-addressing table from key to winner slot, with the winners in parallel arrays. */
    private static final class Winners {
        final int[] packet;
        final int[] row;
        final long[] version;
        final Object[] keys;
        final int[] slots;
        final int mask;
        int size;

        Winners(int rows) {
            packet = new int[rows];
            row = new int[rows];
            version = new long[rows];
            int capacity = Integer.highestOneBit(Math.max(16, rows * 2 - 1)) << 1;
            keys = new Object[capacity];
            slots = new int[capacity];
            mask = capacity - 1;
        }

        void offer(Object key, long v, int p, int r) {
            int i = spread(key.hashCode()) & mask;
            Object k;
            while ((k = keys[i]) != null) {
                if (k.equals(key)) {
                    int w = slots[i];
                    if (v >= version[w]) {
                        packet[w] = p;
                        row[w] = r;
                        version[w] = v;
                    }
                    return;
                }
                i = (i + 1) & mask;
            }
            keys[i] = key;
            slots[i] = size;
            packet[size] = p;
            row[size] = r;
            version[size] = v;
            size++;
        }
    }

    private static Object keyOf(FramePacket packet, int row, int[] keyIndexes) {
        if (keyIndexes.length == 1) {
            return normalize(packet.value(row, keyIndexes[0]));
        }
        Object[] parts = new Object[keyIndexes.length];
        for (int k = 0; k < keyIndexes.length; k++) {
            parts[k] = normalize(packet.value(row, keyIndexes[k]));
        }
        return Arrays.asList(parts);
    }

    private static Object normalize(Object value) {
        if (value == null) {
            return NULL_KEY;
        }
        if (value instanceof BigDecimal d) {
            return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
        }
        if (value instanceof byte[] b) {
            return ByteBuffer.wrap(b);
        }
        if (value instanceof Double d && d == 0.0d) {
            return 0.0d;
        }
        return value;
    }

    private static int spread(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /** Number of distinct keys, i.e. of winners. */
    public int size() {
        return size;
    }

    /** The packet holding winner {@code i} (0 ≤ i < {@link #size()}, first-seen order). */
    public FramePacket packet(int i) {
        return packets[packetOfWinner[Objects.checkIndex(i, size)]];
    }

    /** The row index of winner {@code i} within {@link #packet(int)}. */
    public int rowIndex(int i) {
        return rowOfWinner[Objects.checkIndex(i, size)];
    }

    /** The version of winner {@code i}. */
    public long version(int i) {
        return versionOfWinner[Objects.checkIndex(i, size)];
    }

    /** Calls {@code action} for each winner in first-seen order of its key. */
    public <E extends Exception> void forEach(Winner<E> action) throws E {
        Objects.requireNonNull(action, "action is null");
        for (int i = 0; i < size; i++) {
            action.accept(packets[packetOfWinner[i]], rowOfWinner[i], versionOfWinner[i]);
        }
    }

    @Override
    public String toString() {
        return "LatestPerKey[" + size + " winners]";
    }
}
