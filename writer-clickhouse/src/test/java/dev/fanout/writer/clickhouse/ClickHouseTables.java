package dev.fanout.writer.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a ClickHouse table back with {@code FINAL} through the server's own HTTP interface, values as
 * fanout's Java types, without any of the writer's code: the server converts values to text
 * ({@code toString}, {@code hex} for bytes) and answers in {@code JSONCompact}, parsed with Jackson;
 * each column's Java type is decided here from the type and comment {@code system.columns} prints, by
 * writer-clickhouse/README.md's type table. So a mistake on both sides of the writer's type mapping
 * shows. For tests.
 */
public final class ClickHouseTables {

    /** Decimals as the exact numbers the server printed, trailing zeros kept. */
    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES).build();
    private static final Pattern DECIMAL = Pattern.compile("Decimal\\(\\d+, *\\d+\\)");
    private static final Pattern DATETIME64_UTC = Pattern.compile("DateTime64\\(6(, *'UTC')?\\)");
    private static final DateTimeFormatter DATETIME64 = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private ClickHouseTables() {
    }

    /** How one stored column is selected and its JSON value turned into a Java value. */
    private record Reading(String select, Function<JsonNode, Object> value) {

        /** The column converted to text on the server ({@code toString}, or {@code hex}), parsed by {@code parse}. */
        static Reading text(String select, Function<String, Object> parse) {
            return new Reading(select, node -> parse.apply(node.textValue()));
        }
    }

    /** Every row of {@code database.table} as column name to value, after {@code FINAL}. */
    public static List<Map<String, Object>> rows(ClickHouseServer server, String database, String table) throws IOException {
        List<String> names = new ArrayList<>();
        List<Reading> readings = new ArrayList<>();
        for (String[] c : server.rows("SELECT name, type, comment FROM system.columns WHERE database = " + string(database)
                + " AND table = " + string(table))) {
            names.add(c[0]);
            readings.add(reading(identifier(c[0]), c[1], c[2]));
        }
        if (names.isEmpty()) {
            throw new IllegalStateException(database + "." + table + " has no columns: no such table");
        }
        String select = String.join(", ", readings.stream().map(Reading::select).toList());
        JsonNode answer = JSON.readTree(server.query("SELECT " + select + " FROM " + identifier(database) + "." + identifier(table)
                + " FINAL FORMAT JSONCompact"));
        List<Map<String, Object>> out = new ArrayList<>();
        for (JsonNode stored : answer.get("data")) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                JsonNode v = stored.get(i);
                row.put(names.get(i), v.isNull() ? null : readings.get(i).value().apply(v));
            }
            out.add(row);
        }
        return out;
    }

    /**
     * A column of ClickHouse type {@code type} with {@code comment}, read as README's type table says
     * fanout stores it. Values go through the server's {@code toString} (JSON would print NaN and
     * infinities as null), except decimals, whose {@code toString} 18.16 garbles for Decimal128: they
     * come as JSON numbers, read exactly.
     */
    private static Reading reading(String column, String type, String comment) {
        String t = unwrap(unwrap(type, "LowCardinality"), "Nullable");
        String text = "toString(" + column + ")";
        Reading reading = switch (t) {
            case "UInt8" -> "fanout:boolean".equals(comment) ? Reading.text(text, s -> switch (s) {
                case "0" -> false;
                case "1" -> true;
                default -> throw new IllegalStateException(column + " holds " + s + ", not a boolean 0 or 1");
            }) : null;
            case "Bool" -> Reading.text(text, Boolean::parseBoolean);
            case "Int32" -> "fanout:date".equals(comment) ? Reading.text(text, s -> LocalDate.ofEpochDay(Long.parseLong(s)))
                    : Reading.text(text, Integer::valueOf);
            case "Int64" -> "fanout:timestamp".equals(comment)
                    ? Reading.text(text, s -> Instant.EPOCH.plusNanos(Math.multiplyExact(Long.parseLong(s), 1000L)))
                    : Reading.text(text, Long::valueOf);
            case "Float64" -> Reading.text(text, ClickHouseTables::float64);
            case "String" -> "fanout:bytes".equals(comment) ? Reading.text("hex(" + column + ")", HexFormat.of()::parseHex)
                    : Reading.text(text, s -> s);
            case "Date", "Date32" -> Reading.text(text, LocalDate::parse);
            default -> DECIMAL.matcher(t).matches() ? new Reading(column, v -> decimal(column, v))
                    : DATETIME64_UTC.matcher(t).matches() ? Reading.text(text, s -> LocalDateTime.parse(s, DATETIME64).toInstant(ZoneOffset.UTC))
                    : null;
        };
        if (reading == null) {
            throw new IllegalStateException("column " + column + " has type " + type + " and comment '" + comment
                    + "', which fanout does not write");
        }
        return reading;
    }

    /**
     * A decimal as the JSON number the server printed. Anything else fails: Jackson's
     * {@code decimalValue} gives {@code 0} for a textual node (a quoted decimal), which would pass for
     * a stored zero.
     */
    static Object decimal(String column, JsonNode v) {
        if (!v.isNumber()) {
            throw new IllegalStateException(column + " came as " + v.getNodeType() + " " + v + ", not a JSON number: read as "
                    + "a decimal it would be 0");
        }
        return v.decimalValue();
    }

    private static String unwrap(String type, String wrapper) {
        String t = type.strip();
        return t.startsWith(wrapper + "(") && t.endsWith(")") ? t.substring(wrapper.length() + 1, t.length() - 1).strip() : t;
    }

    /** ClickHouse prints Float64 specials as {@code nan}, {@code inf}, {@code -inf}. */
    private static Double float64(String s) {
        return switch (s) {
            case "nan", "-nan" -> Double.NaN;
            case "inf", "+inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.valueOf(s);
        };
    }

    /** A ClickHouse string literal: quoted, with backslash and quote escaped. */
    static String string(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** A ClickHouse identifier in backquotes, with backslash and backquote escaped. */
    static String identifier(String name) {
        return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`";
    }
}
