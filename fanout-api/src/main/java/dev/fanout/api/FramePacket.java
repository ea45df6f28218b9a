package dev.fanout.api;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The unit a pipeline hands to fanout: rows of one table, with their schema, a version and an id.
 *
 * <p><b>Guarantees.</b> Immutable once built (do not mutate {@code byte[]} values you passed in).
 * Structural mistakes — a row whose width differs from the schema's — fail at construction with an
 * {@link IllegalArgumentException} naming the table and row. Data mistakes (a null key, a value of
 * the wrong type) are accepted here and caught by the dispatcher, which parks the packet rather than
 * failing the producer.
 *
 * <p><b>Versions.</b> Each row has a version used by every writer to make upserts idempotent and
 * order-independent: the value of the schema's version column when there is one, otherwise the
 * packet's {@link #version()}. A packet built without an explicit version is stamped from a clock
 * in microseconds since the epoch that never repeats or goes back within a process, so a later
 * submission wins over an earlier one, also across restarts of a producer on a sane clock.
 *
 * <p>A packet re-emitted from storage (a {@link TableReader} scan for a migration) carries each
 * row's stored version explicitly ({@link Builder#addVersionedRow}); those take precedence.
 */
public final class FramePacket {

    private static final AtomicLong LAST_STAMP = new AtomicLong();

    private final String table;
    private final String domain;
    private final Schema schema;
    private final Object[][] rows;
    private final long version;
    private final String packetId;
    private final long[] rowVersions;

    private FramePacket(String table, String domain, Schema schema, Object[][] rows, long version, String packetId,
                        long[] rowVersions) {
        this.table = table;
        this.domain = domain;
        this.schema = schema;
        this.rows = rows;
        this.version = version;
        this.packetId = packetId;
        this.rowVersions = rowVersions;
    }

    /** Starts a packet for {@code table} with {@code schema}. */
    public static Builder builder(String table, Schema schema) {
        return new Builder(table, schema);
    }

    /** A version from the stamping clock: microseconds since the epoch, strictly increasing in this process. */
    public static long stampVersion() {
        long now = Instant.now().toEpochMilli() * 1000 + (System.nanoTime() / 1000) % 1000;
        return LAST_STAMP.accumulateAndGet(now, (last, candidate) -> Math.max(last + 1, candidate));
    }

    public String table() {
        return table;
    }

    /** The producer's domain label, used by domain routes. */
    public Optional<String> domain() {
        return Optional.ofNullable(domain);
    }

    public Schema schema() {
        return schema;
    }

    public int rowCount() {
        return rows.length;
    }

    /** The value at {@code row}, {@code column}; the Java class is {@link LogicalType#javaClass()} or null. */
    public Object value(int row, int column) {
        return rows[row][column];
    }

    /** One row as an unmodifiable list. */
    public List<Object> row(int row) {
        return Collections.unmodifiableList(Arrays.asList(rows[row]));
    }

    /** The packet version: applies to every row when the schema has no version column. */
    public long version() {
        return version;
    }

    /**
     * The version of one row: its explicit version when the packet has them ({@link #hasRowVersions()}),
     * else the version column's value (int32/int64 as is, date as days since the
     * epoch, timestamp as microseconds since the epoch) or the packet's version.
     *
     * @throws IllegalStateException when the version column holds null in that row
     */
    public long rowVersion(int row) {
        if (rowVersions != null) {
            return rowVersions[row];
        }
        int vi = schema.versionIndex();
        if (vi < 0) {
            return version;
        }
        Object v = rows[row][vi];
        if (v == null) {
            throw new IllegalStateException("table " + table + ": version column '" + schema.column(vi).name()
                    + "' is null in row " + row);
        }
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof LocalDate d) {
            return d.toEpochDay();
        }
        if (v instanceof Instant t) {
            return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
        }
        throw new IllegalStateException("table " + table + ": version column '" + schema.column(vi).name()
                + "' holds a " + v.getClass().getSimpleName() + " in row " + row);
    }

    /** Whether every row carries its own explicit version (a packet re-emitted from storage). */
    public boolean hasRowVersions() {
        return rowVersions != null;
    }

    /** Identifies the packet in acknowledgements, logs and the dead-letter queue. */
    public String packetId() {
        return packetId;
    }

    /** The same packet with only the rows at {@code rowIndexes}, in that order; id and versions kept. */
    public FramePacket selectRows(int[] rowIndexes) {
        Object[][] selected = new Object[rowIndexes.length][];
        long[] selectedVersions = rowVersions == null ? null : new long[rowIndexes.length];
        for (int i = 0; i < rowIndexes.length; i++) {
            selected[i] = rows[rowIndexes[i]];
            if (selectedVersions != null) {
                selectedVersions[i] = rowVersions[rowIndexes[i]];
            }
        }
        return new FramePacket(table, domain, schema, selected, version, packetId, selectedVersions);
    }

    @Override
    public String toString() {
        return "FramePacket[" + table + (domain == null ? "" : " domain " + domain) + ", " + rows.length
                + " rows, version " + version + ", id " + packetId + "]";
    }

    /** Collects rows; not thread-safe. */
    public static final class Builder {
        private final String table;
        private final Schema schema;
        private final List<Object[]> rows = new ArrayList<>();
        private long[] rowVersions;
        private String domain;
        private Long version;
        private String packetId;

        private Builder(String table, Schema schema) {
            this.table = Objects.requireNonNull(table, "table is null");
            this.schema = Objects.requireNonNull(schema, "schema is null");
            if (table.isEmpty()) {
                throw new IllegalArgumentException("table name is empty");
            }
        }

        public Builder domain(String domain) {
            this.domain = domain;
            return this;
        }

        public Builder version(long version) {
            this.version = version;
            return this;
        }

        public Builder packetId(String packetId) {
            this.packetId = Objects.requireNonNull(packetId, "packetId is null");
            return this;
        }

        /** Adds one row; its width must equal the schema's. The array is copied. */
        public Builder addRow(Object... values) {
            if (rowVersions != null) {
                throw new IllegalStateException("table " + table + ": this packet's rows carry explicit versions; add every row with addVersionedRow");
            }
            return add(values);
        }

        /**
         * Adds one row with its own explicit version (as stored in {@code _fanout_version}), for
         * packets re-emitted from storage; every row of the packet must then be added this way.
         */
        public Builder addVersionedRow(long rowVersion, Object... values) {
            if (rowVersions == null) {
                if (!rows.isEmpty()) {
                    throw new IllegalStateException("table " + table + ": rows without explicit versions were added; add every row with addRow");
                }
                rowVersions = new long[16];
            } else if (rows.size() == rowVersions.length) {
                rowVersions = Arrays.copyOf(rowVersions, rowVersions.length * 2);
            }
            rowVersions[rows.size()] = rowVersion;
            return add(values);
        }

        private Builder add(Object... values) {
            Objects.requireNonNull(values, "values is null");
            if (values.length != schema.width()) {
                throw new IllegalArgumentException("table " + table + ": row " + rows.size() + " has " + values.length
                        + " values but the schema has " + schema.width() + " columns " + schema.columns());
            }
            rows.add(values.clone());
            return this;
        }

        public Builder addRow(List<?> values) {
            return addRow(values.toArray());
        }

        public int rowCount() {
            return rows.size();
        }

        public FramePacket build() {
            return new FramePacket(table, domain, schema, rows.toArray(new Object[0][]),
                    version != null ? version : stampVersion(),
                    packetId != null ? packetId : UUID.randomUUID().toString(),
                    rowVersions == null ? null : Arrays.copyOf(rowVersions, rows.size()));
        }
    }
}
