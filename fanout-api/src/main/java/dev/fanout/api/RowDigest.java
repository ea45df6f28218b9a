package dev.fanout.api;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
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
 * <h2>Specification</h2>
 *
 * <p>All text is UTF-8; a <em>length</em> is a count of UTF-8 bytes written in decimal ASCII digits;
 * {@code +} is concatenation.
 *
 * <p><b>1. A value's tagged text</b> {@code w}: one ASCII tag character, then the value's canonical
 * text, by the column's logical type:
 * <table>
 *   <caption>Tagged text of a non-null value</caption>
 *   <tr><th>logical type</th><th>tagged text</th></tr>
 *   <tr><td>boolean</td><td>{@code b1} for true, {@code b0} for false</td></tr>
 *   <tr><td>int32, int64</td><td>{@code i} + the decimal integer ({@code -} for negatives, no leading zeros, {@code 0})</td></tr>
 *   <tr><td>float64</td><td>NaN (any payload): {@code fnan}; a whole number {@code x} with {@code |x| < 2^63}
 *       (so {@code -0.0} and {@code 0.0}): {@code i} + the decimal integer it equals, as an int64 would give, so a
 *       column widened from int64 to float64 at one end still agrees; anything else (fractions, ±infinity,
 *       magnitudes from {@code 2^63}): {@code f} + the unsigned decimal of the IEEE 754 binary64 bits. Never
 *       a float's own text: engines format floats differently.</td></tr>
 *   <tr><td>decimal(p,s)</td><td>{@code d} + the plain decimal text without exponent and without trailing
 *       fraction zeros (no point when no fraction digit remains), {@code 0} for zero, {@code -} for negatives:
 *       {@code 1.500 → d1.5}, {@code 2.000 → d2}, {@code -0.050 → d-0.05}; so a widened scale agrees</td></tr>
 *   <tr><td>string, json</td><td>{@code s} + the text exactly as stored (a JSON document as its stored text)</td></tr>
 *   <tr><td>date</td><td>{@code D} + the decimal count of days since 1970-01-01 (negative before)</td></tr>
 *   <tr><td>timestamp</td><td>{@code t} + the decimal count of microseconds since 1970-01-01T00:00:00Z (negative before)</td></tr>
 *   <tr><td>bytes</td><td>{@code x} + the bytes in lowercase hexadecimal, two digits each</td></tr>
 * </table>
 *
 * <p><b>2. A column's entry</b>: {@code length(name) + ":" + name + length(w) + ":" + w}, where
 * {@code name} is the column's name exactly as stored (case kept; the version column is never one).
 * A null value has no entry. The lengths make the concatenation of entries unambiguous.
 *
 * <p><b>3. Texts.</b> The <em>content text</em> of a row is the concatenation of the entries of its
 * columns ordered by name, names compared by their UTF-8 bytes as unsigned values (the order of
 * Unicode code points). Nulls and columns that one end does not have contribute nothing, so a column
 * added at one end and null there does not make rows differ. The <em>key text</em> is the
 * concatenation of the entries of the primary-key columns in key order.
 *
 * <p><b>4. Digests.</b> {@code md5l(s)} is the unsigned 64-bit integer whose big-endian bytes are
 * bytes 8 to 15 (counting from 0) of the MD5 of {@code s}: the last 16 digits of the MD5's hexadecimal
 * text read as a hexadecimal number. DuckDB: {@code CAST('0x' || md5(s)[17:32] AS UBIGINT)} (about
 * twice as fast there as {@code md5_number_lower}, which reads the same bytes little-endian);
 * ClickHouse: {@code reinterpretAsUInt64(reverse(substring(MD5(s), 9, 8)))}.
 * <ul>
 *   <li>key digest = {@code md5l(key text)};</li>
 *   <li>content digest = {@code md5l(content text)};</li>
 *   <li>row digest = {@code md5l(decimal(version) + ":" + content text)}, {@code version} the row's
 *       {@code _fanout_version} as a signed decimal;</li>
 *   <li>bucket of a row, for {@code n} buckets: when the primary key is one int32 or int64 column
 *       ({@link #bucketsByKeyValue}), that value modulo {@code n} as a non-negative remainder
 *       ({@code ((k % n) + n) % n} in SQL, {@link Math#floorMod(long, long)}); else the key digest modulo
 *       {@code n} (unsigned). An integer key needs no MD5 of its key text for the bucket listing, which
 *       saves about a third of DuckDB's work there;</li>
 *   <li>a bucket's digest = the number of its rows and the sum of their row digests modulo
 *       {@code 2^64} (DuckDB's {@code sum} of {@code UBIGINT} is a {@code HUGEINT}: reduce it).</li>
 * </ul>
 *
 * <p>Two rows of one key are equal for a migration when their versions are equal and their content
 * digests are; a bucket whose row count and digest sum agree at both ends counts as equal rows. A
 * difference goes unnoticed only if 64-bit MD5-derived sums collide.
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
     * @param keyDigest     {@code md5l(keyText)}
     * @param version       its stored version
     * @param contentDigest {@code md5l(content text)}
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

    /** The tagged text of a non-null {@code value} of {@code type} (step 1). */
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
                if (d == Math.rint(d) && Math.abs(d) < TWO_TO_63) {
                    yield "i" + (long) d;
                }
                yield "f" + Long.toUnsignedString(Double.doubleToRawLongBits(d));
            }
            case DECIMAL -> {
                BigDecimal d = (BigDecimal) value;
                yield "d" + (d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString());
            }
            case STRING, JSON -> "s" + value;
            case DATE -> "D" + ((LocalDate) value).toEpochDay();
            case TIMESTAMP -> {
                Instant t = (Instant) value;
                yield "t" + Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
            }
            case BYTES -> "x" + HexFormat.of().formatHex((byte[]) value);
        };
    }

    /** A column's entry (step 2): {@code length(name) ":" name length(w) ":" w}. */
    public static String entry(String name, String taggedText) {
        return namePrefix(name) + utf8Length(taggedText) + ":" + taggedText;
    }

    /** The constant start of a column's entries, {@code length(name) ":" name}, which a plugin puts into its SQL as a literal. */
    public static String namePrefix(String name) {
        return utf8Length(name) + ":" + name;
    }

    /** The names of {@code schema}'s columns in content-text order (step 3). */
    public static List<String> contentOrder(Schema schema) {
        List<String> names = new ArrayList<>();
        for (Column c : schema.columns()) {
            names.add(c.name());
        }
        names.sort(RowDigest::compareText);
        return names;
    }

    /** The content text of {@code row} of {@code packet} (step 3). */
    public static String contentText(FramePacket packet, int row) {
        Schema schema = packet.schema();
        StringBuilder text = new StringBuilder();
        for (String name : contentOrder(schema)) {
            int c = schema.indexOf(name);
            Object v = packet.value(row, c);
            if (v != null) {
                text.append(entry(name, taggedText(schema.column(c).type(), v)));
            }
        }
        return text.toString();
    }

    /** The key text of {@code row} of {@code packet} (step 3). */
    public static String keyText(FramePacket packet, int row) {
        Schema schema = packet.schema();
        StringBuilder text = new StringBuilder();
        for (String name : schema.primaryKey()) {
            int c = schema.indexOf(name);
            text.append(entry(name, taggedText(schema.column(c).type(), packet.value(row, c))));
        }
        return text.toString();
    }

    /** {@code row} of {@code packet} as a drill-down returns it. */
    public static Row row(FramePacket packet, int row) {
        String key = keyText(packet, row);
        return new Row(key, md5l(key), packet.rowVersion(row), md5l(contentText(packet, row)));
    }

    /** The row digest of {@code row} of {@code packet} (step 4). */
    public static long rowDigest(FramePacket packet, int row) {
        return md5l(packet.rowVersion(row) + ":" + contentText(packet, row));
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
        return bucket(md5l(keyText(packet, row)), buckets);
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

    /** {@code md5l(s)}: bytes 8..15 of the MD5 of {@code s}'s UTF-8, read as a big-endian unsigned 64-bit integer. */
    public static long md5l(String s) {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5, which every Java platform must provide", e);
        }
        byte[] digest = md5.digest(s.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(digest, 8, 8).order(ByteOrder.BIG_ENDIAN).getLong();
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
