package dev.fanout.writer.clickhouse;

import dev.fanout.api.FramePacket;
import dev.fanout.api.LatestPerKey;
import dev.fanout.api.LogicalType;
import dev.fanout.api.WriteException;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Encodes the winning rows of a batch in ClickHouse's {@code RowBinary} format, column by column in
 * the layout of the stored table (not of the batch), so a narrower batch type lands in a widened
 * column (int32 into Int64 or Float64, a decimal into one with more digits).
 *
 * <p>Every value is checked before a byte goes to the server: a wrong Java class, a null in a
 * non-nullable column, a decimal that does not fit, a date or timestamp outside what the column
 * stores — each is a permanent {@link WriteException} naming table, column, packet and row. So an
 * insert either sends a whole, valid batch or nothing.
 */
final class RowBinaryEncoder {

    /** First day Date32 and DateTime64 store: 1900-01-01. */
    static final long MIN_EPOCH_DAY = LocalDate.of(1900, 1, 1).toEpochDay();
    /** Last day Date32 and DateTime64 store: 2299-12-31. */
    static final long MAX_EPOCH_DAY = LocalDate.of(2299, 12, 31).toEpochDay();
    private static final long MIN_MICROS = MIN_EPOCH_DAY * 86_400_000_000L;
    private static final long MAX_MICROS = (MAX_EPOCH_DAY + 1) * 86_400_000_000L - 1;

    /**
     * One column of an insert.
     *
     * @param name        the stored column's name
     * @param sourceIndex the batch column it takes values from, or -1 for the row version
     * @param source      the batch column's logical type (int64 for the version)
     * @param stored      the stored column's type
     */
    record Target(String name, int sourceIndex, LogicalType source, ClickHouseColumnType stored) {
        Target {
            Objects.requireNonNull(name, "name is null");
            Objects.requireNonNull(source, "source is null");
            Objects.requireNonNull(stored, "stored is null");
        }
    }

    private final String destination;
    private final String table;
    private final Target[] targets;

    RowBinaryEncoder(String destination, String table, List<Target> targets) {
        this.destination = Objects.requireNonNull(destination, "destination is null");
        this.table = Objects.requireNonNull(table, "table is null");
        this.targets = targets.toArray(new Target[0]);
    }

    /** The names of the target columns, in encoding order. */
    List<String> columnNames() {
        List<String> names = new ArrayList<>(targets.length);
        for (Target t : targets) {
            names.add(t.name());
        }
        return names;
    }

    /** Encodes every winner, in first-seen order. */
    Encoded encode(LatestPerKey winners) throws WriteException {
        Encoded out = new Encoded();
        for (int w = 0, n = winners.size(); w < n; w++) {
            FramePacket packet = winners.packet(w);
            int row = winners.rowIndex(w);
            for (Target t : targets) {
                Object value = t.sourceIndex() < 0 ? winners.version(w) : packet.value(row, t.sourceIndex());
                write(out, t, value, packet, row);
            }
            out.rows++;
        }
        return out;
    }

    private void write(Encoded out, Target t, Object value, FramePacket packet, int row) throws WriteException {
        ClickHouseColumnType type = t.stored();
        if (value == null) {
            if (!type.nullable()) {
                throw failure(t, packet, row, "is null, but the column is " + type.text() + " and takes no nulls");
            }
            out.writeByte(1);
            return;
        }
        if (!t.source().javaClass().isInstance(value)) {
            throw failure(t, packet, row, "holds a " + value.getClass().getSimpleName() + " where " + t.source() + " ("
                    + t.source().javaClass().getSimpleName() + ") is expected");
        }
        if (type.nullable()) {
            out.writeByte(0);
        }
        switch (type.physical()) {
            case UINT8, BOOL -> out.writeByte((Boolean) value ? 1 : 0);
            case INT32 -> out.writeInt(value instanceof LocalDate d ? Math.toIntExact(d.toEpochDay()) : (Integer) value);
            case INT64 -> out.writeLong(value instanceof Instant ts ? micros(t, ts, packet, row) : ((Number) value).longValue());
            case UINT64 -> {
                long v = ((Number) value).longValue();
                if (v < 0) {
                    throw failure(t, packet, row, "is " + v + ", but the column is " + type.text() + " and takes no negative values");
                }
                out.writeLong(v);
            }
            case FLOAT64 -> out.writeLong(Double.doubleToRawLongBits(((Number) value).doubleValue()));
            case DECIMAL -> decimal(out, t, (BigDecimal) value, packet, row);
            case STRING -> {
                byte[] bytes = value instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) value;
                out.writeVarInt(bytes.length);
                out.write(bytes);
            }
            case DATE -> {
                long day = ((LocalDate) value).toEpochDay();
                if (day < 0 || day > 0xFFFF) {
                    throw failure(t, packet, row, "is " + value + ", outside the range of " + type.text() + " (1970-01-01 to 2149-06-06)");
                }
                out.writeShort((int) day);
            }
            case DATE32 -> {
                long day = ((LocalDate) value).toEpochDay();
                if (day < MIN_EPOCH_DAY || day > MAX_EPOCH_DAY) {
                    throw failure(t, packet, row, "is " + value + ", outside the range of " + type.text() + " (1900-01-01 to 2299-12-31)");
                }
                out.writeInt((int) day);
            }
            case DATETIME64 -> {
                long us = micros(t, (Instant) value, packet, row);
                if (us < MIN_MICROS || us > MAX_MICROS) {
                    throw failure(t, packet, row, "is " + value + ", outside the range of " + type.text() + " (years 1900 to 2299)");
                }
                out.writeLong(us);
            }
            case OTHER -> throw failure(t, packet, row, "cannot be written: fanout does not write ClickHouse type " + type.text());
        }
    }

    private long micros(Target t, Instant ts, FramePacket packet, int row) throws WriteException {
        if (ts.getNano() % 1000 != 0) {
            throw failure(t, packet, row, "is " + ts + ", finer than the microseconds fanout stores");
        }
        try {
            return Math.addExact(Math.multiplyExact(ts.getEpochSecond(), 1_000_000L), ts.getNano() / 1000);
        } catch (ArithmeticException e) {
            throw failure(t, packet, row, "is " + ts + ", outside the range of microseconds since the epoch in 64 bits");
        }
    }

    private void decimal(Encoded out, Target t, BigDecimal d, FramePacket packet, int row) throws WriteException {
        ClickHouseColumnType type = t.stored();
        BigDecimal scaled;
        try {
            scaled = d.setScale(type.scale(), RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw failure(t, packet, row, "is " + d.toPlainString() + ", with more than " + type.scale() + " digits after the point for " + type.text());
        }
        if (scaled.precision() > type.precision()) {
            throw failure(t, packet, row, "is " + d.toPlainString() + ", which does not fit " + type.text());
        }
        BigInteger unscaled = scaled.unscaledValue();
        if (type.precision() <= 9) {
            out.writeInt(unscaled.intValue());
        } else if (type.precision() <= 18) {
            out.writeLong(unscaled.longValue());
        } else {
            out.writeLong(unscaled.longValue());
            out.writeLong(unscaled.shiftRight(64).longValue());
        }
    }

    private WriteException failure(Target t, FramePacket packet, int row, String why) {
        return WriteException.permanent(table, t.name(), "destination " + destination + ": table " + table + ", column " + t.name()
                + ": the value in packet " + packet.packetId() + " row " + row + " " + why);
    }

    /** RowBinary bytes held in memory chunks, written to the server in one request. */
    static final class Encoded {
        private static final int CHUNK = 1 << 20;

        private final List<byte[]> full = new ArrayList<>();
        private byte[] chunk = new byte[64 << 10];
        private int pos;
        private long rows;

        long rows() {
            return rows;
        }

        long bytes() {
            long n = pos;
            for (byte[] c : full) {
                n += c.length;
            }
            return n;
        }

        void writeTo(OutputStream out) throws IOException {
            for (byte[] c : full) {
                out.write(c);
            }
            out.write(chunk, 0, pos);
        }

        private void room(int n) {
            if (pos + n > chunk.length) {
                if (chunk.length < CHUNK) {
                    chunk = java.util.Arrays.copyOf(chunk, CHUNK);
                } else {
                    full.add(pos == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, pos));
                    chunk = new byte[CHUNK];
                    pos = 0;
                }
            }
        }

        void writeByte(int b) {
            room(1);
            chunk[pos++] = (byte) b;
        }

        void writeShort(int v) {
            room(2);
            chunk[pos++] = (byte) v;
            chunk[pos++] = (byte) (v >>> 8);
        }

        void writeInt(int v) {
            room(4);
            byte[] c = chunk;
            int p = pos;
            c[p] = (byte) v;
            c[p + 1] = (byte) (v >>> 8);
            c[p + 2] = (byte) (v >>> 16);
            c[p + 3] = (byte) (v >>> 24);
            pos = p + 4;
        }

        void writeLong(long v) {
            room(8);
            byte[] c = chunk;
            int p = pos;
            for (int i = 0; i < 8; i++) {
                c[p + i] = (byte) (v >>> (8 * i));
            }
            pos = p + 8;
        }

        void writeVarInt(int v) {
            room(5);
            int x = v;
            while ((x & ~0x7F) != 0) {
                chunk[pos++] = (byte) ((x & 0x7F) | 0x80);
                x >>>= 7;
            }
            chunk[pos++] = (byte) x;
        }

        void write(byte[] bytes) {
            int off = 0;
            while (off < bytes.length) {
                if (pos == chunk.length) {
                    room(1);
                }
                int n = Math.min(bytes.length - off, chunk.length - pos);
                System.arraycopy(bytes, off, chunk, pos, n);
                pos += n;
                off += n;
            }
        }
    }
}
