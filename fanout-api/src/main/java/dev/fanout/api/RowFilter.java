package dev.fanout.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Which rows of a table a read or delete covers: those inside every one of {@link #columns()}'
 * bounds; every row when there are none. This is how a date-range part of a routing plan reaches a
 * {@link TableReader}, which translates it into its engine's {@code WHERE}.
 *
 * @param columns at most one bound per column
 */
public record RowFilter(List<Bound> columns) {

    private static final RowFilter ALL = new RowFilter(List.of());

    public RowFilter {
        columns = List.copyOf(Objects.requireNonNull(columns, "columns is null"));
        if (columns.stream().map(Bound::column).distinct().count() != columns.size()) {
            throw new IllegalArgumentException("two bounds on one column: " + columns);
        }
    }

    /** Every row. */
    public static RowFilter all() {
        return ALL;
    }

    public boolean isAll() {
        return columns.isEmpty();
    }

    /**
     * Rows whose value in a date or timestamp {@code column} lies in {@code [from, before)} (when
     * {@code includesValues}) or is null (when {@code includesNull}). A date compares as midnight UTC.
     *
     * @param from   inclusive lower bound, null for none
     * @param before exclusive upper bound, null for none
     */
    public record Bound(String column, Instant from, Instant before, boolean includesValues, boolean includesNull) {
        public Bound {
            Objects.requireNonNull(column, "column is null");
            if (!includesValues && !includesNull) {
                throw new IllegalArgumentException("a bound holds values, nulls or both");
            }
            if (!includesValues && (from != null || before != null)) {
                throw new IllegalArgumentException("a bound of nulls only has no limits");
            }
        }

        /** Whether {@code value} (null for SQL NULL) lies inside. */
        public boolean contains(Instant value) {
            if (value == null) {
                return includesNull;
            }
            return includesValues && (from == null || !value.isBefore(from)) && (before == null || value.isBefore(before));
        }
    }
}
