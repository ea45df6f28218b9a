package dev.fanout.dlq;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary payload of a store record, written with {@link DataOutputStream} (big-endian). See the
 * module README for the layout. Row values are tagged by their Java class, not by their column's type,
 * so a packet parked for a data error (a value of the wrong type) is kept exactly as it was submitted.
 *
 * <p>Two formats, named by the frame's version byte: {@value #FORMAT_1} for every tombstone and every
 * letter whose packet has no per-row versions (byte for byte what earlier releases wrote, so they
 * still read it), and {@value #FORMAT_2} for a letter whose packet carries each row's version (a
 * packet re-emitted from storage by a migration), which adds a flag after the schema and each row's
 * version before its values. Both are read.
 */
final class PayloadCodec {

    static final byte KIND_LETTER = 1;
    static final byte KIND_TOMBSTONE = 2;

    /** The original format: no per-row versions. */
    static final int FORMAT_1 = 1;
    /** Format 1 plus per-row versions. */
    static final int FORMAT_2 = 2;
    /** The newest format this code reads; a record of a newer one is skipped. */
    static final int LATEST_FORMAT = FORMAT_2;

    private static final byte NULL = 0;
    private static final byte BOOLEAN = 1;
    private static final byte INT32 = 2;
    private static final byte INT64 = 3;
    private static final byte FLOAT64 = 4;
    private static final byte DECIMAL = 5;
    private static final byte STRING = 6;
    private static final byte DATE = 7;
    private static final byte TIMESTAMP = 8;
    private static final byte BYTES = 9;
    private static final byte OTHER = 10;

    private PayloadCodec() {
    }

    /** The part of a letter that precedes its schema and rows: enough for listings and statistics. */
    record Summary(String id, String destination, String errorClass, String message, boolean retryable,
                   int attempts, Instant firstFailureAt, Instant lastFailureAt, String table, String domain,
                   String packetId, long version, int rowCount) {
    }

    /** A decoded record head: a letter's summary, or a tombstone's id. */
    record Head(byte kind, String id, Summary summary) {
    }

    /** The format {@link #letter} writes {@code letter} in: the oldest that holds it. */
    static int format(DeadLetter letter) {
        return letter.packet().hasRowVersions() ? FORMAT_2 : FORMAT_1;
    }

    /** {@code letter} in its {@link #format}. */
    static byte[] letter(DeadLetter letter) throws IOException {
        FramePacket p = letter.packet();
        boolean rowVersions = format(letter) == FORMAT_2;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + p.rowCount() * p.schema().width() * 12);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(KIND_LETTER);
        writeString(out, letter.id());
        writeString(out, letter.destination());
        writeString(out, letter.errorClass());
        writeString(out, letter.message());
        out.writeBoolean(letter.retryable());
        out.writeInt(letter.attempts());
        writeInstant(out, letter.firstFailureAt());
        writeInstant(out, letter.lastFailureAt());
        writeString(out, p.table());
        writeString(out, p.domain().orElse(null));
        writeString(out, p.packetId());
        out.writeLong(p.version());
        out.writeInt(p.rowCount());
        Schema schema = p.schema();
        out.writeInt(schema.width());
        for (Column c : schema.columns()) {
            writeString(out, c.name());
            writeString(out, c.type().toString());
            out.writeBoolean(c.nullable());
        }
        out.writeInt(schema.primaryKey().size());
        for (String k : schema.primaryKey()) {
            writeString(out, k);
        }
        writeString(out, schema.versionColumn().orElse(null));
        if (rowVersions) {
            out.writeBoolean(true);
        }
        for (int r = 0; r < p.rowCount(); r++) {
            if (rowVersions) {
                out.writeLong(p.rowVersion(r));
            }
            for (int c = 0; c < schema.width(); c++) {
                writeValue(out, p.value(r, c));
            }
        }
        out.flush();
        return bytes.toByteArray();
    }

    static byte[] tombstone(String id, Instant resolvedAt) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(KIND_TOMBSTONE);
        writeString(out, id);
        writeInstant(out, resolvedAt);
        out.flush();
        return bytes.toByteArray();
    }

    /** Reads what precedes the schema: cheap enough to run over every record of a file. */
    static Head head(byte[] payload) throws IOException {
        DataInputStream in = input(payload);
        byte kind = in.readByte();
        if (kind == KIND_TOMBSTONE) {
            return new Head(kind, readRequiredString(in), null);
        }
        if (kind != KIND_LETTER) {
            throw new IOException("unknown record kind " + kind);
        }
        Summary s = summary(in);
        return new Head(kind, s.id(), s);
    }

    /** Decodes a letter written in {@code format} ({@link #FORMAT_1} or {@link #FORMAT_2}). */
    static DeadLetter decodeLetter(byte[] payload, int format) throws IOException {
        if (format != FORMAT_1 && format != FORMAT_2) {
            throw new IOException("unknown record format " + format);
        }
        DataInputStream in = input(payload);
        byte kind = in.readByte();
        if (kind != KIND_LETTER) {
            throw new IOException("record kind " + kind + " is not a dead letter");
        }
        Summary s = summary(in);
        int width = in.readInt();
        checkCount(width, in);
        List<Column> columns = new ArrayList<>(width);
        for (int i = 0; i < width; i++) {
            String name = readRequiredString(in);
            LogicalType type = LogicalType.parse(readRequiredString(in));
            columns.add(new Column(name, type, in.readBoolean()));
        }
        int keys = in.readInt();
        checkCount(keys, in);
        List<String> key = new ArrayList<>(keys);
        for (int i = 0; i < keys; i++) {
            key.add(readRequiredString(in));
        }
        String versionColumn = readString(in);
        Schema schema;
        try {
            schema = Schema.of(columns, key, versionColumn);
        } catch (IllegalArgumentException e) {
            throw new IOException("stored schema is invalid: " + e.getMessage(), e);
        }
        FramePacket.Builder packet = FramePacket.builder(s.table(), schema)
                .domain(s.domain()).packetId(s.packetId()).version(s.version());
        boolean rowVersions = format == FORMAT_2 && in.readBoolean();
        checkCount(s.rowCount(), in);
        Object[] row = new Object[width];
        for (int r = 0; r < s.rowCount(); r++) {
            long rowVersion = rowVersions ? in.readLong() : 0;
            for (int c = 0; c < width; c++) {
                row[c] = readValue(in);
            }
            if (rowVersions) {
                packet.addVersionedRow(rowVersion, row);
            } else {
                packet.addRow(row);
            }
        }
        if (in.available() != 0) {
            throw new IOException(in.available() + " unexpected bytes after the last row");
        }
        return new DeadLetter(s.id(), packet.build(), s.destination(), s.errorClass(), s.message(), s.retryable(),
                s.attempts(), s.firstFailureAt(), s.lastFailureAt());
    }

    private static Summary summary(DataInputStream in) throws IOException {
        String id = readRequiredString(in);
        String destination = readString(in);
        String errorClass = readRequiredString(in);
        String message = readRequiredString(in);
        boolean retryable = in.readBoolean();
        int attempts = in.readInt();
        Instant first = readInstant(in);
        Instant last = readInstant(in);
        String table = readRequiredString(in);
        String domain = readString(in);
        String packetId = readRequiredString(in);
        long version = in.readLong();
        int rowCount = in.readInt();
        if (attempts < 0 || rowCount < 0) {
            throw new IOException("negative attempts or row count");
        }
        return new Summary(id, destination, errorClass, message, retryable, attempts, first, last, table, domain,
                packetId, version, rowCount);
    }

    private static DataInputStream input(byte[] payload) {
        return new DataInputStream(new ByteArrayInputStream(payload));
    }

    private static void writeValue(DataOutputStream out, Object v) throws IOException {
        if (v == null) {
            out.writeByte(NULL);
        } else if (v instanceof Boolean b) {
            out.writeByte(BOOLEAN);
            out.writeBoolean(b);
        } else if (v instanceof Integer i) {
            out.writeByte(INT32);
            out.writeInt(i);
        } else if (v instanceof Long l) {
            out.writeByte(INT64);
            out.writeLong(l);
        } else if (v instanceof Double d) {
            out.writeByte(FLOAT64);
            out.writeLong(Double.doubleToRawLongBits(d));
        } else if (v instanceof BigDecimal d) {
            out.writeByte(DECIMAL);
            out.writeInt(d.scale());
            writeBytes(out, d.unscaledValue().toByteArray());
        } else if (v instanceof String s) {
            out.writeByte(STRING);
            writeString(out, s);
        } else if (v instanceof LocalDate d) {
            out.writeByte(DATE);
            out.writeLong(d.toEpochDay());
        } else if (v instanceof Instant t) {
            out.writeByte(TIMESTAMP);
            writeInstant(out, t);
        } else if (v instanceof byte[] b) {
            out.writeByte(BYTES);
            writeBytes(out, b);
        } else {
            out.writeByte(OTHER);
            writeString(out, v.toString());
        }
    }

    private static Object readValue(DataInputStream in) throws IOException {
        byte tag = in.readByte();
        return switch (tag) {
            case NULL -> null;
            case BOOLEAN -> in.readBoolean();
            case INT32 -> in.readInt();
            case INT64 -> in.readLong();
            case FLOAT64 -> Double.longBitsToDouble(in.readLong());
            case DECIMAL -> {
                int scale = in.readInt();
                byte[] unscaled = readBytes(in);
                if (unscaled.length == 0) {
                    throw new IOException("empty decimal");
                }
                yield new BigDecimal(new BigInteger(unscaled), scale);
            }
            case STRING, OTHER -> readRequiredString(in);
            case DATE -> {
                try {
                    yield LocalDate.ofEpochDay(in.readLong());
                } catch (java.time.DateTimeException e) {
                    throw new IOException("date out of range", e);
                }
            }
            case TIMESTAMP -> readInstant(in);
            case BYTES -> readBytes(in);
            default -> throw new IOException("unknown value tag " + tag);
        };
    }

    /**
     * Length-prefixed text: -1 is null, n ≥ 0 is n bytes of UTF-8, n < -1 is -(n+2) UTF-16 chars (used
     * only for text with unpaired surrogates, which UTF-8 cannot carry).
     */
    private static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
        } else if (isWellFormed(s)) {
            writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
        } else {
            out.writeInt(-2 - s.length());
            out.writeChars(s);
        }
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n >= 0) {
            checkLength(n, in);
            byte[] b = new byte[n];
            in.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        }
        int chars = -(n + 2);
        checkLength((long) chars * 2, in);
        char[] c = new char[chars];
        for (int i = 0; i < chars; i++) {
            c[i] = in.readChar();
        }
        return new String(c);
    }

    private static String readRequiredString(DataInputStream in) throws IOException {
        String s = readString(in);
        if (s == null) {
            throw new IOException("null where text is required");
        }
        return s;
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        checkLength(n, in);
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
        long seconds = in.readLong();
        int nanos = in.readInt();
        try {
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (java.time.DateTimeException e) {
            throw new IOException("instant out of range", e);
        }
    }

    private static void checkLength(long n, DataInputStream in) throws IOException {
        if (n < 0 || n > in.available()) {
            throw new EOFException("length " + n + " exceeds the " + in.available() + " bytes left in the record");
        }
    }

    private static void checkCount(int n, DataInputStream in) throws IOException {
        if (n < 0 || n > in.available()) {
            throw new IOException("count " + n + " does not fit the " + in.available() + " bytes left in the record");
        }
    }

    private static boolean isWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
