package dev.fanout.core.migrate;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.Schema;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;

/**
 * A stored row encoded canonically, so a row read from one engine equals the same row read from
 * another: its non-null values by column name (in name order, so column order and columns that are
 * null or absent do not matter), each by value rather than by Java or engine type (int32 and int64
 * alike, a decimal without trailing zeros, a timestamp in microseconds), and its version. The 64-bit
 * {@link #hash} of that encoding, summed over rows, is an order-independent checksum of a table part.
 */
final class RowFingerprint {

    private static final HashFunction HASH = Hashing.farmHashFingerprint64();

    private final String[] names;
    private final int[] indexes;

    RowFingerprint(Schema schema) {
        List<Column> sorted = schema.columns().stream().sorted(Comparator.comparing(Column::name)).toList();
        names = sorted.stream().map(Column::name).toArray(String[]::new);
        indexes = sorted.stream().mapToInt(c -> schema.indexOf(c.name())).toArray();
    }

    /** The canonical encoding of {@code row}'s values, version excluded. */
    byte[] content(FramePacket packet, int row) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            for (int i = 0; i < names.length; i++) {
                Object v = packet.value(row, indexes[i]);
                if (v != null) {
                    out.writeUTF(names[i]);
                    write(out, v);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The checksum term of a row with {@code version} and {@link #content}. */
    static long hash(long version, byte[] content) {
        return HASH.newHasher(content.length + 8).putLong(version).putBytes(content).hash().asLong();
    }

    private static void write(DataOutputStream out, Object v) throws IOException {
        if (v instanceof Integer || v instanceof Long) {
            out.writeByte('i');
            out.writeLong(((Number) v).longValue());
        } else if (v instanceof Double d) {
            out.writeByte('f');
            out.writeLong(Double.doubleToLongBits(d == 0.0 ? 0.0 : d));
        } else if (v instanceof BigDecimal d) {
            out.writeByte('d');
            writeBytes(out, (d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros()).toPlainString().getBytes(StandardCharsets.US_ASCII));
        } else if (v instanceof String s) {
            out.writeByte('s');
            writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
        } else if (v instanceof LocalDate d) {
            out.writeByte('D');
            out.writeLong(d.toEpochDay());
        } else if (v instanceof Instant t) {
            out.writeByte('t');
            out.writeLong(Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000));
        } else if (v instanceof Boolean b) {
            out.writeByte('b');
            out.writeBoolean(b);
        } else if (v instanceof byte[] b) {
            out.writeByte('x');
            writeBytes(out, b);
        } else {
            throw new IllegalArgumentException("a stored value of type " + v.getClass().getName() + " has no canonical form");
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }
}
