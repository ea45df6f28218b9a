package dev.fanout.writer.clickhouse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
                field.write(switch (e) {
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    case 'r' -> '\r';
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case '0' -> 0;
                    case 'a' -> 7;
                    case 'v' -> 11;
                    default -> e;
                });
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
}
