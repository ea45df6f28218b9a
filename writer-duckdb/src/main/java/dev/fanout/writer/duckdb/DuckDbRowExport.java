package dev.fanout.writer.duckdb;

import static dev.fanout.writer.duckdb.Sql.VERSION_COLUMN;
import static dev.fanout.writer.duckdb.Sql.quote;

import dev.fanout.api.Column;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowExport;
import dev.fanout.api.RowFilter;
import dev.fanout.api.WriteException;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A DuckDB table's key ranges written in the fanout row stream format ({@link RowExport}), over the
 * reader's connection. Two queries a range: the range's last key — the key {@code maxRows} keys
 * after the cursor ({@code ORDER BY key LIMIT 1 OFFSET maxRows - 1}), else the last key — then the
 * rows between the cursor and it, unsorted, so DuckDB scans in parallel and sorts nothing but the key.
 * Values are selected as {@link DuckDbReader#selected} says (strings as UTF-8 bytes, timestamps as
 * microseconds, dates as days) and written as they come, with no object per row but a string's bytes.
 * A table with more than one string, JSON or bytes column has them selected as one concatenation a row
 * beside each one's length (null for null): the driver makes a Java array for every such value it
 * hands over, which costs more than DuckDB's concatenation, so a row costs one array, not one a column.
 */
final class DuckDbRowExport implements RowExport {

    private final DuckDbReader reader;

    DuckDbRowExport(DuckDbReader reader) {
        this.reader = Objects.requireNonNull(reader, "reader is null");
    }

    @Override
    public Optional<ExportedRange> export(String table, RowFilter rows, Optional<List<Object>> afterKey, int maxRows, OutputStream out)
            throws WriteException {
        Objects.requireNonNull(rows, "rows is null");
        Objects.requireNonNull(afterKey, "afterKey is null");
        Objects.requireNonNull(out, "out is null");
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be at least 1, got " + maxRows);
        }
        DuckDbReader.Readable t = reader.readable(table);
        if (t == null) {
            return Optional.empty();
        }
        DuckDbReader.Where where = reader.where(t, rows);
        List<Object> cursor = afterKey.map(k -> t.schema().keyValues(t.name(), k)).orElse(null);
        String step = "finding the range's last key";
        try {
            Optional<List<Object>> last = lastKey(t, where, cursor, maxRows);
            if (last.isEmpty()) {
                return Optional.empty();
            }
            step = "exporting rows";
            long written = write(t, where, cursor, last.get(), out);
            if (written == 0) {
                return Optional.empty();
            }
            return Optional.of(new ExportedRange(last.get(), written));
        } catch (SQLException e) {
            throw reader.writer().failed(table, step, e);
        } catch (IOException e) {
            throw WriteException.retryable("table " + table + ": the row stream to the target failed while exporting rows: " + e.getMessage(), e);
        }
    }

    /** The key {@code maxRows} keys after {@code cursor}, else the last key after it; empty when no row follows it. */
    private Optional<List<Object>> lastKey(DuckDbReader.Readable t, DuckDbReader.Where where, List<Object> cursor, int maxRows)
            throws SQLException, WriteException {
        List<Column> key = t.schema().primaryKey().stream().map(k -> t.schema().column(k).orElseThrow()).toList();
        StringBuilder select = new StringBuilder("SELECT ");
        select.append(String.join(", ", key.stream().map(DuckDbReader::selected).toList())).append(" FROM ")
                .append(reader.qualified(t.name())).append(where.sql());
        if (cursor != null) {
            select.append(where.sql().isEmpty() ? " WHERE " : " AND ").append(DuckDbReader.keyBound(t, ">"));
        }
        String columns = String.join(", ", key.stream().map(c -> quote(c.name())).toList());
        String descending = String.join(", ", key.stream().map(c -> quote(c.name()) + " DESC").toList());
        Optional<List<Object>> found = firstKey(t, key, where, cursor, select + " ORDER BY " + columns + " LIMIT 1 OFFSET " + (maxRows - 1));
        return found.isPresent() ? found : firstKey(t, key, where, cursor, select + " ORDER BY " + descending + " LIMIT 1");
    }

    private Optional<List<Object>> firstKey(DuckDbReader.Readable t, List<Column> key, DuckDbReader.Where where, List<Object> cursor,
                                            String sql) throws SQLException, WriteException {
        try (PreparedStatement ps = reader.writer().connectionForReading().prepareStatement(sql)) {
            int p = where.bind(ps, 1);
            if (cursor != null) {
                DuckDbReader.bindKey(ps, p, t, cursor);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                List<Object> values = new ArrayList<>(key.size());
                for (int i = 0; i < key.size(); i++) {
                    values.add(DuckDbReader.value(rs, i + 1, key.get(i).type()));
                }
                return Optional.of(values);
            }
        }
    }

    /** Writes the rows after {@code cursor} up to and including {@code last}; returns how many. */
    private long write(DuckDbReader.Readable t, DuckDbReader.Where where, List<Object> cursor, List<Object> last, OutputStream out)
            throws SQLException, IOException, WriteException {
        List<Column> columns = t.schema().columns();
        boolean packed = columns.stream().filter(c -> isText(c.type().kind())).count() > 1;
        StringBuilder sql = new StringBuilder("SELECT ");
        List<String> texts = new ArrayList<>();
        for (Column c : columns) {
            if (packed && isText(c.type().kind())) {
                sql.append("octet_length(").append(DuckDbReader.selected(c)).append("), ");
                texts.add("coalesce(" + DuckDbReader.selected(c) + ", ''::BLOB)");
            } else {
                sql.append(DuckDbReader.selected(c)).append(", ");
            }
        }
        List<Column> key = t.schema().primaryKey().stream().map(k -> t.schema().column(k).orElseThrow()).toList();
        List<Integer> upperValues = new ArrayList<>();
        sql.append(quote(VERSION_COLUMN));
        if (packed) {
            sql.append(", ").append(String.join(" || ", texts));
        }
        sql.append(" FROM ").append(reader.qualified(t.name())).append(where.sql())
                .append(where.sql().isEmpty() ? " WHERE " : " AND ").append(atMost(key, upperValues));
        if (cursor != null) {
            sql.append(" AND ").append(DuckDbReader.keyBound(t, ">"));
        }
        LogicalType.Kind[] kinds = columns.stream().map(c -> c.type().kind()).toArray(LogicalType.Kind[]::new);
        int[] scales = columns.stream().mapToInt(c -> c.type().scale()).toArray();
        Connection connection = reader.writer().connectionForReading();
        streamResults(connection, true);
        Exception failure = null;
        try (PreparedStatement ps = connection.prepareStatement(sql.toString())) {
            int p = where.bind(ps, 1);
            for (int k : upperValues) {
                DuckDbReader.bindKeyValue(ps, p++, key.get(k).type(), last.get(k));
            }
            if (cursor != null) {
                DuckDbReader.bindKey(ps, p, t, cursor);
            }
            RowStreamOutput o = new RowStreamOutput(out);
            long rows = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    writeRow(o, rs, kinds, scales, packed);
                    rows++;
                }
            }
            o.flush();
            return rows;
        } catch (SQLException | IOException | RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            try {
                streamResults(connection, false);
            } catch (SQLException e) {
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * Turns the driver's result streaming on or off for the connection's session: on, a query's rows
     * are fetched as DuckDB produces them, so the first reach the target at once instead of after the
     * whole range is materialized (about 40 ms a million rows here) and the range is never held in
     * memory; off again after the range, as with streaming only one result set of the connection may be
     * open at a time, and the writer's other reads do not expect that. Off is {@code false}, not
     * {@code RESET}: a reset setting reads as NULL, on which the driver's next query fails with a DuckDB
     * internal error.
     */
    private static void streamResults(Connection connection, boolean on) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SET SESSION jdbc_stream_results = " + on);
        }
    }

    /**
     * The key at most the bound key, lexicographically, spelled out column by column — {@code k0 <= ?
     * AND (k0 < ? OR k0 = ? AND (k1 < ? OR k1 = ? AND k2 <= ?))} — as DuckDB refuses the BETWEEN it makes
     * of a row-value comparison from both sides; the leading column's own bound lets it skip row groups.
     * Adds to {@code values} the key column of each placeholder, in order.
     */
    private static String atMost(List<Column> key, List<Integer> values) {
        StringBuilder sql = new StringBuilder(quote(key.get(0).name())).append(" <= ").append(DuckDbReader.placeholder(key.get(0).type()));
        values.add(0);
        if (key.size() > 1) {
            sql.append(" AND ").append(atMostFrom(key, 0, values));
        }
        return sql.toString();
    }

    private static String atMostFrom(List<Column> key, int k, List<Integer> values) {
        String column = quote(key.get(k).name());
        String value = DuckDbReader.placeholder(key.get(k).type());
        if (k == key.size() - 1) {
            values.add(k);
            return column + " <= " + value;
        }
        values.add(k);
        values.add(k);
        return "(" + column + " < " + value + " OR " + column + " = " + value + " AND " + atMostFrom(key, k + 1, values) + ")";
    }

    private static void writeValue(RowStreamOutput o, ResultSet rs, int i, LogicalType.Kind kind, int scale) throws SQLException, IOException {
        switch (kind) {
            case BOOLEAN -> {
                boolean v = rs.getBoolean(i);
                if (present(o, rs)) {
                    o.writeByte(v ? 1 : 0);
                }
            }
            case INT32 -> {
                int v = rs.getInt(i);
                if (present(o, rs)) {
                    o.writeInt(v);
                }
            }
            case DATE -> {
                long v = rs.getLong(i);
                if (present(o, rs)) {
                    o.writeInt(Math.toIntExact(v));
                }
            }
            case INT64, TIMESTAMP -> {
                long v = rs.getLong(i);
                if (present(o, rs)) {
                    o.writeLong(v);
                }
            }
            case FLOAT64 -> {
                double v = rs.getDouble(i);
                if (present(o, rs)) {
                    o.writeLong(Double.doubleToRawLongBits(v));
                }
            }
            case DECIMAL -> {
                BigDecimal v = rs.getBigDecimal(i);
                if (v == null) {
                    o.writeByte(1);
                } else {
                    BigInteger unscaled = v.setScale(scale).unscaledValue();
                    o.writeByte(0);
                    o.writeLong(unscaled.longValue());
                    o.writeLong(unscaled.shiftRight(64).longValue());
                }
            }
            case STRING, JSON, BYTES -> {
                byte[] v = rs.getBytes(i);
                if (v == null) {
                    o.writeByte(1);
                } else {
                    o.writeByte(0);
                    o.writeBytes(v);
                }
            }
        }
    }

    /**
     * The current row of {@code rs}: its own method, not the body of the loop over the rows, so the JIT
     * compiles it as a method early in the first range and keeps it for the next ones.
     */
    private static void writeRow(RowStreamOutput o, ResultSet rs, LogicalType.Kind[] kinds, int[] scales, boolean packed)
            throws SQLException, IOException {
        int version = kinds.length + 1;
        if (packed) {
            o.texts = rs.getBytes(version + 1);
            o.textsAt = 0;
        }
        for (int c = 0; c < kinds.length; c++) {
            if (packed && isText(kinds[c])) {
                writePackedText(o, rs, c + 1);
            } else {
                writeValue(o, rs, c + 1, kinds[c], scales[c]);
            }
        }
        o.writeLong(rs.getLong(version));
    }

    private static boolean isText(LogicalType.Kind kind) {
        return kind == LogicalType.Kind.STRING || kind == LogicalType.Kind.JSON || kind == LogicalType.Kind.BYTES;
    }

    /** A string, JSON or bytes value whose length is result column {@code i}: its bytes are the row's next in the concatenation. */
    private static void writePackedText(RowStreamOutput o, ResultSet rs, int i) throws SQLException, IOException {
        long length = rs.getLong(i);
        if (present(o, rs)) {
            o.writeBytes(o.texts, o.textsAt, Math.toIntExact(length));
            o.textsAt += (int) length;
        }
    }

    /** Writes the null marker of the value just read; true when it is present. */
    private static boolean present(RowStreamOutput o, ResultSet rs) throws SQLException, IOException {
        boolean isNull = rs.wasNull();
        o.writeByte(isNull ? 1 : 0);
        return !isNull;
    }

    /** Little-endian values into a 64 KiB buffer, handed to the stream when full. */
    private static final class RowStreamOutput {
        private final OutputStream out;
        private final byte[] buf = new byte[64 << 10];
        private int pos;
        /** The current row's string, JSON and bytes values concatenated, and where the next one starts. */
        private byte[] texts;
        private int textsAt;

        RowStreamOutput(OutputStream out) {
            this.out = out;
        }

        private void room(int n) throws IOException {
            if (pos + n > buf.length) {
                flush();
            }
        }

        void flush() throws IOException {
            if (pos > 0) {
                out.write(buf, 0, pos);
                pos = 0;
            }
        }

        void writeByte(int v) throws IOException {
            room(1);
            buf[pos++] = (byte) v;
        }

        void writeInt(int v) throws IOException {
            room(4);
            buf[pos] = (byte) v;
            buf[pos + 1] = (byte) (v >>> 8);
            buf[pos + 2] = (byte) (v >>> 16);
            buf[pos + 3] = (byte) (v >>> 24);
            pos += 4;
        }

        void writeLong(long v) throws IOException {
            room(8);
            for (int i = 0; i < 8; i++) {
                buf[pos + i] = (byte) (v >>> (8 * i));
            }
            pos += 8;
        }

        void writeBytes(byte[] v) throws IOException {
            writeBytes(v, 0, v.length);
        }

        /** The length as a varint, then {@code length} bytes of {@code v} from {@code from}. */
        void writeBytes(byte[] v, int from, int length) throws IOException {
            room(5);
            int x = length;
            while ((x & ~0x7F) != 0) {
                buf[pos++] = (byte) ((x & 0x7F) | 0x80);
                x >>>= 7;
            }
            buf[pos++] = (byte) x;
            if (length > buf.length - pos) {
                flush();
                out.write(v, from, length);
            } else {
                System.arraycopy(v, from, buf, pos, length);
                pos += length;
            }
        }
    }
}
