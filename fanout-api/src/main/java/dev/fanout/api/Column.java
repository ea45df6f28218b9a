package dev.fanout.api;

import java.util.Objects;

/**
 * One column of a {@link Schema}: its name as the producer spelled it, its logical type, and whether
 * it may hold nulls. Key columns are never nullable.
 *
 * @param name     the column name; any non-empty text, writers quote it
 * @param type     the logical type
 * @param nullable whether a row may hold null here
 */
public record Column(String name, LogicalType type, boolean nullable) {
    public Column {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(type, "type is null");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("column name is empty");
        }
    }

    /** A nullable column. */
    public static Column of(String name, LogicalType type) {
        return new Column(name, type, true);
    }

    /** A column that refuses nulls. */
    public static Column required(String name, LogicalType type) {
        return new Column(name, type, false);
    }

    @Override
    public String toString() {
        return name + " " + type + (nullable ? "" : " not null");
    }
}
