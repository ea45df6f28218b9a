package dev.fanout.api;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The canonical digest of a stored row: one definition that every engine computes identically in its
 * own SQL, so that a migration verifies a table part by comparing per-bucket sums of row digests
 * computed inside each engine ({@link TableReader#bucketDigests}) instead of reading every row of
 * both ends into this process, and joins the two ends key by key ({@link TableReader#rowDigests})
 * only in the buckets whose sums differ. This class holds the specification, the value types a
 * reader returns, and a Java reference implementation over {@link FramePacket} rows, against which a
 * plugin's SQL can be tested.
 *
 * <p>The digest is built from 64-bit integer arithmetic that both DuckDB and ClickHouse compute
 * natively ({@link #mix64}), so that a number costs the engines a few multiplications instead of its
 * text and an MD5 of it; MD5, the only text hash the two engines share, is kept for strings,
 * decimals and bytes. All arithmetic is modulo {@code 2^64}, on unsigned 64-bit integers;
 * {@code ^} is exclusive or.
 *
 * <h2>Specification</h2>
 *
 * <p><b>1. {@code mix64(x)}</b>: {@code x ^= x >> 32; x *= 0xd6e8feb86659fd93; x ^= x >> 32;
 * x *= 0xd6e8feb86659fd93; x ^= x >> 32} (logical shifts). It is the function DuckDB's {@code hash()}
 * applies to a {@code BIGINT}, {@code UBIGINT} or {@code DOUBLE} (the latter over its IEEE bits),
 * which a DuckDB-based reader checks against {@link #mix64} before it relies on it; ClickHouse
 * computes it with its wrapping {@code UInt64} arithmetic. {@code md5l(s)} is the unsigned 64-bit
 * integer whose little-endian bytes are bytes 0 to 7 of the MD5 of {@code s}'s UTF-8: DuckDB
 * {@code CAST(md5_number(s) & 18446744073709551615 AS UBIGINT)} (which DuckDB computes once per
 * distinct value of a dictionary-compressed column, and which is about three times faster than going
 * through {@code md5}'s hexadecimal text otherwise), ClickHouse {@code reinterpretAsUInt64(MD5(s))}.
 *
 * <p><b>2. A value's tag and code</b>, by the column's logical type (a non-null value):
 * <table>
 *   <caption>Tag and code of a non-null value</caption>
 *   <tr><th>logical type</th><th>tag</th><th>code {@code u}</th></tr>
 *   <tr><td>boolean</td><td>{@code b}</td><td>1 for true, 0 for false</td></tr>
 *   <tr><td>int32, int64</td><td>{@code i}</td><td>the value (two's complement)</td></tr>
 *   <tr><td>float64</td><td>NaN (any payload): {@code n}; a whole number {@code x} with {@code |x| < 2^63}
 *       ({@code -0.0} and {@code 0.0} included): {@code i}; anything else (fractions, ±infinity,
 *       magnitudes from {@code 2^63}): {@code f}</td><td>{@code n}: 0; {@code i}: the integer it equals, as an
 *       int64 would give, so a column widened from int64 to float64 at one end still agrees; {@code f}:
 *       {@code mix64} of the IEEE 754 binary64 bits. Never a float's text: engines format floats differently.</td></tr>
 *   <tr><td>decimal(p,s)</td><td>{@code d}</td><td>{@code md5l} of the plain decimal text without exponent and
 *       without trailing fraction zeros (no point when no fraction digit remains), {@code 0} for zero,
 *       {@code -} for negatives: {@code 1.500 → "1.5"}, {@code 2.000 → "2"}, {@code -0.050 → "-0.05"}; so a
 *       widened scale agrees</td></tr>
 *   <tr><td>string, json</td><td>{@code s}</td><td>{@code md5l} of the text exactly as stored (a JSON document as its stored text)</td></tr>
 *   <tr><td>date</td><td>{@code D}</td><td>the count of days since 1970-01-01 (negative before)</td></tr>
 *   <tr><td>timestamp</td><td>{@code t}</td><td>the count of microseconds since 1970-01-01T00:00:00Z (negative before)</td></tr>
 *   <tr><td>bytes</td><td>{@code x}</td><td>{@code md5l} of the bytes in lowercase hexadecimal, two digits each</td></tr>
 * </table>
 *
 * <p><b>3. A column's hash</b>: {@code h = mix64(u ^ key(name, tag))}, where
 * {@code key(name, tag) = md5l(length(name) + ":" + name + tag)} ({@link #columnKey}), {@code name}
 * the column's name exactly as stored (case kept; the version column is never one) and
 * {@code length} its count of UTF-8 bytes in decimal. The engines receive each key as a constant. A
 * null value has no hash.
 *
 * <p><b>4. Digests.</b>
 * <ul>
 *   <li>content digest = the exclusive or of the hashes of the row's non-null columns. Nulls and
 *       columns that one end does not have contribute nothing, so a column added at one end and null
 *       there does not make rows differ;</li>
 *   <li>row digest = {@code mix64(content digest ^ mix64(version ^ }{@link #VERSION_KEY}{@code ))},
 *       {@code version} the row's {@code _fanout_version};</li>
 *   <li>key digest = {@code mix64} of the exclusive or of the hashes of the primary-key columns;</li>
 *   <li>bucket of a row, for {@code n} buckets: when the primary key is one int32 or int64 column
 *       ({@link #bucketsByKeyValue}), that value modulo {@code n} as a non-negative remainder
 *       ({@code ((k % n) + n) % n} in SQL, {@link Math#floorMod(long, long)}); else the key digest modulo
 *       {@code n} (unsigned);</li>
 *   <li>a bucket's digest = the number of its rows and the sum of their row digests modulo
 *       {@code 2^64} (DuckDB's {@code sum} of {@code UBIGINT} is a {@code HUGEINT}: reduce it).</li>
 * </ul>
 *
 * <p>Two rows of one key are equal for a migration when their versions are equal and their content
 * digests are; a bucket whose row count and digest sum agree at both ends counts as equal rows. A
 * difference goes unnoticed only if 64-bit sums of mixed hashes collide.
 *
 * <p><b>5. The key text</b>, which orders rows whose key digests are equal and names a key in
 * messages: for each primary-key column in key order, {@code length(name) + ":" + name + length(w) +
 * ":" + w}, where {@code w} is the value's tag followed by its text: the decimal integer for
 * booleans (0, 1), integers, whole floats, dates (days) and timestamps (microseconds); for other
 * floats the unsigned decimal of their IEEE bits (and {@code w} is {@code fnan} for a NaN); the decimal text of step 2;
 * a string as stored; bytes in lowercase hexadecimal ({@link #taggedText}).
 *
 * <h2>Order of drilled-down rows</h2>
 * {@link TableReader#rowDigests} returns rows ordered by key digest (unsigned) and then by key text
 * (UTF-8 bytes, unsigned: the default binary order of strings in DuckDB and ClickHouse), the
 * order of {@link #ORDER}.
 */
public final class RowDigest {

    /** The order of {@link TableReader#rowDigests}: key digest unsigned, then key text by code point (= UTF-8 byte) order. */
    public static final Comparator<Row> ORDER = (a, b) -> {
        int c = Long.compareUnsigned(a.keyDigest(), b.keyDigest());
        return c != 0 ? c : compareText(a.keyText(), b.keyText());
    };

    /** The multiplier of {@link #mix64}. */
    public static final long MIX = 0xd6e8feb86659fd93L;

    /** The version's key in a row digest (step 4): {@code md5l("_fanout_version")}. */
    public static final long VERSION_KEY = md5l("_fanout_version");

    private static final double TWO_TO_63 = 0x1p63;

    private RowDigest() {
    }

    /**
     * One bucket's digest.
     *
     * @param bucket    the bucket, {@code 0 <= bucket < buckets}
     * @param rows      rows whose key digest falls in it
     * @param digestSum the sum of their row digests modulo {@code 2^64}
     */
    public record Bucket(int bucket, long rows, long digestSum) {
        public Bucket {
            if (bucket < 0) {
                throw new IllegalArgumentException("bucket must not be negative, got " + bucket);
            }
        }
    }

    /**
     * One stored row as a drill-down returns it.
     *
     * @param keyText       its key text
     * @param keyDigest     its key digest (step 4)
     * @param version       its stored version
     * @param contentDigest its content digest (step 4)
     */
    public record Row(String keyText, long keyDigest, long version, long contentDigest) {
        public Row {
            Objects.requireNonNull(keyText, "keyText is null");
        }
    }

    /** Receives drilled-down rows in {@link #ORDER}. */
    @FunctionalInterface
    public interface RowSink {
        /** @return false to stop */
        boolean accept(Row row) throws WriteException;
    }

    /** {@code mix64(x)} (step 1): DuckDB's {@code hash()} of a 64-bit integer. */
    public static long mix64(long x) {
        x ^= x >>> 32;
        x *= MIX;
        x ^= x >>> 32;
        x *= MIX;
        x ^= x >>> 32;
        return x;
    }

    /** {@code key(name, tag)} (step 3): {@code md5l(length(name) ":" name tag)}. */
    public static long columnKey(String name, char tag) {
        return md5l(namePrefix(name) + tag);
    }

    /** The tag of a non-null {@code value} of {@code type} (step 2). */
    public static char tag(LogicalType type, Object value) {
        Objects.requireNonNull(value, "value is null");
        return switch (type.kind()) {
            case BOOLEAN -> 'b';
            case INT32, INT64 -> 'i';
            case FLOAT64 -> {
                double d = (Double) value;
                yield Double.isNaN(d) ? 'n' : isWhole(d) ? 'i' : 'f';
            }
            case DECIMAL -> 'd';
            case STRING, JSON -> 's';
            case DATE -> 'D';
            case TIMESTAMP -> 't';
            case BYTES -> 'x';
        };
    }

    /** The code {@code u} of a non-null {@code value} of {@code type} (step 2). */
    public static long code(LogicalType type, Object value) {
        Objects.requireNonNull(value, "value is null");
        return switch (type.kind()) {
            case BOOLEAN -> (Boolean) value ? 1 : 0;
            case INT32, INT64 -> ((Number) value).longValue();
            case FLOAT64 -> {
                double d = (Double) value;
                yield Double.isNaN(d) ? 0 : isWhole(d) ? (long) d : mix64(Double.doubleToRawLongBits(d));
            }
            case DECIMAL -> md5l(decimalText((BigDecimal) value));
            case STRING, JSON -> md5l(value.toString());
            case DATE -> ((LocalDate) value).toEpochDay();
            case TIMESTAMP -> micros((Instant) value);
            case BYTES -> md5l(HexFormat.of().formatHex((byte[]) value));
        };
    }

    /** A column's hash (step 3) for a non-null {@code value}. */
    public static long columnHash(String name, LogicalType type, Object value) {
        return mix64(code(type, value) ^ columnKey(name, tag(type, value)));
    }

    /** The tagged text of a non-null {@code value} of {@code type}, as the key text has it (step 5). */
    public static String taggedText(LogicalType type, Object value) {
        Objects.requireNonNull(value, "value is null");
        return switch (type.kind()) {
            case BOOLEAN -> (Boolean) value ? "b1" : "b0";
            case INT32, INT64 -> "i" + ((Number) value).longValue();
            case FLOAT64 -> {
                double d = (Double) value;
                if (Double.isNaN(d)) {
                    yield "fnan";
                }
                if (isWhole(d)) {
                    yield "i" + (long) d;
                }
                yield "f" + Long.toUnsignedString(Double.doubleToRawLongBits(d));
            }
            case DECIMAL -> "d" + decimalText((BigDecimal) value);
            case STRING, JSON -> "s" + value;
            case DATE -> "D" + ((LocalDate) value).toEpochDay();
            case TIMESTAMP -> "t" + micros((Instant) value);
            case BYTES -> "x" + HexFormat.of().formatHex((byte[]) value);
        };
    }

    private static boolean isWhole(double d) {
        return d == Math.rint(d) && Math.abs(d) < TWO_TO_63;
    }

    private static String decimalText(BigDecimal d) {
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }

    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
    }

    /** The constant start of a key text's entry and of a column key's text, {@code length(name) ":" name}. */
    public static String namePrefix(String name) {
        return utf8Length(name) + ":" + name;
    }

    /** The content digest of {@code row} of {@code packet} (step 4). */
    public static long contentDigest(FramePacket packet, int row) {
        Schema schema = packet.schema();
        long digest = 0;
        for (int c = 0; c < schema.width(); c++) {
            Object v = packet.value(row, c);
            if (v != null) {
                digest ^= columnHash(schema.column(c).name(), schema.column(c).type(), v);
            }
        }
        return digest;
    }

    /** The key digest of {@code row} of {@code packet} (step 4). */
    public static long keyDigest(FramePacket packet, int row) {
        Schema schema = packet.schema();
        long digest = 0;
        for (int c : schema.keyIndexes()) {
            digest ^= columnHash(schema.column(c).name(), schema.column(c).type(), packet.value(row, c));
        }
        return mix64(digest);
    }

    /** The key text of {@code row} of {@code packet} (step 5). */
    public static String keyText(FramePacket packet, int row) {
        Schema schema = packet.schema();
        StringBuilder text = new StringBuilder();
        for (int c : schema.keyIndexes()) {
            String w = taggedText(schema.column(c).type(), packet.value(row, c));
            text.append(namePrefix(schema.column(c).name())).append(utf8Length(w)).append(':').append(w);
        }
        return text.toString();
    }

    /** {@code row} of {@code packet} as a drill-down returns it. */
    public static Row row(FramePacket packet, int row) {
        return new Row(keyText(packet, row), keyDigest(packet, row), packet.rowVersion(row), contentDigest(packet, row));
    }

    /** The row digest of {@code row} of {@code packet} (step 4). */
    public static long rowDigest(FramePacket packet, int row) {
        return rowDigest(packet.rowVersion(row), contentDigest(packet, row));
    }

    /** The row digest of a row of {@code version} and {@code contentDigest} (step 4). */
    public static long rowDigest(long version, long contentDigest) {
        return mix64(contentDigest ^ mix64(version ^ VERSION_KEY));
    }

    /** Whether a row's bucket is its key's own value (step 4): the key is one int32 or int64 column. */
    public static boolean bucketsByKeyValue(Schema schema) {
        if (schema.primaryKey().size() != 1) {
            return false;
        }
        LogicalType.Kind kind = schema.column(schema.primaryKey().get(0)).orElseThrow().type().kind();
        return kind == LogicalType.Kind.INT32 || kind == LogicalType.Kind.INT64;
    }

    /** The bucket of {@code row} of {@code packet} among {@code buckets} (step 4). */
    public static int bucket(FramePacket packet, int row, int buckets) {
        Schema schema = packet.schema();
        if (bucketsByKeyValue(schema)) {
            requireBuckets(buckets);
            return (int) Math.floorMod(((Number) packet.value(row, schema.keyIndexes()[0])).longValue(), (long) buckets);
        }
        return bucket(keyDigest(packet, row), buckets);
    }

    /** The bucket of a key digest among {@code buckets}, for keys that are not one integer column (step 4). */
    public static int bucket(long keyDigest, int buckets) {
        requireBuckets(buckets);
        return (int) Long.remainderUnsigned(keyDigest, buckets);
    }

    private static void requireBuckets(int buckets) {
        if (buckets < 1) {
            throw new IllegalArgumentException("buckets must be at least 1, got " + buckets);
        }
    }

    /** {@code md5l(s)}: bytes 0..7 of the MD5 of {@code s}'s UTF-8, read as a little-endian unsigned 64-bit integer. */
    public static long md5l(String s) {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5, which every Java platform must provide", e);
        }
        byte[] digest = md5.digest(s.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(digest, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Compares two texts by code point, which is the order of their UTF-8 bytes compared unsigned. */
    public static int compareText(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
