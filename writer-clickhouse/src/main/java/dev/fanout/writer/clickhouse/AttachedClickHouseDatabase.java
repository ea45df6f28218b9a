package dev.fanout.writer.clickhouse;

import static dev.fanout.writer.clickhouse.ClickHouseSql.VERSION_COLUMN;
import static dev.fanout.writer.clickhouse.ClickHouseSql.qualified;
import static dev.fanout.writer.clickhouse.ClickHouseSql.quote;
import static dev.fanout.writer.clickhouse.ClickHouseSql.quoteAll;

import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.RowFilter;
import dev.fanout.api.SameEngineCopy;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Another database of the same ClickHouse server read from the target writer's own client
 * ({@link SameEngineCopy}): rows move with {@code INSERT INTO target.t … SELECT … FROM source.t FINAL}
 * by key ranges and are compared by SQL, so none passes through this process.
 *
 * <p><b>Same server only</b>: the source must be at the target's {@code host:port}, reached with the
 * target's user and password (so that user must be able to read the source database). A source on
 * another server is not {@link #reaches reached}, and the migration streams it instead — ClickHouse's
 * {@code remote()} would need the source's native-protocol port, which a {@code ch://} destination
 * does not name, and would put the password into the statement text.
 *
 * <p><b>Guarantees</b>: each copied row carries its {@code _fanout_version}; the target is a
 * {@code ReplacingMergeTree(_fanout_version)}, which keeps per key the highest version, so history
 * copied after a newer live write never replaces it. An insert is not a transaction in ClickHouse: a
 * range that fails half-way may be partly visible, and copying it again inserts the same rows in the
 * same versions, which the engine collapses — the state the writer's contract allows.
 *
 * <p><b>Verification</b>, with {@code FINAL} at both ends: per bucket of keys ({@code cityHash64} of
 * the key modulo {@value #BUCKETS}) the rows and the sum of the rows' hashes (key, version, and every
 * source column cast to the target's type, NULL apart from every value); a bucket that agrees counts
 * as equal rows, and only the keys of buckets that differ are joined to classify each row as the
 * streaming verification does.
 */
final class AttachedClickHouseDatabase implements SameEngineCopy.Attached {

    static final int BUCKETS = 256;

    private final ClickHouseWriter writer;
    private final ClickHouseDestination target;
    private final ClickHouseDestination source;
    private final ClickHouseReader sourceReader;
    private final ClickHouseReader targetReader;

    private AttachedClickHouseDatabase(ClickHouseWriter writer, ClickHouseDestination target, ClickHouseDestination source,
                                       ClickHouseReader targetReader) {
        this.writer = writer;
        this.target = target;
        this.source = source;
        this.sourceReader = new ClickHouseReader(writer::httpForReading, source);
        this.targetReader = targetReader;
    }

    /** Whether {@code source} is a database of the target's server reached with the target's credentials. */
    static boolean reaches(ClickHouseDestination target, Destination source) {
        ClickHouseDestination s;
        try {
            s = ClickHouseDestination.of(source);
        } catch (IllegalArgumentException e) {
            return false;
        }
        // a cluster's tables are spread over its servers: one server cannot copy them by itself
        return !s.isCluster() && !target.isCluster()
                && s.hostPort().toLowerCase(Locale.ROOT).equals(target.hostPort().toLowerCase(Locale.ROOT)) && s.secure() == target.secure()
                && s.user().equals(target.user()) && s.password().equals(target.password());
    }

    static AttachedClickHouseDatabase attach(ClickHouseWriter writer, ClickHouseDestination target, ClickHouseReader targetReader,
                                            Destination source) throws WriteException {
        Objects.requireNonNull(source, "source is null");
        if (!reaches(target, source)) {
            throw WriteException.permanent("destination " + target.name() + ": the source " + source.name() + " is not a database of "
                    + "the server at " + target.hostPort() + " reached with the same user and password, so ClickHouse cannot copy "
                    + "from it itself; the migration streams such a source instead", null);
        }
        writer.httpForReading();
        return new AttachedClickHouseDatabase(writer, target, ClickHouseDestination.of(source), targetReader);
    }

    @Override
    public Optional<Schema> schema(String table) throws WriteException {
        return sourceReader.schema(table);
    }

    @Override
    public Optional<SameEngineCopy.CopiedRange> copyRange(String table, RowFilter rows, Optional<List<Object>> afterKey, int maxRows)
            throws WriteException {
        Objects.requireNonNull(rows, "rows is null");
        Objects.requireNonNull(afterKey, "afterKey is null");
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be at least 1, got " + maxRows);
        }
        ClickHouseReader.Readable s = sourceReader.readable(table);
        if (s == null) {
            return Optional.empty();
        }
        String where = sourceReader.where(s, rows);
        if (afterKey.isPresent()) {
            where = and(where, ClickHouseReader.afterKey(s, s.schema().keyValues(s.name(), afterKey.get())));
        }
        List<String> key = s.schema().primaryKey();
        String range = "SELECT " + quoteAll(key) + " FROM " + s.from() + where + " ORDER BY " + quoteAll(key) + " LIMIT " + maxRows;
        String step = "finding the next range of keys";
        try {
            long count = Long.parseLong(s.http().rows("SELECT count() FROM (" + range + ")").get(0)[0]);
            if (count == 0) {
                return Optional.empty();
            }
            List<String> selected = new ArrayList<>();
            List<String> descending = new ArrayList<>();
            for (String k : key) {
                selected.add(ClickHouseReader.selected(s.schema().column(k).orElseThrow(), s.typeOf(k)));
                descending.add(quote(k) + " DESC");
            }
            String[] lastText = s.http().rows("SELECT " + String.join(", ", selected) + " FROM (" + range + ") ORDER BY "
                    + String.join(", ", descending) + " LIMIT 1").get(0);
            List<Object> last = new ArrayList<>();
            for (int k = 0; k < key.size(); k++) {
                Column c = s.schema().column(key.get(k)).orElseThrow();
                last.add(ClickHouseReader.value(c.type(), s.typeOf(c.name()), lastText[k]));
            }
            step = "creating or evolving the target table";
            writer.prepareForCopy(table, s.schema());
            step = "copying rows";
            List<String> columns = new ArrayList<>();
            for (Column c : s.schema().columns()) {
                columns.add(quote(c.name()));
            }
            columns.add(quote(VERSION_COLUMN));
            String list = String.join(", ", columns);
            s.http().execute("INSERT INTO " + qualified(target.database(), table) + " (" + list + ") SELECT " + list + " FROM " + s.from()
                    + and(where, ClickHouseReader.upToKey(s, last)));
            return Optional.of(new SameEngineCopy.CopiedRange(last, count));
        } catch (RuntimeException e) {
            throw ClickHouseFailure.of(target, table, step + " from database " + source.database(), e);
        }
    }

    @Override
    public SameEngineCopy.RowComparison compare(String table, RowFilter rows) throws WriteException {
        Objects.requireNonNull(rows, "rows is null");
        ClickHouseReader.Readable s = sourceReader.readable(table);
        ClickHouseReader.Readable t = targetReader.readable(table);
        if (s == null && t == null) {
            return new SameEngineCopy.RowComparison(0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
        try {
            Schema columns = (s != null ? s : t).schema();
            Map<Long, long[]> atSource = s == null ? Map.of() : buckets(s, sourceReader.where(s, rows), columns, t);
            Map<Long, long[]> atTarget = t == null ? Map.of() : buckets(t, targetReader.where(t, rows), columns, t);
            long sourceRows = 0;
            long targetRows = 0;
            long sourceChecksum = 0;
            long targetChecksum = 0;
            long equal = 0;
            List<Long> differing = new ArrayList<>();
            for (Map.Entry<Long, long[]> b : atSource.entrySet()) {
                long[] there = atTarget.get(b.getKey());
                if (there != null && there[0] == b.getValue()[0] && there[1] == b.getValue()[1]) {
                    equal += b.getValue()[0];
                } else {
                    differing.add(b.getKey());
                }
            }
            for (long[] b : atSource.values()) {
                sourceRows += b[0];
                sourceChecksum += b[1];
            }
            for (long[] b : atTarget.values()) {
                targetRows += b[0];
                targetChecksum += b[1];
            }
            long newer = 0;
            long missing = 0;
            long older = 0;
            long different = 0;
            if (!differing.isEmpty()) {
                String in = " IN (" + String.join(", ", differing.stream().map(String::valueOf).toList()) + ")";
                String sourceSide = "SELECT " + quoteAll(columns.primaryKey()) + ", " + quote(VERSION_COLUMN) + " AS fanout_sv, "
                        + rowHash(s, columns, t) + " AS fanout_sh FROM " + s.from()
                        + and(sourceReader.where(s, rows), bucket(s) + in);
                if (t == null) {
                    missing = Long.parseLong(s.http().rows("SELECT count() FROM (" + sourceSide + ")").get(0)[0]);
                } else {
                    String targetSide = "SELECT " + quoteAll(columns.primaryKey()) + ", " + quote(VERSION_COLUMN) + " AS fanout_tv, "
                            + rowHash(t, columns, t) + " AS fanout_th, toUInt8(1) AS fanout_present FROM " + t.from()
                            + and(targetReader.where(t, rows), bucket(t) + in);
                    String[] c = s.http().rows("SELECT countIf(fanout_present = 0), countIf(fanout_present = 1 AND fanout_tv > fanout_sv), "
                            + "countIf(fanout_present = 1 AND fanout_tv < fanout_sv), "
                            + "countIf(fanout_present = 1 AND fanout_tv = fanout_sv AND fanout_th = fanout_sh), "
                            + "countIf(fanout_present = 1 AND fanout_tv = fanout_sv AND fanout_th != fanout_sh) FROM (" + sourceSide
                            + ") ANY LEFT JOIN (" + targetSide + ") USING (" + quoteAll(columns.primaryKey()) + ")").get(0);
                    missing = Long.parseLong(c[0]);
                    newer = Long.parseLong(c[1]);
                    older = Long.parseLong(c[2]);
                    equal += Long.parseLong(c[3]);
                    different = Long.parseLong(c[4]);
                }
            }
            return new SameEngineCopy.RowComparison(sourceRows, targetRows, equal, newer, missing, older, different, sourceChecksum,
                    targetChecksum);
        } catch (RuntimeException e) {
            throw ClickHouseFailure.of(target, table, "comparing the rows with database " + source.database(), e);
        }
    }

    /** Bucket → {rows, sum of row hashes} of {@code side} inside {@code where}. */
    private static Map<Long, long[]> buckets(ClickHouseReader.Readable side, String where, Schema columns, ClickHouseReader.Readable target) {
        Map<Long, long[]> out = new HashMap<>();
        for (String[] r : side.http().rows("SELECT " + bucket(side) + " AS fanout_bucket, count(), sum(" + rowHash(side, columns, target)
                + ") FROM " + side.from() + where + " GROUP BY fanout_bucket")) {
            out.put(Long.parseLong(r[0]), new long[] {Long.parseLong(r[1]), Long.parseUnsignedLong(r[2])});
        }
        return out;
    }

    private static String bucket(ClickHouseReader.Readable side) {
        return "cityHash64(" + quoteAll(side.schema().primaryKey()) + ") % " + BUCKETS;
    }

    /**
     * A row's hash over {@code columns} (the source's): key, version, and each column cast to the
     * target's type, so a value widened there hashes alike; a column absent from {@code side} hashes as NULL.
     */
    private static String rowHash(ClickHouseReader.Readable side, Schema columns, ClickHouseReader.Readable target) {
        List<String> parts = new ArrayList<>();
        for (String k : columns.primaryKey()) {
            parts.add(quote(k));
        }
        parts.add(quote(VERSION_COLUMN));
        for (Column c : columns.columns()) {
            if (columns.isKey(c.name())) {
                continue;
            }
            StoredTable.StoredColumn here = side.stored().column(c.name());
            StoredTable.StoredColumn there = target == null ? null : target.stored().column(c.name());
            if (here == null) {
                parts.add("toUInt64(0)");
                continue;
            }
            String type = there == null ? here.type().text() : there.type().text();
            String value = "CAST(" + quote(c.name()) + " AS " + type + ")";
            parts.add("if(isNull(" + value + "), toUInt64(0), cityHash64(assumeNotNull(" + value + ")) + 1)");
        }
        return "cityHash64(" + String.join(", ", parts) + ")";
    }

    private static String and(String where, String condition) {
        return where.isEmpty() ? " WHERE " + condition : where + " AND " + condition;
    }

    /** Nothing to detach: the source was only read over the target's client. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "AttachedClickHouseDatabase[" + source.database() + " -> " + target.database() + " at " + target.hostPort() + "]"
;
    }
}
