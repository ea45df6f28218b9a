package dev.fanout.api;

import java.util.Objects;

/**
 * How a writer's engine compares table and column names, declared by
 * {@link WriterProvider#identifierComparison()}. fanout's own names are case-sensitive: {@code Trades}
 * and {@code trades} are two tables. An engine that compares names case-insensitively would store
 * them as one — the rows of one table upserted into the other, or dropped as stale — so fanout must
 * know, and refuse the second name instead:
 *
 * <ul>
 *   <li>the core, before anything is written: per destination, a packet whose table differs only by
 *       case from a table this process already sent there, or whose schema holds two such columns, or
 *       a column that differs only by case from one sent earlier for that table, is parked in the
 *       dead-letter queue with a reason naming both names (the first submitted wins);</li>
 *   <li>the writer, for names stored by earlier runs: a table or column that differs only by case
 *       from a stored one fails permanently, naming both, instead of being written into it.</li>
 * </ul>
 *
 * <p>For {@link #EXACT} destinations nothing is refused. The writer contract kit checks the
 * declaration either way.
 */
public enum IdentifierComparison {

    /** Names are equal only when their characters are: {@code Trades} and {@code trades} are two tables (ClickHouse). */
    EXACT,

    /**
     * ASCII letters compare case-insensitively, every other character exactly, also in quoted names:
     * {@code Trades} and {@code trades} are one table, {@code Ä} and {@code ä} two (DuckDB, SQLite).
     */
    CASE_INSENSITIVE;

    /**
     * The form in which this comparison sees {@code name}: two names are one for the engine exactly
     * when their keys are equal. {@link #CASE_INSENSITIVE} maps A–Z to a–z and keeps every other
     * character.
     */
    public String key(String name) {
        Objects.requireNonNull(name, "name is null");
        if (this == EXACT) {
            return name;
        }
        StringBuilder b = null;
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch >= 'A' && ch <= 'Z') {
                if (b == null) {
                    b = new StringBuilder(name);
                }
                b.setCharAt(i, (char) (ch + ('a' - 'A')));
            }
        }
        return b == null ? name : b.toString();
    }

    /** Whether {@code a} and {@code b} differ, yet name one thing under this comparison. */
    public boolean differOnlyByCase(String a, String b) {
        return !a.equals(b) && key(a).equals(key(b));
    }
}
