package dev.fanout.core.migrate;

import dev.fanout.api.FramePacket;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Primary keys compared the way the engines order them in a key-ordered scan: column by column,
 * numbers by value, dates and timestamps in time, {@code false} before {@code true}, strings and
 * bytes by their (UTF-8) bytes, unsigned. DuckDB's and ClickHouse's default string order is that
 * byte order, so a merge of two scans agrees with both.
 */
final class KeyOrder implements Comparator<List<Object>> {

    static final KeyOrder INSTANCE = new KeyOrder();

    private KeyOrder() {
    }

    /** The key of {@code row}, its values in key order. */
    static List<Object> key(FramePacket packet, int row, int[] keyIndexes) {
        Object[] key = new Object[keyIndexes.length];
        for (int k = 0; k < keyIndexes.length; k++) {
            key[k] = packet.value(row, keyIndexes[k]);
        }
        return Arrays.asList(key);
    }

    @Override
    public int compare(List<Object> a, List<Object> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = compareValues(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    private static int compareValues(Object a, Object b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        if (a instanceof String x && b instanceof String y) {
            return compareUtf8(x, y);
        }
        if ((a instanceof Integer || a instanceof Long) && (b instanceof Integer || b instanceof Long)) {
            return Long.compare(((Number) a).longValue(), ((Number) b).longValue());
        }
        if (a instanceof Number x && b instanceof Number y) {
            return decimal(x).compareTo(decimal(y));
        }
        if (a instanceof LocalDate x && b instanceof LocalDate y) {
            return x.compareTo(y);
        }
        if (a instanceof Instant x && b instanceof Instant y) {
            return x.compareTo(y);
        }
        if (a instanceof Boolean x && b instanceof Boolean y) {
            return Boolean.compare(x, y);
        }
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return Arrays.compareUnsigned(x, y);
        }
        throw new IllegalArgumentException("cannot compare key values of types " + a.getClass().getSimpleName()
                + " and " + b.getClass().getSimpleName());
    }

    /**
     * UTF-8 byte order without encoding: it is code point order, which differs from UTF-16 unit order
     * only where a surrogate meets a unit of U+E000..U+FFFF; the surrogates are moved above those.
     */
    static int compareUtf8(String x, String y) {
        int n = Math.min(x.length(), y.length());
        for (int i = 0; i < n; i++) {
            char a = x.charAt(i);
            char b = y.charAt(i);
            if (a != b) {
                return Integer.compare(codePointRank(a), codePointRank(b));
            }
        }
        return Integer.compare(x.length(), y.length());
    }

    private static int codePointRank(char c) {
        return c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE ? c + 0x2000 : c >= 0xE000 ? c - 0x800 : c;
    }

    private static BigDecimal decimal(Number n) {
        return n instanceof BigDecimal d ? d : n instanceof Double || n instanceof Float
                ? BigDecimal.valueOf(n.doubleValue()) : BigDecimal.valueOf(n.longValue());
    }
}
