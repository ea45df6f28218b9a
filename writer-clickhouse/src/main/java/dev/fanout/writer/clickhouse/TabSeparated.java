package dev.fanout.writer.clickhouse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Decodes ClickHouse's {@code TabSeparated} output, the one text format every server version reads
 * and writes alike (18.16 cannot produce the binary format client-v2 reads). Works on bytes, so a
 * String column holding arbitrary bytes comes back byte for byte; {@code \N} alone is NULL.
 */
final class TabSeparated {

    private TabSeparated() {
    }

    /** Every row of {@code body}: fields unescaped, null for {@code \N}. */
    static List<byte[][]> rawRows(byte[] body) {
        Objects.requireNonNull(body, "body is null");
        List<byte[][]> rows = new ArrayList<>();
        List<byte[]> fields = new ArrayList<>();
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        boolean fieldIsNull = false;
        int i = 0;
        while (i < body.length) {
            byte b = body[i];
            if (b == '\t' || b == '\n') {
                fields.add(fieldIsNull ? null : field.toByteArray());
                field.reset();
                fieldIsNull = false;
                if (b == '\n') {
                    rows.add(fields.toArray(new byte[0][]));
                    fields.clear();
                }
                i++;
            } else if (b == '\\' && i + 1 < body.length) {
                byte e = body[i + 1];
                if (e == 'N' && field.size() == 0 && (i + 2 == body.length || body[i + 2] == '\t' || body[i + 2] == '\n')) {
                    fieldIsNull = true;
                    i += 2;
                    continue;
                }
                if (e == 'x' && i + 3 < body.length) {
                    field.write(Integer.parseInt(new String(body, i + 2, 2, StandardCharsets.US_ASCII), 16));
                    i += 4;
                    continue;
                }
                field.write(unescaped(e));
                i += 2;
            } else {
                field.write(b);
                i++;
            }
        }
        if (field.size() > 0 || fieldIsNull || !fields.isEmpty()) {
            fields.add(fieldIsNull ? null : field.toByteArray());
            rows.add(fields.toArray(new byte[0][]));
        }
        return rows;
    }

    /** Every row of {@code body} as UTF-8 text, null for {@code \N}. */
    static List<String[]> rows(byte[] body) {
        List<String[]> out = new ArrayList<>();
        for (byte[][] raw : rawRows(body)) {
            String[] row = new String[raw.length];
            for (int c = 0; c < raw.length; c++) {
                row[c] = raw[c] == null ? null : new String(raw[c], StandardCharsets.UTF_8);
            }
            out.add(row);
        }
        return out;
    }

    /**
     * The rows of a {@code TabSeparated} response read as they arrive, with {@link #rawRows}'s
     * decoding: a scan holds one row at a time, not the whole response. Closing it releases the
     * response (and so stops the server's sending, when rows are left).
     */
    static final class RowReader implements AutoCloseable {
        private final InputStream in;
        private final AutoCloseable response;
        private final byte[] buffer = new byte[1 << 16];
        private int position;
        private int limit;
        private byte[] field = new byte[64];
        private int fieldLength;
        private byte[][] fields = new byte[16][];
        private int fieldCount;

        RowReader(InputStream in, AutoCloseable response) {
            this.in = Objects.requireNonNull(in, "in is null");
            this.response = response;
        }

        /** The next row, fields unescaped, null for {@code \N}; null at the end of the response. */
        byte[][] next() {
            boolean fieldIsNull = false;
            boolean started = false;
            while (true) {
                int b = read();
                if (b < 0) {
                    if (!started) {
                        return null;
                    }
                    add(fieldIsNull ? null : Arrays.copyOf(field, fieldLength));
                    return take();
                }
                started = true;
                if (b == '\t' || b == '\n') {
                    add(fieldIsNull ? null : Arrays.copyOf(field, fieldLength));
                    fieldLength = 0;
                    fieldIsNull = false;
                    if (b == '\n') {
                        return take();
                    }
                } else if (b == '\\') {
                    int e = read();
                    if (e < 0) {
                        append('\\');
                    } else if (e == 'N' && fieldLength == 0 && endOfField()) {
                        fieldIsNull = true;
                    } else if (e == 'x') {
                        int high = read();
                        int low = read();
                        if (high < 0 || low < 0) {
                            throw new IllegalStateException("a TabSeparated response ends inside an escape \\x");
                        }
                        append(Integer.parseInt("" + (char) high + (char) low, 16));
                    } else {
                        append(unescaped(e));
                    }
                } else {
                    append(b);
                }
            }
        }

        private void add(byte[] value) {
            if (fieldCount == fields.length) {
                fields = Arrays.copyOf(fields, fields.length * 2);
            }
            fields[fieldCount++] = value;
        }

        private byte[][] take() {
            byte[][] row = Arrays.copyOf(fields, fieldCount);
            fieldCount = 0;
            return row;
        }

        /** Whether the next byte ends a field (tab, newline or the end), without consuming it. */
        private boolean endOfField() {
            if (position == limit && !fill()) {
                return true;
            }
            byte next = buffer[position];
            return next == '\t' || next == '\n';
        }

        private void append(int b) {
            if (fieldLength == field.length) {
                field = Arrays.copyOf(field, field.length * 2);
            }
            field[fieldLength++] = (byte) b;
        }

        private int read() {
            if (position == limit && !fill()) {
                return -1;
            }
            return buffer[position++] & 0xff;
        }

        private boolean fill() {
            try {
                int n = in.read(buffer);
                if (n <= 0) {
                    return false;
                }
                position = 0;
                limit = n;
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                if (response != null) {
                    response.close();
                } else {
                    in.close();
                }
            } catch (Exception e) {
                // the rows read so far are what the caller uses; a failure to release the response changes none of them
            }
        }
    }

    /** The byte a backslash escape {@code \e} of TabSeparated stands for (an unknown escape is the character itself). */
    private static int unescaped(int e) {
        return switch (e) {
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'r' -> '\r';
            case 'n' -> '\n';
            case 't' -> '\t';
            case '0' -> 0;
            case 'a' -> 7;
            case 'v' -> 11;
            default -> e;
        };
    }
}
