package dev.fanout.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Objects;

/**
 * A column's type as fanout understands it, independent of any engine. Each writer maps these to its
 * engine's types; values travel as the Java class returned by {@link #javaClass()}.
 *
 * <table>
 *   <caption>Logical types and their Java values</caption>
 *   <tr><th>type</th><th>Java value</th></tr>
 *   <tr><td>boolean</td><td>{@link Boolean}</td></tr>
 *   <tr><td>int32</td><td>{@link Integer}</td></tr>
 *   <tr><td>int64</td><td>{@link Long}</td></tr>
 *   <tr><td>float64</td><td>{@link Double}</td></tr>
 *   <tr><td>decimal(p,s)</td><td>{@link BigDecimal}, at most p digits of which s after the point</td></tr>
 *   <tr><td>string</td><td>{@link String}</td></tr>
 *   <tr><td>date</td><td>{@link LocalDate}</td></tr>
 *   <tr><td>timestamp</td><td>{@link Instant}, UTC, microsecond precision</td></tr>
 *   <tr><td>bytes</td><td>{@code byte[]}</td></tr>
 *   <tr><td>json</td><td>{@link String} holding a JSON document</td></tr>
 * </table>
 *
 * <p>Immutable; equal when kind, precision and scale are equal.
 */
public final class LogicalType {

    /** The family of a logical type; only {@link #DECIMAL} carries parameters. */
    public enum Kind { BOOLEAN, INT32, INT64, FLOAT64, DECIMAL, STRING, DATE, TIMESTAMP, BYTES, JSON }

    /** Largest decimal precision every built-in engine stores exactly. */
    public static final int MAX_DECIMAL_PRECISION = 38;

    public static final LogicalType BOOLEAN = new LogicalType(Kind.BOOLEAN, 0, 0);
    public static final LogicalType INT32 = new LogicalType(Kind.INT32, 0, 0);
    public static final LogicalType INT64 = new LogicalType(Kind.INT64, 0, 0);
    public static final LogicalType FLOAT64 = new LogicalType(Kind.FLOAT64, 0, 0);
    public static final LogicalType STRING = new LogicalType(Kind.STRING, 0, 0);
    public static final LogicalType DATE = new LogicalType(Kind.DATE, 0, 0);
    public static final LogicalType TIMESTAMP = new LogicalType(Kind.TIMESTAMP, 0, 0);
    public static final LogicalType BYTES = new LogicalType(Kind.BYTES, 0, 0);
    public static final LogicalType JSON = new LogicalType(Kind.JSON, 0, 0);

    private final Kind kind;
    private final int precision;
    private final int scale;

    private LogicalType(Kind kind, int precision, int scale) {
        this.kind = kind;
        this.precision = precision;
        this.scale = scale;
    }

    /** A decimal with {@code precision} total digits (1..38) and {@code scale} digits after the point. */
    public static LogicalType decimal(int precision, int scale) {
        if (precision < 1 || precision > MAX_DECIMAL_PRECISION) {
            throw new IllegalArgumentException("decimal precision must be 1.." + MAX_DECIMAL_PRECISION + ", got " + precision);
        }
        if (scale < 0 || scale > precision) {
            throw new IllegalArgumentException("decimal scale must be 0.." + precision + ", got " + scale);
        }
        return new LogicalType(Kind.DECIMAL, precision, scale);
    }

    /**
     * Parses the names used in topologies and error messages: {@code boolean, int32, int64, float64,
     * decimal(p,s), string, date, timestamp, bytes, json} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the text and listing the valid names
     */
    public static LogicalType parse(String text) {
        Objects.requireNonNull(text, "text is null");
        String t = text.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        if (t.startsWith("decimal(") && t.endsWith(")")) {
            String[] ps = t.substring(8, t.length() - 1).split(",");
            try {
                return decimal(Integer.parseInt(ps[0]), ps.length > 1 ? Integer.parseInt(ps[1]) : 0);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad decimal type '" + text + "': expected decimal(p,s)");
            }
        }
        for (Kind k : Kind.values()) {
            if (k != Kind.DECIMAL && k.name().toLowerCase(Locale.ROOT).equals(t)) {
                return new LogicalType(k, 0, 0);
            }
        }
        throw new IllegalArgumentException("unknown logical type '" + text
                + "': use one of boolean, int32, int64, float64, decimal(p,s), string, date, timestamp, bytes, json");
    }

    public Kind kind() {
        return kind;
    }

    /** Total digits of a decimal; 0 for other kinds. */
    public int precision() {
        return precision;
    }

    /** Digits after the point of a decimal; 0 for other kinds. */
    public int scale() {
        return scale;
    }

    /** The Java class a non-null value of this type has in a {@link FramePacket}. */
    public Class<?> javaClass() {
        return switch (kind) {
            case BOOLEAN -> Boolean.class;
            case INT32 -> Integer.class;
            case INT64 -> Long.class;
            case FLOAT64 -> Double.class;
            case DECIMAL -> BigDecimal.class;
            case STRING, JSON -> String.class;
            case DATE -> LocalDate.class;
            case TIMESTAMP -> Instant.class;
            case BYTES -> byte[].class;
        };
    }

    /**
     * Why {@code value} cannot be stored as this type, or {@code null} when it can. A null value is
     * accepted here; nullability is the column's business.
     */
    public String rejectionOf(Object value) {
        if (value == null) {
            return null;
        }
        if (!javaClass().isInstance(value)) {
            return "expected " + this + " (" + javaClass().getSimpleName() + ") but got "
                    + value.getClass().getSimpleName();
        }
        if (kind == Kind.DECIMAL) {
            BigDecimal d = (BigDecimal) value;
            if (d.scale() > scale && d.stripTrailingZeros().scale() > scale) {
                return "value " + d.toPlainString() + " has more than " + scale + " digits after the point for " + this;
            }
            int integerDigits = d.precision() - d.scale();
            if (integerDigits > precision - scale) {
                return "value " + d.toPlainString() + " does not fit " + this;
            }
        }
        if (kind == Kind.TIMESTAMP && ((Instant) value).getNano() % 1000 != 0) {
            return "timestamp " + value + " has sub-microsecond precision";
        }
        return null;
    }

    /**
     * Whether a column of this type may be widened in place to {@code wider} without losing values:
     * int32 → int64 → float64 (int32 → float64 too), and a decimal to one with at least as many
     * integer and fraction digits.
     */
    public boolean widensTo(LogicalType wider) {
        if (equals(wider)) {
            return true;
        }
        return switch (kind) {
            case INT32 -> wider.kind == Kind.INT64 || wider.kind == Kind.FLOAT64;
            case INT64 -> wider.kind == Kind.FLOAT64;
            case DECIMAL -> wider.kind == Kind.DECIMAL && wider.scale >= scale
                    && wider.precision - wider.scale >= precision - scale;
            default -> false;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogicalType other && kind == other.kind && precision == other.precision && scale == other.scale;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, precision, scale);
    }

    /** The name {@link #parse} accepts, e.g. {@code decimal(18,4)}. */
    @Override
    public String toString() {
        return kind == Kind.DECIMAL ? "decimal(" + precision + "," + scale + ")" : kind.name().toLowerCase(Locale.ROOT);
    }
}
