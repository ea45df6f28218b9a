package dev.fanout.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The shape of a {@link FramePacket}: ordered columns, the primary-key column names, and optionally
 * the column whose value is each row's version.
 *
 * <p>Key columns are forced non-nullable. The version column, when named, must be int32, int64,
 * date or timestamp; see {@link FramePacket#rowVersion(int)} for how its values become versions.
 * Immutable and cheap to compare: packets with equal schemas can share one bulk write.
 */
public final class Schema {

    private final List<Column> columns;
    private final List<String> primaryKey;
    private final String versionColumn;
    private final Map<String, Integer> index;
    private final int[] keyIndexes;
    private final int versionIndex;

    private Schema(List<Column> columns, List<String> primaryKey, String versionColumn) {
        Objects.requireNonNull(columns, "columns is null");
        Objects.requireNonNull(primaryKey, "primaryKey is null");
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("a schema needs at least one column");
        }
        if (primaryKey.isEmpty()) {
            throw new IllegalArgumentException("a schema needs a primary key: upserts are keyed");
        }
        Map<String, Integer> idx = new HashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            if (idx.put(columns.get(i).name(), i) != null) {
                throw new IllegalArgumentException("duplicate column '" + columns.get(i).name() + "'");
            }
        }
        List<Column> cols = new ArrayList<>(columns);
        int[] keys = new int[primaryKey.size()];
        for (int k = 0; k < primaryKey.size(); k++) {
            Integer i = idx.get(primaryKey.get(k));
            if (i == null) {
                throw new IllegalArgumentException("primary key column '" + primaryKey.get(k)
                        + "' is not among the columns " + names(columns));
            }
            keys[k] = i;
            Column c = cols.get(i);
            if (c.nullable()) {
                cols.set(i, new Column(c.name(), c.type(), false));
            }
        }
        int vi = -1;
        if (versionColumn != null) {
            Integer i = idx.get(versionColumn);
            if (i == null) {
                throw new IllegalArgumentException("version column '" + versionColumn + "' is not among the columns " + names(columns));
            }
            LogicalType.Kind k = cols.get(i).type().kind();
            if (k != LogicalType.Kind.INT32 && k != LogicalType.Kind.INT64 && k != LogicalType.Kind.DATE
                    && k != LogicalType.Kind.TIMESTAMP) {
                throw new IllegalArgumentException("version column '" + versionColumn + "' is " + cols.get(i).type()
                        + ": it must be int32, int64, date or timestamp");
            }
            vi = i;
        }
        this.columns = List.copyOf(cols);
        this.primaryKey = List.copyOf(primaryKey);
        this.versionColumn = versionColumn;
        this.index = Map.copyOf(idx);
        this.keyIndexes = keys;
        this.versionIndex = vi;
    }

    /** A schema with the given columns and key, versions taken from the packet. */
    public static Schema of(List<Column> columns, List<String> primaryKey) {
        return new Schema(columns, primaryKey, null);
    }

    /** A schema whose row versions come from {@code versionColumn} (null: from the packet). */
    public static Schema of(List<Column> columns, List<String> primaryKey, String versionColumn) {
        return new Schema(columns, primaryKey, versionColumn);
    }

    private static List<String> names(List<Column> columns) {
        return columns.stream().map(Column::name).toList();
    }

    public List<Column> columns() {
        return columns;
    }

    public List<String> primaryKey() {
        return primaryKey;
    }

    public Optional<String> versionColumn() {
        return Optional.ofNullable(versionColumn);
    }

    public int width() {
        return columns.size();
    }

    public Column column(int i) {
        return columns.get(i);
    }

    /** Position of the named column, or -1. */
    public int indexOf(String name) {
        Integer i = index.get(name);
        return i == null ? -1 : i;
    }

    public Optional<Column> column(String name) {
        int i = indexOf(name);
        return i < 0 ? Optional.empty() : Optional.of(columns.get(i));
    }

    /** Positions of the key columns, in key order. */
    public int[] keyIndexes() {
        return keyIndexes.clone();
    }

    /** Position of the version column, or -1 when versions come from the packet. */
    public int versionIndex() {
        return versionIndex;
    }

    /**
     * {@code values} checked as a key of {@code table} under this schema — one value per primary-key
     * column, in key order, each of its column's {@link LogicalType#javaClass()} — such as the resume
     * cursor of a {@link TableReader#scan}.
     *
     * @return an unmodifiable copy
     * @throws IllegalArgumentException naming the table, the column and the value that does not fit
     */
    public List<Object> keyValues(String table, List<?> values) {
        List<String> key = primaryKey();
        if (values.size() != key.size()) {
            throw new IllegalArgumentException("table " + table + ": key " + values + " has " + values.size()
                    + " values, the key " + key + " has " + key.size() + " columns");
        }
        for (int k = 0; k < key.size(); k++) {
            LogicalType type = column(key.get(k)).orElseThrow().type();
            if (!type.javaClass().isInstance(values.get(k))) {
                throw new IllegalArgumentException("table " + table + ": key value " + values.get(k) + " for key column "
                        + key.get(k) + " is not a " + type.javaClass().getSimpleName() + " (" + type + ")");
            }
        }
        return List.copyOf(values);
    }

    public boolean isKey(String name) {
        return primaryKey.contains(name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Schema s && columns.equals(s.columns) && primaryKey.equals(s.primaryKey)
                && Objects.equals(versionColumn, s.versionColumn);
    }

    @Override
    public int hashCode() {
        return Objects.hash(columns, primaryKey, versionColumn);
    }

    @Override
    public String toString() {
        return "Schema" + columns + " key" + primaryKey + (versionColumn == null ? "" : " version " + versionColumn);
    }
}
