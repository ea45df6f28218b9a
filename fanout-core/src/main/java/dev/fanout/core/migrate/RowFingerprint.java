package dev.fanout.core.migrate;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.Schema;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * 64-bit hashes of stored rows, canonical so that a row read from one engine hashes like the same
 * row read from another: each non-null value counts with its column's name, so column order and
 * columns that are null or absent do not matter, and by value rather than by Java or engine type
 * (int32, int64 and a whole float64 alike, a decimal without trailing zeros, a timestamp in microseconds). The
 * {@link #content} hash leaves the version out; the {@link #row} hash adds it, and summed over rows
 * it is an order-independent checksum of a table part. Computed without allocating per row.
 */
final class RowFingerprint {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final long[] nameHashes;

    RowFingerprint(Schema schema) {
        List<Column> columns = schema.columns();
        nameHashes = new long[columns.size()];
        for (int i = 0; i < nameHashes.length; i++) {
            nameHashes[i] = mix(chars(columns.get(i).name()) + GOLDEN);
        }
    }

    /** The hash of {@code row}'s values, version excluded: equal for equal content. */
    long content(FramePacket packet, int row) {
        long sum = 0;
        for (int c = 0; c < nameHashes.length; c++) {
            Object v = packet.value(row, c);
            if (v != null) {
                sum += mix(nameHashes[c] + GOLDEN * value(v));
            }
        }
        return sum;
    }

    /** The checksum term of a row with {@code version} and {@link #content} hash {@code content}. */
    static long row(long version, long content) {
        return mix(content ^ mix(version + GOLDEN));
    }

    private static long value(Object v) {
        if (v instanceof Integer || v instanceof Long) {
            return mix(((Number) v).longValue()) ^ 'i';
        }
        if (v instanceof Double d) {
            if (d == Math.rint(d) && Math.abs(d) < 0x1p63) {
                // a whole number hashes as the integer it equals: a column widened from int64 to float64 at one end still agrees
                return mix((long) (double) d) ^ 'i';
            }
            return mix(Double.doubleToLongBits(d)) ^ 'f';
        }
        if (v instanceof String s) {
            return mix(chars(s)) ^ 's';
        }
        if (v instanceof LocalDate d) {
            return mix(d.toEpochDay()) ^ 'D';
        }
        if (v instanceof Instant t) {
            return mix(Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000)) ^ 't';
        }
        if (v instanceof BigDecimal d) {
            return mix(chars((d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros()).toPlainString())) ^ 'd';
        }
        if (v instanceof Boolean b) {
            return mix(b ? 1 : 0) ^ 'b';
        }
        if (v instanceof byte[] b) {
            long h = b.length;
            for (byte x : b) {
                h = (h + (x & 0xFF)) * GOLDEN;
            }
            return mix(h) ^ 'x';
        }
        throw new IllegalArgumentException("a stored value of type " + v.getClass().getName() + " has no canonical form");
    }

    /**
     * A string's UTF-16 units, each multiplied in by a large odd constant: unlike a base-31 polynomial
     * (where "Aa" and "BB" are equal, as in {@link String#hashCode()}), a change of one unit cannot be
     * offset by a small change of another.
     */
    private static long chars(String s) {
        long h = s.length();
        for (int i = 0; i < s.length(); i++) {
            h = (h + s.charAt(i)) * GOLDEN;
        }
        return h;
    }

    /** SplitMix64's finalizer: every input bit affects every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
