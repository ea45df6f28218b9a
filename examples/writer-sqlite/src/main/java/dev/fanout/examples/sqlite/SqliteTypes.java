package dev.fanout.examples.sqlite;

import dev.fanout.api.LogicalType;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * How each fanout logical type is stored in SQLite, in one place for writing and reading back.
 *
 * <p>SQLite types values, not columns, so a column is declared with the storage class its values
 * take (INTEGER, REAL, TEXT, BLOB) and its logical type is kept in {@value SqliteTable#COLUMNS_TABLE}.
 * Booleans are 0/1; decimals are exact text ({@link BigDecimal#toPlainString()}); dates are
 * {@code YYYY-MM-DD} and timestamps UTC ISO-8601 text with six fraction digits
 * ({@code 2024-02-29T23:59:59.123456Z}), which SQLite's date and time functions read and which sort
 * as text in time order; JSON is its text.
 */
final class SqliteTypes {

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private SqliteTypes() {
    }

    /** The storage class a column of {@code type} is declared with. */
    static String storage(LogicalType type) {
        return switch (type.kind()) {
            case BOOLEAN, INT32, INT64 -> "INTEGER";
            case FLOAT64 -> "REAL";
            case DECIMAL, STRING, DATE, TIMESTAMP, JSON -> "TEXT";
            case BYTES -> "BLOB";
        };
    }

    /** Binds {@code value} (of {@code type}'s Java class, or null) as parameter {@code index}. */
    static void bind(PreparedStatement statement, int index, LogicalType type, Object value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.NULL);
            return;
        }
        switch (type.kind()) {
            case BOOLEAN -> statement.setInt(index, (Boolean) value ? 1 : 0);
            case INT32 -> statement.setInt(index, (Integer) value);
            case INT64 -> statement.setLong(index, (Long) value);
            case FLOAT64 -> statement.setDouble(index, (Double) value);
            case DECIMAL -> statement.setString(index, ((BigDecimal) value).toPlainString());
            case STRING, JSON -> statement.setString(index, (String) value);
            case DATE -> statement.setString(index, value.toString());
            case TIMESTAMP -> statement.setString(index, TIMESTAMP.format((Instant) value));
            case BYTES -> statement.setBytes(index, (byte[]) value);
        }
    }

    /** Column {@code index} of the current row as {@code type}'s Java class, or null. */
    static Object read(ResultSet rows, int index, LogicalType type) throws SQLException {
        if (rows.getObject(index) == null) {
            return null;
        }
        return switch (type.kind()) {
            case BOOLEAN -> rows.getLong(index) != 0;
            case INT32 -> rows.getInt(index);
            case INT64 -> rows.getLong(index);
            case FLOAT64 -> rows.getDouble(index);
            case DECIMAL -> new BigDecimal(rows.getString(index));
            case STRING, JSON -> rows.getString(index);
            case DATE -> LocalDate.parse(rows.getString(index));
            case TIMESTAMP -> Instant.parse(rows.getString(index));
            case BYTES -> rows.getBytes(index);
        };
    }
}
