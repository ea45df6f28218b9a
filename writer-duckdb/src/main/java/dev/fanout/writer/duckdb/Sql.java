package dev.fanout.writer.duckdb;

import dev.fanout.api.IdentifierComparison;
import java.util.Collection;
import java.util.stream.Collectors;

/** SQL text built from producer-supplied names: every identifier goes through {@link #quote}. */
final class Sql {

    /** The column holding each row's version; reserved in every table fanout writes. */
    static final String VERSION_COLUMN = "_fanout_version";

    private Sql() {
    }

    /** {@code name} as a DuckDB identifier: in double quotes, inner quotes doubled. */
    static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** Quoted names joined with commas. */
    static String quoteAll(Collection<String> names) {
        return names.stream().map(Sql::quote).collect(Collectors.joining(", "));
    }

    /**
     * The form in which DuckDB compares identifiers: it keeps their case but matches them
     * case-insensitively (ASCII letters only), also when quoted —
     * {@link IdentifierComparison#CASE_INSENSITIVE}.
     */
    static String fold(String name) {
        return IdentifierComparison.CASE_INSENSITIVE.key(name);
    }
}
