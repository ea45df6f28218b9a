package dev.fanout.core.routing;

import dev.fanout.api.RowFilter;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which rows of a table a part of a routing plan covers: those in every one of {@link #columns()}'
 * ranges; every row when there are none.
 *
 * @param columns one range per column, at most one per column name
 */
public record RowRange(List<ColumnRange> columns) {

    private static final RowRange ALL = new RowRange(List.of());

    public RowRange {
        columns = List.copyOf(Objects.requireNonNull(columns, "columns is null"));
        if (columns.stream().map(ColumnRange::column).distinct().count() != columns.size()) {
            throw new IllegalArgumentException("two ranges on one column: " + columns);
        }
    }

    /** Every row of the table. */
    public static RowRange all() {
        return ALL;
    }

    public boolean isAll() {
        return columns.isEmpty();
    }

    /** Whether a row belongs here, given its value (null for SQL NULL) in each column named by a range. */
    public boolean contains(Function<String, Instant> valueOfColumn) {
        return columns.stream().allMatch(c -> c.contains(valueOfColumn.apply(c.column())));
    }

    /** The same rows as a {@link dev.fanout.api.TableReader} reads, counts and deletes them. */
    public RowFilter toFilter() {
        return isAll() ? RowFilter.all() : new RowFilter(columns.stream().map(ColumnRange::toBound).toList());
    }

    /** {@code all rows}, or the column ranges joined with {@code and}. */
    @Override
    public String toString() {
        if (columns.isEmpty()) {
            return "all rows";
        }
        if (columns.size() == 1) {
            return columns.get(0).toString();
        }
        return columns.stream().map(c -> c.toString().contains(" or ") ? "(" + c + ")" : c.toString())
                .collect(Collectors.joining(" and "));
    }
}
