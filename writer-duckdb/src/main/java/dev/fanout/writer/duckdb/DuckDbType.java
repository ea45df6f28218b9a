package dev.fanout.writer.duckdb;

import dev.fanout.api.LogicalType;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How fanout's logical types are stored in DuckDB, and back. The JSON extension ships inside the
 * bundled driver (loaded without a download), so {@code json} is stored as DuckDB's {@code JSON}
 * type, which keeps the text as sent and validates it on insert.
 */
final class DuckDbType {

    private static final Pattern DECIMAL = Pattern.compile("DECIMAL\\((\\d+),\\s*(\\d+)\\)");

    private DuckDbType() {
    }

    /** The DuckDB column type for {@code type}. */
    static String of(LogicalType type) {
        return switch (type.kind()) {
            case BOOLEAN -> "BOOLEAN";
            case INT32 -> "INTEGER";
            case INT64 -> "BIGINT";
            case FLOAT64 -> "DOUBLE";
            case DECIMAL -> "DECIMAL(" + type.precision() + "," + type.scale() + ")";
            case STRING -> "VARCHAR";
            case DATE -> "DATE";
            case TIMESTAMP -> "TIMESTAMP";
            case BYTES -> "BLOB";
            case JSON -> "JSON";
        };
    }

    /**
     * The type a staging column gets: the stored type, except JSON which is staged as text so that
     * the insert's cast to JSON validates it (the Appender does not).
     */
    static String staged(LogicalType type) {
        return type.kind() == LogicalType.Kind.JSON ? "VARCHAR" : of(type);
    }

    /** The logical type a DuckDB column type stores, or null when fanout does not produce that type. */
    static LogicalType parse(String duckDbType) {
        String t = duckDbType.trim().toUpperCase(Locale.ROOT);
        Matcher m = DECIMAL.matcher(t);
        if (m.matches()) {
            return LogicalType.decimal(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
        return switch (t) {
            case "BOOLEAN" -> LogicalType.BOOLEAN;
            case "INTEGER" -> LogicalType.INT32;
            case "BIGINT" -> LogicalType.INT64;
            case "DOUBLE" -> LogicalType.FLOAT64;
            case "VARCHAR" -> LogicalType.STRING;
            case "DATE" -> LogicalType.DATE;
            case "TIMESTAMP" -> LogicalType.TIMESTAMP;
            case "BLOB" -> LogicalType.BYTES;
            case "JSON" -> LogicalType.JSON;
            default -> null;
        };
    }
}
