package dev.fanout.core.migrate;

import dev.fanout.api.RowFilter;
import dev.fanout.core.routing.RowRange;
import java.util.Objects;

/**
 * Rows of one table that live at one physical target under the FROM topology and belong at another
 * under the TO topology: what a migration copies, verifies and (when asked) deletes at the source.
 *
 * @param table             the table
 * @param rows              which of its rows (a date-range part, or all)
 * @param fromDestination   the destination's name in FROM
 * @param toDestination     the destination's name in TO
 * @param source            the source's identity, {@code scheme:physical target}
 * @param target            the target's identity, {@code scheme:physical target}; never equal to {@code source}
 */
public record Move(String table, RowRange rows, String fromDestination, String toDestination, String source, String target) {
    public Move {
        Objects.requireNonNull(table, "table is null");
        Objects.requireNonNull(rows, "rows is null");
        Objects.requireNonNull(fromDestination, "fromDestination is null");
        Objects.requireNonNull(toDestination, "toDestination is null");
        Objects.requireNonNull(source, "source is null");
        Objects.requireNonNull(target, "target is null");
        if (source.equals(target)) {
            throw new IllegalArgumentException("table " + table + " (" + rows + ") stays at " + source + ": not a move");
        }
    }

    /** {@link #rows()} as readers take it. */
    public RowFilter filter() {
        return rows.toFilter();
    }

    /** What identifies this move across runs: table, rows, source and target. */
    String identity() {
        return table + "\n" + rows + "\n" + source + "\n" + target;
    }

    /** E.g. {@code bars (day < 2026-01-01): market -> bars_archive}. */
    @Override
    public String toString() {
        return table + " (" + rows + "): " + fromDestination + " -> " + toDestination;
    }
}
