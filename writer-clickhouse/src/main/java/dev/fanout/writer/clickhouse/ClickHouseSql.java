package dev.fanout.writer.clickhouse;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * SQL text built from producer-supplied names and values: every identifier goes through
 * {@link #quote} and every string through {@link #literal}, so no name is ever pasted raw.
 */
final class ClickHouseSql {

    /** The column holding each row's version; reserved in every table fanout writes. */
    static final String VERSION_COLUMN = "_fanout_version";

    private ClickHouseSql() {
    }

    /** {@code name} as a ClickHouse identifier: in backticks, backslashes and backticks escaped. */
    static String quote(String name) {
        return '`' + escape(name, '`') + '`';
    }

    /** {@code database.table}, both quoted. */
    static String qualified(String database, String table) {
        return quote(database) + "." + quote(table);
    }

    /** Quoted names joined with commas. */
    static String quoteAll(Collection<String> names) {
        return names.stream().map(ClickHouseSql::quote).collect(Collectors.joining(", "));
    }

    /** {@code text} as a ClickHouse string literal in single quotes. */
    static String literal(String text) {
        return '\'' + escape(text, '\'') + '\'';
    }

    private static String escape(String text, char quote) {
        StringBuilder b = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\0' -> b.append("\\0");
                default -> {
                    if (c == quote) {
                        b.append('\\');
                    }
                    b.append(c);
                }
            }
        }
        return b.toString();
    }
}
