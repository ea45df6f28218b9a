package dev.fanout.cli.input;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads CSV, Parquet and newline-delimited JSON files into {@link FramePacket}s through an in-memory
 * DuckDB, whose readers infer types well. Rows come out in file order, {@code packetRows} at a time.
 * Not thread-safe; one reader per ingesting thread.
 */
public final class RowFileReader implements AutoCloseable {

    private static final Pattern DECIMAL = Pattern.compile("DECIMAL\\((\\d+),\\s*(\\d+)\\)");

    private final Connection connection;

    public RowFileReader() throws SQLException {
        connection = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement s = connection.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
        }
    }

    /** The table a file feeds by default: its name without directories and extensions. */
    public static String tableNameOf(Path file) {
        return RowFormat.baseName(file);
    }

    /** What a file holds, as fanout will send it. */
    public record FileShape(Path file, List<Column> columns, long rows) {
    }

    /** The columns and row count of {@code file}, with their logical types. */
    public FileShape describe(Path file) throws RowFileException {
        requireReadable(file);
        RowFormat format = formatOf(file);
        List<Column> columns = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM " + format.scan(file))) {
            while (rs.next()) {
                String name = rs.getString("column_name");
                String type = rs.getString("column_type");
                columns.add(Column.of(name, logicalType(file, name, type)));
            }
        } catch (SQLException e) {
            throw new RowFileException(file + ": DuckDB cannot read it as " + format.name().toLowerCase(Locale.ROOT)
                    + ": " + firstLine(e.getMessage()), e);
        }
        long rows;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + format.scan(file))) {
            rs.next();
            rows = rs.getLong(1);
        } catch (SQLException e) {
            throw new RowFileException(file + ": cannot count rows: " + firstLine(e.getMessage()), e);
        }
        return new FileShape(file, columns, rows);
    }

    /**
     * Streams {@code file} as packets of at most {@code packetRows} rows of {@code table}, keyed as
     * {@code schema} says, to {@code sink}, in file order. Returns the rows read.
     */
    public long read(Path file, Schema schema, String table, String domain, int packetRows, Consumer<FramePacket> sink)
            throws RowFileException {
        Objects.requireNonNull(schema, "schema is null");
        if (packetRows < 1) {
            throw new IllegalArgumentException("packet rows must be at least 1");
        }
        RowFormat format = formatOf(file);
        int width = schema.width();
        ValueReader[] readers = new ValueReader[width];
        for (int i = 0; i < width; i++) {
            readers[i] = valueReader(schema.column(i).type(), i + 1);
        }
        long total = 0;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM " + format.scan(file))) {
            FramePacket.Builder builder = null;
            while (rs.next()) {
                if (builder == null) {
                    builder = FramePacket.builder(table, schema).domain(domain);
                }
                Object[] row = new Object[width];
                for (int i = 0; i < width; i++) {
                    row[i] = readers[i].read(rs);
                }
                builder.addRow(row);
                total++;
                if (builder.rowCount() == packetRows) {
                    sink.accept(builder.build());
                    builder = null;
                }
            }
            if (builder != null) {
                sink.accept(builder.build());
            }
        } catch (SQLException e) {
            throw new RowFileException(file + ": read failed after " + total + " rows: " + firstLine(e.getMessage()), e);
        }
        return total;
    }

    private static void requireReadable(Path file) throws RowFileException {
        if (!Files.isRegularFile(file)) {
            throw new RowFileException(file + ": no such file");
        }
        if (!Files.isReadable(file)) {
            throw new RowFileException(file + ": not readable by this user");
        }
    }

    private static RowFormat formatOf(Path file) throws RowFileException {
        try {
            return RowFormat.of(file);
        } catch (IllegalArgumentException e) {
            throw new RowFileException(e.getMessage(), e);
        }
    }

    /** DuckDB's inferred type → fanout's logical type; nested types are refused with advice. */
    static LogicalType logicalType(Path file, String column, String duckType) throws RowFileException {
        String t = duckType.toUpperCase(Locale.ROOT);
        Matcher m = DECIMAL.matcher(t);
        if (m.matches()) {
            return LogicalType.decimal(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
        switch (t) {
            case "BOOLEAN": return LogicalType.BOOLEAN;
            case "TINYINT": case "SMALLINT": case "INTEGER": case "UTINYINT": case "USMALLINT": return LogicalType.INT32;
            case "BIGINT": case "UINTEGER": return LogicalType.INT64;
            case "UBIGINT": case "HUGEINT": return LogicalType.decimal(38, 0);
            case "FLOAT": case "DOUBLE": return LogicalType.FLOAT64;
            case "VARCHAR": return LogicalType.STRING;
            case "JSON": return LogicalType.JSON;
            case "DATE": return LogicalType.DATE;
            case "TIMESTAMP": case "TIMESTAMP_S": case "TIMESTAMP_MS": case "TIMESTAMP_NS":
            case "TIMESTAMP WITH TIME ZONE": case "TIMESTAMPTZ": return LogicalType.TIMESTAMP;
            case "BLOB": return LogicalType.BYTES;
            default:
                throw new RowFileException(file + ", column '" + column + "': DuckDB reads it as " + duckType
                        + ", which fanout has no logical type for; flatten or cast it to one of boolean, integer, "
                        + "double, decimal, varchar, date, timestamp, blob or json");
        }
    }

    @FunctionalInterface
    private interface ValueReader {
        Object read(ResultSet rs) throws SQLException;
    }

    private static ValueReader valueReader(LogicalType type, int index) {
        return switch (type.kind()) {
            case BOOLEAN -> rs -> rs.getObject(index, Boolean.class);
            case INT32 -> rs -> rs.getObject(index, Integer.class);
            case INT64 -> rs -> rs.getObject(index, Long.class);
            case FLOAT64 -> rs -> rs.getObject(index, Double.class);
            case DECIMAL -> rs -> {
                BigDecimal d = rs.getBigDecimal(index);
                return d == null ? null : d.setScale(type.scale());
            };
            case STRING, JSON -> rs -> rs.getString(index);
            case DATE -> rs -> rs.getObject(index, LocalDate.class);
            case TIMESTAMP -> rs -> {
                Object v = rs.getObject(index);
                if (v == null) {
                    return null;
                }
                if (v instanceof OffsetDateTime odt) {
                    return odt.toInstant();
                }
                return rs.getObject(index, LocalDateTime.class).toInstant(ZoneOffset.UTC);
            };
            case BYTES -> rs -> rs.getBytes(index);
        };
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
