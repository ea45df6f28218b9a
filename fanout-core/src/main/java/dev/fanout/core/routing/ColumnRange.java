package dev.fanout.core.routing;

import dev.fanout.api.RowFilter;
import dev.fanout.core.topology.RangeBound;
import java.time.Instant;
import java.util.Objects;

/**
 * The rows whose value in one date or timestamp column lies in {@code [from, before)}, and/or whose
 * value is null — the condition of a date-range part of a table, as the router splits it (rows with a
 * null value go where the rows no range takes go). Dates compare as midnight UTC, as in routing.
 *
 * @param column         the column
 * @param from           inclusive lower bound; null for none (or when {@code includesValues} is false)
 * @param before         exclusive upper bound; null for none (or when {@code includesValues} is false)
 * @param includesValues whether non-null values in {@code [from, before)} belong to the range
 * @param includesNull   whether null values belong to the range
 */
public record ColumnRange(String column, RangeBound from, RangeBound before, boolean includesValues, boolean includesNull) {
    public ColumnRange {
        Objects.requireNonNull(column, "column is null");
        if (!includesValues && !includesNull) {
            throw new IllegalArgumentException("a column range holds values, nulls or both");
        }
        if (!includesValues && (from != null || before != null)) {
            throw new IllegalArgumentException("a range of nulls only has no bounds");
        }
        if (from != null && before != null && from.compareTo(before) >= 0) {
            throw new IllegalArgumentException("empty range: from " + from + " is not before " + before);
        }
    }

    /** Whether a row with {@code value} (null for SQL NULL) in {@link #column()} belongs to this range. */
    public boolean contains(Instant value) {
        if (value == null) {
            return includesNull;
        }
        return includesValues && (from == null || value.compareTo(from.instant()) >= 0)
                && (before == null || value.compareTo(before.instant()) < 0);
    }

    /** The same condition as a reader or delete takes it. */
    public RowFilter.Bound toBound() {
        return new RowFilter.Bound(column, from == null ? null : from.instant(), before == null ? null : before.instant(),
                includesValues, includesNull);
    }

    /** E.g. {@code day < 2026-01-01}, {@code 2025-07-01 <= day < 2026-01-01}, {@code day >= 2026-01-01 or day is null}. */
    @Override
    public String toString() {
        if (!includesValues) {
            return column + " is null";
        }
        String values;
        if (from == null && before == null) {
            values = column + " is not null";
        } else if (from == null) {
            values = column + " < " + before;
        } else if (before == null) {
            values = column + " >= " + from;
        } else {
            values = from + " <= " + column + " < " + before;
        }
        return includesNull && (from != null || before != null) ? values + " or " + column + " is null" : values;
    }
}
