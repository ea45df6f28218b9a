package dev.fanout.core.topology;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the topology says about one table: its primary key, the column holding row versions and
 * writer-specific options.
 *
 * @param primaryKey    at least one column, no duplicates, in key order
 * @param versionColumn the column whose value is each row's version, when the producer has one
 * @param options       writer-specific options from {@code tables.<t>.options} (e.g. ClickHouse
 *                      {@code partition_by}), in file order; handed to writers with every batch of
 *                      the table, and writers ignore keys they don't know
 */
public record TableSpec(List<String> primaryKey, Optional<String> versionColumn, Map<String, String> options) {
    public TableSpec {
        primaryKey = List.copyOf(Objects.requireNonNull(primaryKey, "primaryKey is null"));
        Objects.requireNonNull(versionColumn, "versionColumn is null");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(options, "options is null")));
        if (primaryKey.isEmpty()) {
            throw new IllegalArgumentException("primary_key needs at least one column");
        }
        if (new HashSet<>(primaryKey).size() != primaryKey.size()) {
            throw new IllegalArgumentException("primary_key names a column twice: " + primaryKey);
        }
    }

    /** A table without writer options. */
    public TableSpec(List<String> primaryKey, Optional<String> versionColumn) {
        this(primaryKey, versionColumn, Map.of());
    }
}
