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
    private static final long SECONDS_PER_DAY = 86_400L;
    private static final long MICROS_PER_SECOND = 1_000_000L;

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

        /**
         * The first whole day since the epoch whose midnight UTC is at or after {@code t}: a date lies at
         * or after {@code t} exactly when its epoch day is at least this, and before {@code t} exactly when
         * it is less — how a reader compares a date column with {@link #from()} and {@link #before()}.
         */
        public static long ceilEpochDay(Instant t) {
            long days = Math.floorDiv(t.getEpochSecond(), SECONDS_PER_DAY);
            return Math.floorMod(t.getEpochSecond(), SECONDS_PER_DAY) == 0 && t.getNano() == 0 ? days : days + 1;
        }

        /**
         * The first whole microsecond since the epoch at or after {@code t}, saturated at the ends of a
         * long: the same for a timestamp column stored to the microsecond, as no stored value lies between two.
         */
        public static long ceilEpochMicros(Instant t) {
            try {
                long micros = Math.addExact(Math.multiplyExact(t.getEpochSecond(), MICROS_PER_SECOND), t.getNano() / 1000);
                return t.getNano() % 1000 == 0 ? micros : Math.addExact(micros, 1);
            } catch (ArithmeticException e) {
                return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
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
