package dev.fanout.writer.clickhouse;

import static dev.fanout.writer.clickhouse.ClickHouseSql.literal;
import static dev.fanout.writer.clickhouse.ClickHouseSql.qualified;

import dev.fanout.api.LogicalType;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a ClickHouse table back with {@code FINAL} in TabSeparated through the server's own HTTP
 * interface, values as fanout's Java types: the logical type of each column comes from its
 * ClickHouse type and fanout comment, as a user's reader would recover it. For tests.
 */
public final class ClickHouseTables {

    private static final DateTimeFormatter DATETIME64 = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private ClickHouseTables() {
    }

    /** Every row of {@code database.table} as column name to value, after {@code FINAL}. */
    public static List<Map<String, Object>> rows(ClickHouseServer server, String database, String table) throws IOException {
        List<String> names = new ArrayList<>();
        List<LogicalType> types = new ArrayList<>();
        List<ClickHouseColumnType> stored = new ArrayList<>();
        for (String[] c : server.rows("SELECT name, type, comment FROM system.columns WHERE database = " + literal(database)
                + " AND table = " + literal(table))) {
            names.add(c[0]);
            LogicalType t = ClickHouseColumnType.parse(c[1]).logical(c[2]);
            if (t == null) {
                throw new IllegalStateException("column " + c[0] + " has type " + c[1] + ", which fanout does not write");
            }
            types.add(t);
            stored.add(ClickHouseColumnType.parse(c[1]));
        }
        String columns = String.join(", ", names.stream().map(ClickHouseSql::quote).toList());
        byte[] body = server.query("SELECT " + columns + " FROM " + qualified(database, table) + " FINAL FORMAT TabSeparated");
        List<Map<String, Object>> out = new ArrayList<>();
        for (byte[][] raw : TabSeparated.rawRows(body)) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                row.put(names.get(i), raw[i] == null ? null : value(types.get(i), stored.get(i), raw[i]));
            }
            out.add(row);
        }
        return out;
    }

    private static Object value(LogicalType type, ClickHouseColumnType stored, byte[] raw) {
        if (type.kind() == LogicalType.Kind.BYTES) {
            return raw;
        }
        String text = new String(raw, StandardCharsets.UTF_8);
        return switch (type.kind()) {
            case BOOLEAN -> text.equals("1") || text.equals("true");
            case INT32 -> Integer.parseInt(text);
            case INT64 -> Long.parseLong(text);
            case FLOAT64 -> Double.parseDouble(text);
            case DECIMAL -> new BigDecimal(text);
            case STRING, JSON -> text;
            case DATE -> stored.physical() == ClickHouseColumnType.Physical.INT32
                    ? LocalDate.ofEpochDay(Long.parseLong(text)) : LocalDate.parse(text);
            case TIMESTAMP -> stored.physical() == ClickHouseColumnType.Physical.INT64
                    ? Instant.EPOCH.plusNanos(Math.multiplyExact(Long.parseLong(text), 1000L))
                    : LocalDateTime.parse(text, DATETIME64).toInstant(ZoneOffset.UTC);
            case BYTES -> raw;
        };
    }
}
