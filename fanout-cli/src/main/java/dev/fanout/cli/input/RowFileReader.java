package dev.fanout.cli.input;

import dev.fanout.duckdb.DuckDbMessages;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads CSV, Parquet and newline-delimited JSON files into {@link FramePacket}s through an in-memory
 * DuckDB, whose readers infer types well. Rows come out in file order, {@code packetRows} at a time.
 * Not thread-safe; one reader per ingesting thread.
 *
 * <p><b>CSV and TSV</b> are read strictly ({@link RowFormat}): one fixed dialect, types inferred from
 * the whole file, and {@link #describe} reads the file through, so a malformed line is refused naming
 * its line before any row is sent, and {@link #read} reads with the types describe found.
 *
 * <p><b>Timestamps</b> of every DuckDB kind ({@code TIMESTAMP}, {@code TIMESTAMP_S}, {@code _MS},
 * {@code _NS}, {@code TIMESTAMP WITH TIME ZONE}) are selected as microseconds since the epoch and
 * become {@link Instant}s without passing through the JVM's default time zone (the JDBC driver's own
 * conversion shifts instants near daylight-saving changes when that zone is not UTC). A timestamp
 * without a zone is taken as UTC. {@code TIMESTAMP_NS} values are truncated (toward the past) to
 * whole microseconds, fanout's timestamp precision. An infinite timestamp fails the read, naming
 * the column.
 *
 * <p><b>Numbers</b> of the narrower DuckDB types come out as fanout's Java types: {@code TINYINT},
 * {@code SMALLINT}, {@code UTINYINT} and {@code USMALLINT} as {@link Integer}, {@code UINTEGER} as
 * {@link Long}, {@code FLOAT} as {@link Double}.
 */
public final class RowFileReader implements AutoCloseable {

    private static final Pattern DECIMAL = Pattern.compile("DECIMAL\\((\\d+),\\s*(\\d+)\\)");
    private static final Set<String> MICROSECOND_TIMESTAMPS = Set.of("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS",
            "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ");
    private static final String NANOSECOND_TIMESTAMP = "TIMESTAMP_NS";

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

    /**
     * What a file holds, as fanout will send it, and the DuckDB scan that reads it so: for CSV and
     * TSV the dialect, column types and date formats found by {@link #describe}, fixed, so that
     * reading the file again guesses nothing anew.
     */
    public record FileShape(Path file, List<Column> columns, long rows, String scan) {
    }

    /**
     * The columns and row count of {@code file}, with their logical types. A CSV or TSV file is read
     * through to its end first, every line checked against the header, so a file that would fail
     * half-way through fails here, before any of its rows is sent: a malformed line (an unterminated
     * quote, more or fewer fields than the header names, bytes that are not UTF-8) is refused naming
     * the file and the line; so are an empty file and a header that names a column twice (DuckDB would
     * rename the second) or leaves one unnamed. A file with a header and no rows is zero rows of its
     * header's columns, all text.
     */
    public FileShape describe(Path file) throws RowFileException {
        requireRowFile(file);
        requireNotEmpty(file);
        RowFormat format = formatOf(file);
        if (format.delimited()) {
            return describeDelimited(file, format);
        }
        List<Column> columns = new ArrayList<>();
        String scan = format.scan(file);
        for (FileColumn c : fileColumns(file, format, scan)) {
            columns.add(Column.of(c.name(), logicalType(file, c.name(), c.duckType())));
        }
        long rows;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + scan)) {
            rs.next();
            rows = rs.getLong(1);
        } catch (SQLException e) {
            throw new RowFileException(file + ": cannot count rows: " + DuckDbMessages.condense(e.getMessage()), e);
        }
        return new FileShape(file, columns, rows, scan);
    }

    private FileShape describeDelimited(Path file, RowFormat format) throws RowFileException {
        List<String> header = header(file, format);
        long rows;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + format.strictTextScan(file, header))) {
            rs.next();
            rows = rs.getLong(1);
        } catch (SQLException e) {
            throw new RowFileException(CsvProblems.describe(file, e), e);
        }
        List<Column> columns = new ArrayList<>();
        if (rows == 0) {
            header.forEach(name -> columns.add(Column.of(name, LogicalType.STRING)));
            return new FileShape(file, columns, 0, format.strictTextScan(file, header));
        }
        List<String> names = new ArrayList<>();
        List<String> types = new ArrayList<>();
        String dateFormat = null;
        String timestampFormat = null;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT c.name, c.type, DateFormat, TimestampFormat FROM (SELECT unnest(Columns) AS c, "
                     + "DateFormat, TimestampFormat FROM " + format.sniff(file) + ")")) {
            while (rs.next()) {
                names.add(rs.getString(1));
                types.add(rs.getString(2));
                dateFormat = rs.getString(3);
                timestampFormat = rs.getString(4);
            }
        } catch (SQLException e) {
            throw new RowFileException(CsvProblems.describe(file, e), e);
        }
        if (!names.equals(header)) {
            throw new RowFileException(file + ": DuckDB reads the header as " + names + ", not as " + header
                    + "; rename the columns so that each is plain text and distinct");
        }
        for (int i = 0; i < names.size(); i++) {
            columns.add(Column.of(names.get(i), logicalType(file, names.get(i), types.get(i))));
        }
        return new FileShape(file, columns, rows, format.typedScan(file, names, types, dateFormat, timestampFormat));
    }

    /** The column names on a delimited file's first line, refusing an empty file, duplicate names and unnamed columns. */
    private List<String> header(Path file, RowFormat format) throws RowFileException {
        String line;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery(format.firstLineScan(file))) {
            line = rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new RowFileException(CsvProblems.describe(file, e), e);
        }
        if (line == null) {
            throw new RowFileException(file + ": is empty: a " + format.name() + " file needs at least its header line "
                    + "naming the columns; write the header, or leave the file out");
        }
        return CsvProblems.headerNames(file, line, format.delimiterChar());
    }

    /**
     * Streams the file {@code shape} describes as packets of at most {@code packetRows} rows of {@code table}, keyed as
     * {@code schema} says, to {@code sink}, in file order. Returns the rows read. The schema's columns
     * are the file's columns, in file order, as {@link #describe} gives them.
     */
    public long read(FileShape shape, Schema schema, String table, String domain, int packetRows, Consumer<FramePacket> sink)
            throws RowFileException {
        Path file = shape.file();
        Objects.requireNonNull(schema, "schema is null");
        if (packetRows < 1) {
            throw new IllegalArgumentException("packet rows must be at least 1");
        }
        RowFormat format = formatOf(file);
        List<FileColumn> fileColumns = fileColumns(file, format, shape.scan());
        int width = schema.width();
        if (fileColumns.size() != width) {
            throw new RowFileException(file + ": has " + fileColumns.size() + " columns, but " + width
                    + " were expected; was it changed since it was described?");
        }
        ValueReader[] readers = new ValueReader[width];
        StringJoiner select = new StringJoiner(", ", "SELECT ", " FROM " + shape.scan());
        for (int i = 0; i < width; i++) {
            FileColumn column = fileColumns.get(i);
            LogicalType type = schema.column(i).type();
            select.add(selectExpression(file, column, type));
            readers[i] = valueReader(type, column.name(), i + 1,
                    NANOSECOND_TIMESTAMP.equals(column.duckType().toUpperCase(Locale.ROOT)));
        }
        long total = 0;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery(select.toString())) {
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
            if (format.delimited()) {
                String problem = CsvProblems.describe(file, e).substring(file.toString().length() + 2);
                throw new RowFileException(file + ": read failed after " + total + " rows: " + problem, e);
            }
            throw new RowFileException(file + ": read failed after " + total + " rows: " + DuckDbMessages.condense(e.getMessage()), e);
        }
        return total;
    }

    /** A column as DuckDB reads it from a file. */
    private record FileColumn(String name, String duckType) {
    }

    private List<FileColumn> fileColumns(Path file, RowFormat format, String scan) throws RowFileException {
        List<FileColumn> columns = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM " + scan)) {
            while (rs.next()) {
                columns.add(new FileColumn(rs.getString("column_name"), rs.getString("column_type")));
            }
        } catch (SQLException e) {
            throw new RowFileException(file + ": DuckDB cannot read it as " + format.name().toLowerCase(Locale.ROOT)
                    + ": " + DuckDbMessages.condense(e.getMessage()), e);
        }
        return columns;
    }

    /**
     * What to select for {@code column}: the column itself, or for a timestamp its microseconds
     * (nanoseconds for TIMESTAMP_NS) since the epoch as a BIGINT, failing on an infinite value.
     */
    private static String selectExpression(Path file, FileColumn column, LogicalType type) throws RowFileException {
        String quoted = quoteIdentifier(column.name());
        if (type.kind() != LogicalType.Kind.TIMESTAMP) {
            return quoted;
        }
        String duckType = column.duckType().toUpperCase(Locale.ROOT);
        String epoch;
        if (MICROSECOND_TIMESTAMPS.contains(duckType)) {
            epoch = "epoch_us(" + quoted + ")";
        } else if (NANOSECOND_TIMESTAMP.equals(duckType)) {
            epoch = "epoch_ns(" + quoted + ")";
        } else {
            throw new RowFileException(file + ", column '" + column.name() + "': DuckDB reads it as " + column.duckType()
                    + ", not as a timestamp");
        }
        String infinite = "column '" + column.name() + "' holds an infinite timestamp, which fanout cannot carry";
        return "CASE WHEN isinf(" + quoted + ") THEN error(" + quoteString(infinite) + ") ELSE " + epoch + " END";
    }

    /** {@code name} as a DuckDB identifier: in double quotes, inner double quotes doubled. */
    static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static String quoteString(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    /**
     * Refuses a path that is not a readable file of a known format — missing, a directory, not
     * readable, an unknown extension: a mistake on the command line, found before its content is read.
     */
    public static void requireRowFile(Path file) throws RowFileException {
        if (Files.isDirectory(file)) {
            throw new RowFileException(file + ": is a directory, not a row file; name the files in it instead (e.g. "
                    + file.resolve("*.csv") + ")");
        }
        if (!Files.isRegularFile(file)) {
            throw new RowFileException(file + ": no such file");
        }
        formatOf(file);
        if (!Files.isReadable(file)) {
            throw new RowFileException(file + ": not readable by this user");
        }
    }

    private static void requireNotEmpty(Path file) throws RowFileException {
        try {
            if (Files.size(file) == 0) {
                throw new RowFileException(file + ": is empty (0 bytes); a row file needs at least its columns "
                        + "(a CSV or TSV file its header line); write them, or leave the file out");
            }
        } catch (java.io.IOException e) {
            throw new RowFileException(file + ": cannot read its size: " + e.getMessage(), e);
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

    /**
     * Reads column {@code index} as {@code type}'s Java type. Numbers go through {@link Number}, since
     * the driver gives a FLOAT as a Float (and refuses it as a Double), a TINYINT as a Byte, and so on;
     * a timestamp arrives as the epoch count {@link #selectExpression} selected, in nanoseconds when
     * {@code nanos} (then truncated toward the past to microseconds), else in microseconds.
     */
    private static ValueReader valueReader(LogicalType type, String column, int index, boolean nanos) {
        return switch (type.kind()) {
            case BOOLEAN -> rs -> rs.getObject(index, Boolean.class);
            case INT32 -> rs -> toInt32(column, number(rs, index, column));
            case INT64 -> rs -> toInt64(column, number(rs, index, column));
            case FLOAT64 -> rs -> {
                Number n = number(rs, index, column);
                return n == null ? null : n.doubleValue();
            };
            case DECIMAL -> rs -> {
                BigDecimal d = rs.getBigDecimal(index);
                return d == null ? null : d.setScale(type.scale());
            };
            case STRING, JSON -> rs -> rs.getString(index);
            case DATE -> rs -> rs.getObject(index, LocalDate.class);
            case TIMESTAMP -> rs -> {
                Long epoch = toInt64(column, number(rs, index, column));
                if (epoch == null) {
                    return null;
                }
                return Instant.EPOCH.plus(nanos ? Math.floorDiv(epoch, 1000L) : epoch, ChronoUnit.MICROS);
            };
            case BYTES -> rs -> rs.getBytes(index);
        };
    }

    private static Number number(ResultSet rs, int index, String column) throws SQLException {
        Object v = rs.getObject(index);
        if (v == null || v instanceof Number) {
            return (Number) v;
        }
        throw new SQLException("column '" + column + "': expected a number, DuckDB gives a " + v.getClass().getSimpleName());
    }

    private static Integer toInt32(String column, Number n) throws SQLException {
        if (n == null || n instanceof Integer) {
            return (Integer) n;
        }
        if (n instanceof Byte || n instanceof Short || n instanceof Long && n.longValue() == n.intValue()) {
            return n.intValue();
        }
        throw new SQLException("column '" + column + "': " + n + " is not a 32-bit integer");
    }

    private static Long toInt64(String column, Number n) throws SQLException {
        if (n == null || n instanceof Long) {
            return (Long) n;
        }
        if (n instanceof Integer || n instanceof Short || n instanceof Byte) {
            return n.longValue();
        }
        if (n instanceof BigInteger b && b.bitLength() < Long.SIZE) {
            return b.longValue();
        }
        throw new SQLException("column '" + column + "': " + n + " is not a 64-bit integer");
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
