package dev.fanout.dlq;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Maps a table name to the name of its file in a store, safely for any table name: {@code a-z 0-9 _ -}
 * are kept, every other UTF-8 byte becomes {@code %XX} (upper-case letters too, so two tables never
 * share a file on a case-insensitive file system). Names that would be too long for a file system
 * end in {@code ~} and a SHA-256 prefix instead; those are not reversible, and readers take the table
 * name from the records, which always carry it.
 */
final class TableFileName {

    static final String SUFFIX = ".dlq";
    private static final int MAX_ENCODED = 200;
    private static final int KEPT_PREFIX = 120;

    private TableFileName() {
    }

    static String of(String table) {
        StringBuilder sb = new StringBuilder(table.length() + 8);
        for (byte b : table.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        if (sb.length() > MAX_ENCODED) {
            int cut = KEPT_PREFIX;
            int escape = sb.lastIndexOf("%", cut - 1);
            if (escape > cut - 3) {
                cut = escape;
            }
            String prefix = sb.substring(0, cut);
            sb.setLength(0);
            sb.append(prefix).append('~').append(sha256Prefix(table));
        }
        return sb.append(SUFFIX).toString();
    }

    /** The table a file name stands for, or null when it is not one of ours or was shortened by hashing. */
    static String tableOf(String fileName) {
        if (!fileName.endsWith(SUFFIX) || fileName.startsWith(".") || fileName.length() == SUFFIX.length()) {
            return null;
        }
        String encoded = fileName.substring(0, fileName.length() - SUFFIX.length());
        if (encoded.indexOf('~') >= 0) {
            return null;
        }
        byte[] out = new byte[encoded.length()];
        int n = 0;
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%') {
                if (i + 2 >= encoded.length()) {
                    return null;
                }
                int hi = Character.digit(encoded.charAt(i + 1), 16);
                int lo = Character.digit(encoded.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
                out[n++] = (byte) c;
            } else {
                return null;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    /** Whether {@code fileName} names a table file, reversible or hashed. */
    static boolean isTableFile(String fileName) {
        return fileName.endsWith(SUFFIX) && !fileName.startsWith(".") && fileName.length() > SUFFIX.length();
    }

    private static String sha256Prefix(String table) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(table.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
