package dev.fanout.writer.clickhouse;

import com.clickhouse.data.ClickHouseFormat;
import dev.fanout.api.LogicalType;
import dev.fanout.api.WriteException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Turns a fanout row stream ({@link dev.fanout.api.RowExport} specifies it) into {@code Native}
 * blocks — or {@code RowBinary} for a table with a {@code LowCardinality} column, whose native layout
 * differs — in the layout of the stored table, as it is read: the values a {@link RowBinaryEncoder} would write
 * for the same rows, with the same checks (a null in a non-null column, a date or timestamp outside
 * what the column stores, a decimal that does not fit, a negative value for an unsigned column), and
 * int32 → int64 → float64 and decimals widened into a widened column. Strings and most numbers are
 * copied byte for byte. A native block holds each column's values one after another (a nullable one's
 * null flags first), up to {@value #BLOCK_ROWS} rows or about {@value #BLOCK_BYTES} bytes: the server
 * then only copies the values in, where it parses {@code RowBinary} value by value, its largest cost in
 * a load; it still gathers the blocks into parts of {@code max_insert_block_size} rows.
 *
 * <p>A check that fails, or a stream that ends inside a row, stops the insert: {@link #copy} throws
 * an {@link IOException} that the HTTP client turns into a failed request, and {@link #failure()}
 * then says what was wrong (a permanent {@link WriteException} naming table, column and row). Runs
 * once: the client calls it again only to retry a request, and the stream cannot be read twice.
 */
final class RowStreamTranscoder {

    static final int BLOCK_ROWS = 65_536;
    static final int BLOCK_BYTES = 4 << 20;
    private static final long MIN_MICROS = RowBinaryEncoder.MIN_EPOCH_DAY * 86_400_000_000L;
    private static final long MAX_MICROS = (RowBinaryEncoder.MAX_EPOCH_DAY + 1) * 86_400_000_000L - 1;

    /** How one column's stream value becomes its stored bytes. */
    private enum Op {
        BYTE, INT32, INT32_TO_INT64, INT32_TO_UINT64, INT32_TO_FLOAT64, INT64, INT64_TO_UINT64, INT64_TO_FLOAT64, FLOAT64,
        DECIMAL, STRING, DATE, DATE32, DATETIME64
    }

    private final String destination;
    private final String table;
    private final RowBinaryEncoder.Target[] targets;
    private final Op[] ops;
    /** Per column: whether the stored type is nullable; whether the stream has a null marker (all but the version). */
    private final boolean[] nullables;
    private final boolean[] markers;
    private final byte[] in = new byte[64 << 10];
    private int inPos;
    private int inEnd;
    private InputStream source;
    /** The bytes being written: the RowBinary buffer, or in a native block the current column's values. */
    private byte[] out = new byte[64 << 10];
    private int outPos;
    private OutputStream sink;
    /** Native blocks only (null for RowBinary): per column its values, their length, and a nullable one's null flags. */
    private final byte[][] values;
    private final int[] valuesEnd;
    private final byte[][] nullFlags;
    /** A native block's column headers (name and type, each with its length) and the rows it holds so far. */
    private final byte[][] headers;
    private int blockRows;
    private long rows;
    private boolean ran;
    private WriteException failure;

    /**
     * @param targets the insert's columns in stream order: the stream schema's columns, then the version
     *                ({@link RowBinaryEncoder.Target#sourceIndex()} -1)
     * @throws WriteException (permanent) for a column the stream's type cannot be written to, naming it
     */
    RowStreamTranscoder(String destination, String table, List<RowBinaryEncoder.Target> targets) throws WriteException {
        this.destination = Objects.requireNonNull(destination, "destination is null");
        this.table = Objects.requireNonNull(table, "table is null");
        this.targets = targets.toArray(new RowBinaryEncoder.Target[0]);
        this.ops = new Op[this.targets.length];
        this.nullables = new boolean[ops.length];
        this.markers = new boolean[ops.length];
        boolean nativeBlocks = true;
        for (int i = 0; i < ops.length; i++) {
            ops[i] = op(this.targets[i]);
            nullables[i] = this.targets[i].stored().nullable();
            markers[i] = this.targets[i].sourceIndex() >= 0;
            nativeBlocks &= !this.targets[i].stored().text().contains("LowCardinality");
        }
        if (nativeBlocks) {
            values = new byte[ops.length][];
            valuesEnd = new int[ops.length];
            nullFlags = new byte[ops.length][];
            headers = new byte[ops.length][];
            for (int i = 0; i < ops.length; i++) {
                values[i] = new byte[64 << 10];
                nullFlags[i] = nullables[i] ? new byte[BLOCK_ROWS] : null;
                headers[i] = header(this.targets[i]);
            }
        } else {
            values = null;
            valuesEnd = null;
            nullFlags = null;
            headers = null;
        }
    }

    /** The format {@link #copy} writes: {@code Native}, or {@code RowBinary} for a table with a {@code LowCardinality} column. */
    ClickHouseFormat format() {
        return values != null ? ClickHouseFormat.Native : ClickHouseFormat.RowBinary;
    }

    private static byte[] header(RowBinaryEncoder.Target t) {
        byte[] name = t.name().getBytes(StandardCharsets.UTF_8);
        byte[] type = t.stored().text().getBytes(StandardCharsets.UTF_8);
        byte[] h = new byte[10 + name.length + type.length];
        int p = putVarInt(h, 0, name.length);
        System.arraycopy(name, 0, h, p, name.length);
        p = putVarInt(h, p + name.length, type.length);
        System.arraycopy(type, 0, h, p, type.length);
        return Arrays.copyOf(h, p + type.length);
    }

    private static int putVarInt(byte[] b, int at, int v) {
        int p = at;
        int x = v;
        while ((x & ~0x7F) != 0) {
            b[p++] = (byte) ((x & 0x7F) | 0x80);
            x >>>= 7;
        }
        b[p++] = (byte) x;
        return p;
    }

    private Op op(RowBinaryEncoder.Target t) throws WriteException {
        LogicalType.Kind from = t.source().kind();
        ClickHouseColumnType.Physical to = t.stored().physical();
        Op op = switch (to) {
            case UINT8, BOOL -> from == LogicalType.Kind.BOOLEAN ? Op.BYTE : null;
            case INT32 -> from == LogicalType.Kind.INT32 || from == LogicalType.Kind.DATE ? Op.INT32 : null;
            case INT64 -> from == LogicalType.Kind.INT64 || from == LogicalType.Kind.TIMESTAMP ? Op.INT64
                    : from == LogicalType.Kind.INT32 ? Op.INT32_TO_INT64 : null;
            case UINT64 -> from == LogicalType.Kind.INT64 ? Op.INT64_TO_UINT64 : from == LogicalType.Kind.INT32 ? Op.INT32_TO_UINT64 : null;
            case FLOAT64 -> from == LogicalType.Kind.FLOAT64 ? Op.FLOAT64 : from == LogicalType.Kind.INT64 ? Op.INT64_TO_FLOAT64
                    : from == LogicalType.Kind.INT32 ? Op.INT32_TO_FLOAT64 : null;
            case DECIMAL -> from == LogicalType.Kind.DECIMAL ? Op.DECIMAL : null;
            case STRING -> from == LogicalType.Kind.STRING || from == LogicalType.Kind.JSON || from == LogicalType.Kind.BYTES ? Op.STRING : null;
            case DATE -> from == LogicalType.Kind.DATE ? Op.DATE : null;
            case DATE32 -> from == LogicalType.Kind.DATE ? Op.DATE32 : null;
            case DATETIME64 -> from == LogicalType.Kind.TIMESTAMP ? Op.DATETIME64 : null;
            case OTHER -> null;
        };
        if (op == null) {
            throw WriteException.permanent(table, t.name(), prefix(t) + ": " + t.source() + " values cannot be written to its type "
                    + t.stored().text());
        }
        return op;
    }

    /** Reads {@code rows} to its end and writes each row's RowBinary to {@code to}; the HTTP client's body writer. */
    void copy(InputStream stream, OutputStream to) throws IOException {
        if (ran) {
            throw new IOException("destination " + destination + ": table " + table + ": the row stream was already sent once and "
                    + "cannot be read again; the migration retries the whole range");
        }
        ran = true;
        source = stream;
        sink = to;
        try {
            if (values == null) {
                while (fill(1)) {
                    row();
                    rows++;
                }
                flush();
            } else {
                while (fill(1)) {
                    nativeRow();
                    rows++;
                }
                if (blockRows > 0) {
                    writeBlock();
                }
            }
        } catch (EOFException e) {
            failure = WriteException.permanent(table, null, "destination " + destination + ": table " + table + ": the row stream ended "
                    + "inside row " + (rows + 1) + " — the source stopped sending; nothing of the range counts as copied");
            throw e;
        } catch (RejectedValue e) {
            throw new IOException(failure.getMessage());
        }
    }

    /** Rows copied so far. */
    long rows() {
        return rows;
    }

    /** What stopped {@link #copy}, when it was the stream or a value; null otherwise. */
    WriteException failure() {
        return failure;
    }

    /**
     * One row: its own method, not the body of the loop in {@link #copy}, so the JIT compiles it as a
     * method within the first rows instead of waiting to replace the running loop, and keeps it for the
     * next ranges.
     */
    private void row() throws IOException {
        for (int c = 0; c < targets.length; c++) {
            column(c);
        }
    }

    /** One row into the native block's columns; writes the block out when it is full. */
    private void nativeRow() throws IOException {
        int bytes = 0;
        for (int c = 0; c < targets.length; c++) {
            out = values[c];
            outPos = valuesEnd[c];
            column(c);
            values[c] = out;
            valuesEnd[c] = outPos;
            bytes += outPos;
        }
        blockRows++;
        if (blockRows == BLOCK_ROWS || bytes >= BLOCK_BYTES) {
            writeBlock();
        }
    }

    /** The native block: column and row counts, then per column its name, type, null flags (nullable) and values. */
    private void writeBlock() throws IOException {
        byte[] counts = new byte[10];
        int n = putVarInt(counts, putVarInt(counts, 0, targets.length), blockRows);
        sink.write(counts, 0, n);
        for (int c = 0; c < targets.length; c++) {
            sink.write(headers[c]);
            if (nullFlags[c] != null) {
                sink.write(nullFlags[c], 0, blockRows);
            }
            sink.write(values[c], 0, valuesEnd[c]);
            valuesEnd[c] = 0;
        }
        blockRows = 0;
    }

    private void column(int c) throws IOException {
        RowBinaryEncoder.Target t = targets[c];
        boolean nullable = nullables[c];
        if (markers[c]) {
            int marker = readByte();
            if (marker == 1) {
                if (!nullable) {
                    throw reject(t, "is null, but the column is " + t.stored().text() + " and takes no nulls");
                }
                if (values == null) {
                    writeByte(1);
                } else {
                    nullFlags[c][blockRows] = 1;
                    writeZeros(nullValueWidth(c));
                }
                return;
            }
            if (marker != 0) {
                throw reject(t, "has null marker " + marker + ", where the row stream has 0 or 1 — the stream is corrupt");
            }
        }
        if (nullable) {
            if (values == null) {
                writeByte(0);
            } else {
                nullFlags[c][blockRows] = 0;
            }
        }
        switch (ops[c]) {
            case BYTE -> writeByte(readByte());
            case INT32 -> copyBytes(4);
            case INT32_TO_INT64 -> writeLong(readInt());
            case INT32_TO_UINT64 -> writeLong(nonNegative(t, readInt()));
            case INT32_TO_FLOAT64 -> writeLong(Double.doubleToRawLongBits(readInt()));
            case INT64, FLOAT64 -> copyBytes(8);
            case INT64_TO_UINT64 -> writeLong(nonNegative(t, readLong()));
            case INT64_TO_FLOAT64 -> writeLong(Double.doubleToRawLongBits(readLong()));
            case DECIMAL -> decimal(t);
            case STRING -> {
                int length = readLength(t);
                writeVarInt(length);
                copyBytes(length);
            }
            case DATE -> {
                int day = readInt();
                if (day < 0 || day > 0xFFFF) {
                    throw reject(t, "is day " + day + " since 1970-01-01, outside the range of " + t.stored().text() + " (1970-01-01 to 2149-06-06)");
                }
                writeShort(day);
            }
            case DATE32 -> {
                int day = readInt();
                if (day < RowBinaryEncoder.MIN_EPOCH_DAY || day > RowBinaryEncoder.MAX_EPOCH_DAY) {
                    throw reject(t, "is day " + day + " since 1970-01-01, outside the range of " + t.stored().text() + " (1900-01-01 to 2299-12-31)");
                }
                writeInt(day);
            }
            case DATETIME64 -> {
                long us = readLong();
                if (us < MIN_MICROS || us > MAX_MICROS) {
                    throw reject(t, "is " + us + " µs since the epoch, outside the range of " + t.stored().text() + " (years 1900 to 2299)");
                }
                writeLong(us);
            }
        }
    }

    /** The bytes of the value a native block holds under a null: zero, or an empty string. */
    private int nullValueWidth(int c) {
        return switch (ops[c]) {
            case BYTE, STRING -> 1;
            case DATE -> 2;
            case INT32, DATE32 -> 4;
            case INT32_TO_INT64, INT32_TO_UINT64, INT32_TO_FLOAT64, INT64, INT64_TO_UINT64, INT64_TO_FLOAT64, FLOAT64, DATETIME64 -> 8;
            case DECIMAL -> targets[c].stored().precision() <= 9 ? 4 : targets[c].stored().precision() <= 18 ? 8 : 16;
        };
    }

    private void writeZeros(int n) throws IOException {
        room(n);
        Arrays.fill(out, outPos, outPos + n, (byte) 0);
        outPos += n;
    }

    private long nonNegative(RowBinaryEncoder.Target t, long v) throws RejectedValue {
        if (v < 0) {
            throw reject(t, "is " + v + ", but the column is " + t.stored().text() + " and takes no negative values");
        }
        return v;
    }

    private void decimal(RowBinaryEncoder.Target t) throws IOException {
        long low = readLong();
        long high = readLong();
        BigInteger unscaled = BigInteger.valueOf(high).shiftLeft(64).or(BigInteger.valueOf(low).and(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)));
        BigDecimal d = new BigDecimal(unscaled, t.source().scale());
        ClickHouseColumnType type = t.stored();
        BigDecimal scaled;
        try {
            scaled = d.setScale(type.scale(), RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw reject(t, "is " + d.toPlainString() + ", with more than " + type.scale() + " digits after the point for " + type.text());
        }
        if (scaled.precision() > type.precision()) {
            throw reject(t, "is " + d.toPlainString() + ", which does not fit " + type.text());
        }
        BigInteger stored = scaled.unscaledValue();
        if (type.precision() <= 9) {
            writeInt(stored.intValue());
        } else if (type.precision() <= 18) {
            writeLong(stored.longValue());
        } else {
            writeLong(stored.longValue());
            writeLong(stored.shiftRight(64).longValue());
        }
    }

    private int readLength(RowBinaryEncoder.Target t) throws IOException {
        int length = 0;
        for (int shift = 0; ; shift += 7) {
            int b = readByte();
            if (shift == 28 && (b & 0xF8) != 0) {
                throw reject(t, "has a length above 2^31 bytes — the stream is corrupt");
            }
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return length;
            }
        }
    }

    private RejectedValue reject(RowBinaryEncoder.Target t, String why) {
        failure = WriteException.permanent(table, t.name(), prefix(t) + ": the value in row " + (rows + 1) + " of the rows loaded from the "
                + "migration's source " + why);
        return new RejectedValue();
    }

    private String prefix(RowBinaryEncoder.Target t) {
        return "destination " + destination + ": table " + table + ", column " + t.name();
    }

    /** Whether {@code n} bytes can be read at once (refilling); false only at the end of the stream, before any byte. */
    private boolean fill(int n) throws IOException {
        if (inEnd - inPos >= n) {
            return true;
        }
        if (inPos > 0) {
            System.arraycopy(in, inPos, in, 0, inEnd - inPos);
            inEnd -= inPos;
            inPos = 0;
        }
        while (inEnd < n) {
            int read;
            try {
                read = source.read(in, inEnd, in.length - inEnd);
            } catch (IOException e) {
                failure = WriteException.retryable("destination " + destination + ": table " + table + ": reading the row stream failed at "
                        + "row " + (rows + 1) + ": " + e.getMessage(), e);
                throw e;
            }
            if (read < 0) {
                if (inEnd == 0) {
                    return false;
                }
                throw new EOFException();
            }
            inEnd += read;
        }
        return true;
    }

    private void need(int n) throws IOException {
        if (!fill(n)) {
            throw new EOFException();
        }
    }

    private int readByte() throws IOException {
        if (inPos == inEnd) {
            need(1);
        }
        return in[inPos++] & 0xFF;
    }

    private int readInt() throws IOException {
        need(4);
        int p = inPos;
        inPos += 4;
        return (in[p] & 0xFF) | (in[p + 1] & 0xFF) << 8 | (in[p + 2] & 0xFF) << 16 | (in[p + 3] & 0xFF) << 24;
    }

    private long readLong() throws IOException {
        need(8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (in[inPos + i] & 0xFF);
        }
        inPos += 8;
        return v;
    }

    /** Copies {@code n} stream bytes to the output as they are. */
    private void copyBytes(int n) throws IOException {
        if (inEnd - inPos >= n && out.length - outPos >= n) {
            System.arraycopy(in, inPos, out, outPos, n);
            inPos += n;
            outPos += n;
            return;
        }
        int left = n;
        while (left > 0) {
            if (inPos == inEnd) {
                need(1);
            }
            int chunk = Math.min(left, inEnd - inPos);
            if (outPos + chunk > out.length) {
                room(chunk);
            }
            if (chunk > out.length) {
                sink.write(in, inPos, chunk);
            } else {
                System.arraycopy(in, inPos, out, outPos, chunk);
                outPos += chunk;
            }
            inPos += chunk;
            left -= chunk;
        }
    }

    private void flush() throws IOException {
        if (outPos > 0) {
            sink.write(out, 0, outPos);
            outPos = 0;
        }
    }

    /** Makes room for {@code n} more bytes: RowBinary flushes its buffer, a native column grows. */
    private void room(int n) throws IOException {
        if (outPos + n <= out.length) {
            return;
        }
        if (values == null) {
            flush();
        } else {
            out = Arrays.copyOf(out, Math.max(outPos + n, out.length * 2));
        }
    }

    private void writeByte(int v) throws IOException {
        if (outPos + 1 > out.length) {
            room(1);
        }
        out[outPos++] = (byte) v;
    }

    private void writeShort(int v) throws IOException {
        if (outPos + 2 > out.length) {
            room(2);
        }
        out[outPos++] = (byte) v;
        out[outPos++] = (byte) (v >>> 8);
    }

    private void writeInt(int v) throws IOException {
        if (outPos + 4 > out.length) {
            room(4);
        }
        out[outPos] = (byte) v;
        out[outPos + 1] = (byte) (v >>> 8);
        out[outPos + 2] = (byte) (v >>> 16);
        out[outPos + 3] = (byte) (v >>> 24);
        outPos += 4;
    }

    private void writeLong(long v) throws IOException {
        if (outPos + 8 > out.length) {
            room(8);
        }
        for (int i = 0; i < 8; i++) {
            out[outPos + i] = (byte) (v >>> (8 * i));
        }
        outPos += 8;
    }

    private void writeVarInt(int v) throws IOException {
        if (outPos + 5 > out.length) {
            room(5);
        }
        int x = v;
        while ((x & ~0x7F) != 0) {
            out[outPos++] = (byte) ((x & 0x7F) | 0x80);
            x >>>= 7;
        }
        out[outPos++] = (byte) x;
    }

    /** Unwinds {@link #copy} on a value the column cannot store; {@link #failure} says which. */
    private static final class RejectedValue extends IOException {
        private static final long serialVersionUID = 1L;

        RejectedValue() {
            super(null, null);
        }
    }
}
