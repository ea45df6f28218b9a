package dev.fanout.core.topology;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the topology says about one table: its primary key and the column holding row versions.
 *
 * @param primaryKey    at least one column, no duplicates, in key order
 * @param versionColumn the column whose value is each row's version, when the producer has one
 */
public record TableSpec(List<String> primaryKey, Optional<String> versionColumn) {
    public TableSpec {
        primaryKey = List.copyOf(Objects.requireNonNull(primaryKey, "primaryKey is null"));
        Objects.requireNonNull(versionColumn, "versionColumn is null");
        if (primaryKey.isEmpty()) {
            throw new IllegalArgumentException("primary_key needs at least one column");
        }
        if (new HashSet<>(primaryKey).size() != primaryKey.size()) {
            throw new IllegalArgumentException("primary_key names a column twice: " + primaryKey);
        }
    }
}
