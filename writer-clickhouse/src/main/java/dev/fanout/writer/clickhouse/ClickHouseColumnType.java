package dev.fanout.writer.clickhouse;

import dev.fanout.api.LogicalType;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ClickHouse column type as stored, and how fanout's logical types map onto ClickHouse.
 *
 * <p>ClickHouse has no type that alone says "boolean", "bytes" or "json" on every server (18.16 has
 * no Bool, and String holds text and bytes alike), and 18.16 has neither DateTime64 nor Date32. So a
 * column whose ClickHouse type is ambiguous carries a comment naming its logical type
 * ({@code fanout:boolean}, {@code fanout:bytes}, {@code fanout:json}, and on old servers
 * {@code fanout:timestamp} for Int64 microseconds and {@code fanout:date} for Int32 days since the
 * epoch), which is how the writer and readers recover it.
 *
 * @param physical  how values are laid out in RowBinary
 * @param nullable  whether the type is {@code Nullable(...)}
 * @param precision digits of a Decimal, or 0
 * @param scale     fraction digits of a Decimal, or 0
 * @param text      the type as ClickHouse prints it
 */
record ClickHouseColumnType(Physical physical, boolean nullable, int precision, int scale, String text) {

    /** The RowBinary layouts the encoder writes. */
    enum Physical { UINT8, BOOL, INT32, INT64, UINT64, FLOAT64, DECIMAL, STRING, DATE, DATE32, DATETIME64, OTHER }

    static final String COMMENT_PREFIX = "fanout:";

    private static final Pattern DECIMAL = Pattern.compile("Decimal\\((\\d+),\\s*(\\d+)\\)");
    private static final Pattern DATETIME64 = Pattern.compile("DateTime64\\((\\d+)(?:,\\s*'[^']*')?\\)");

    ClickHouseColumnType {
        Objects.requireNonNull(physical, "physical is null");
        Objects.requireNonNull(text, "text is null");
    }

    /** Parses a type as {@code system.columns} prints it; unknown types have physical {@link Physical#OTHER}. */
    static ClickHouseColumnType parse(String text) {
        Objects.requireNonNull(text, "text is null");
        String t = text.strip();
        String inner = unwrap(t, "LowCardinality");
        boolean nullable = inner.startsWith("Nullable(");
        inner = unwrap(inner, "Nullable");
        int precision = 0;
        int scale = 0;
        Physical physical;
        Matcher d = DECIMAL.matcher(inner);
        Matcher ts = DATETIME64.matcher(inner);
        if (d.matches()) {
            physical = Physical.DECIMAL;
            precision = Integer.parseInt(d.group(1));
            scale = Integer.parseInt(d.group(2));
            if (precision > LogicalType.MAX_DECIMAL_PRECISION) {
                physical = Physical.OTHER;
            }
        } else if (ts.matches()) {
            physical = Integer.parseInt(ts.group(1)) == 6 ? Physical.DATETIME64 : Physical.OTHER;
        } else {
            physical = switch (inner) {
                case "UInt8" -> Physical.UINT8;
                case "Bool" -> Physical.BOOL;
                case "Int32" -> Physical.INT32;
                case "Int64" -> Physical.INT64;
                case "UInt64" -> Physical.UINT64;
                case "Float64" -> Physical.FLOAT64;
                case "String" -> Physical.STRING;
                case "Date" -> Physical.DATE;
                case "Date32" -> Physical.DATE32;
                default -> Physical.OTHER;
            };
        }
        return new ClickHouseColumnType(physical, nullable, precision, scale, t);
    }

    private static String unwrap(String type, String wrapper) {
        String open = wrapper + "(";
        return type.startsWith(open) && type.endsWith(")") ? type.substring(open.length(), type.length() - 1).strip() : type;
    }

    /** The ClickHouse type fanout creates for {@code type} on a server of {@code version}. */
    static String ddl(LogicalType type, boolean nullable, ClickHouseServerVersion version) {
        String base = switch (type.kind()) {
            case BOOLEAN -> "UInt8";
            case INT32 -> "Int32";
            case INT64 -> "Int64";
            case FLOAT64 -> "Float64";
            case DECIMAL -> "Decimal(" + type.precision() + ", " + type.scale() + ")";
            case STRING, JSON, BYTES -> "String";
            case DATE -> version.hasDate32() ? "Date32" : "Int32";
            case TIMESTAMP -> version.hasDateTime64() ? "DateTime64(6, 'UTC')" : "Int64";
        };
        return nullable ? "Nullable(" + base + ")" : base;
    }

    /** The comment a new column of {@code type} carries, or null when its ClickHouse type says it all. */
    static String comment(LogicalType type, ClickHouseServerVersion version) {
        return switch (type.kind()) {
            case BOOLEAN, JSON, BYTES -> COMMENT_PREFIX + type;
            case DATE -> version.hasDate32() ? null : COMMENT_PREFIX + type;
            case TIMESTAMP -> version.hasDateTime64() ? null : COMMENT_PREFIX + type;
            default -> null;
        };
    }

    /**
     * The logical type a column of this type with {@code comment} holds, or null when fanout does not
     * write such a column.
     */
    LogicalType logical(String comment) {
        String marked = comment != null && comment.startsWith(COMMENT_PREFIX) ? comment.substring(COMMENT_PREFIX.length()).strip() : "";
        return switch (physical) {
            case BOOL -> LogicalType.BOOLEAN;
            case UINT8 -> marked.equals("boolean") ? LogicalType.BOOLEAN : null;
            case INT32 -> marked.equals("date") ? LogicalType.DATE : LogicalType.INT32;
            case INT64 -> marked.equals("timestamp") ? LogicalType.TIMESTAMP : LogicalType.INT64;
            case FLOAT64 -> LogicalType.FLOAT64;
            case DECIMAL -> LogicalType.decimal(precision, scale);
            case STRING -> switch (marked) {
                case "json" -> LogicalType.JSON;
                case "bytes" -> LogicalType.BYTES;
                default -> LogicalType.STRING;
            };
            case DATE, DATE32 -> LogicalType.DATE;
            case DATETIME64 -> LogicalType.TIMESTAMP;
            case UINT64, OTHER -> null;
        };
    }

    @Override
    public String toString() {
        return text;
    }
}
