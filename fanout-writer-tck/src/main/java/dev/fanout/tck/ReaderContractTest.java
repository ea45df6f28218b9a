package dev.fanout.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowDigest;
import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The read side of the writer contract, for writers whose provider declares {@link Capability#READ}:
 * their test extends this class instead of {@link WriterContractTest}, and so runs both. Nothing more
 * to implement: the {@link TableReader} comes from the writer itself.
 *
 * <p>What is checked: every logical type scans back as the values and Java classes written, each row
 * with its stored version (negative and extreme ones too), and the stored schema comes back as written
 * (key columns in key order, no version column); scans go in primary-key order and give every row
 * exactly once, for several batch sizes, resume after any key (stored or not) and stop when the sink
 * says so; {@link RowFilter} bounds on date and timestamp columns — dates as midnight UTC, timestamps to
 * the microsecond, nulls in or out, two bounds at once — select the same rows for count, scan and
 * delete, and only by each key's newest version (an older version never reappears after a delete); a
 * bound on a column that is missing or not a date or timestamp fails permanently naming it; a scanned
 * packet written into a second destination keeps its versions and does not overwrite a newer row there;
 * identifiers that need quoting; a missing table has no schema, counts 0, scans and deletes nothing;
 * {@link TableReader#tables()} lists exactly the tables written, sorted; a reader that
 * {@link TableReader#digestsRows() digests rows} gives bucket and row digests equal to
 * {@link RowDigest}'s Java reference for every logical type (or declines a table as a whole).
 */
public abstract class ReaderContractTest extends WriterContractTest {

    /** Something to run against a reader. */
    @FunctionalInterface
    protected interface ReaderAction<T> {
        T apply(TableReader reader) throws Exception;
    }

    // ---- the contract -------------------------------------------------------------------------

    @Test
    void everyLogicalTypeScansBackExactlyWithItsVersionAndTheStoredSchema() throws Exception {
        Map<String, Object> full = row("id", 1, "b", true, "i32", Integer.MIN_VALUE, "i64", Long.MAX_VALUE, "f64", -1.0e-300,
                "dec", new BigDecimal("-12345678901234.5678"), "big", new BigDecimal("1234567890123456789012345678.0123456789"),
                "s", "héllo \"wörld\" 世界 🦆 'x'\n\ttab", "d", LocalDate.of(1969, 12, 31),
                "ts", Instant.parse("2024-02-29T23:59:59.123456Z"), "raw", new byte[] {0, -1, 127, -128, 10},
                "doc", "{\"a\":[1,2.5,{\"b\":null}],\"c\":\"ü\"}");
        Map<String, Object> scaled = row("id", 2, "b", false, "i32", 0, "i64", -1L, "f64", 0.5, "dec", new BigDecimal("1.5"),
                "big", new BigDecimal("-0.0000000001"), "s", "", "d", LocalDate.of(2262, 4, 11),
                "ts", Instant.parse("1969-07-20T20:17:40.000001Z"), "raw", new byte[0], "doc", "[]");
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        Map<String, Object> extremes = row("id", Integer.MIN_VALUE, "b", true, "i32", Integer.MAX_VALUE, "i64", Long.MIN_VALUE,
                "f64", Double.POSITIVE_INFINITY, "dec", new BigDecimal("99999999999999.9999"), "big", BigDecimal.ZERO,
                "s", "\\N", "d", LocalDate.EPOCH, "ts", Instant.EPOCH, "raw", everyByte, "doc", "null");
        Map<String, Object> nulls = new LinkedHashMap<>();
        for (Column c : EVERY_TYPE.columns()) {
            nulls.put(c.name(), c.name().equals("id") ? 3 : null);
        }
        write(batch(packet("typed", EVERY_TYPE, Long.MAX_VALUE, values(EVERY_TYPE, full)),
                packet("typed", EVERY_TYPE, -42, values(EVERY_TYPE, scaled)),
                packet("typed", EVERY_TYPE, Long.MIN_VALUE, values(EVERY_TYPE, extremes)),
                packet("typed", EVERY_TYPE, 0, values(EVERY_TYPE, nulls))));

        List<FramePacket> packets = withReader(reader -> {
            assertThat(reader.schema("typed")).as("stored schema").contains(EVERY_TYPE);
            return scan(reader, "typed", RowFilter.all(), Optional.empty(), 100);
        });

        List<Map<String, Object>> rows = rowsOf(packets);
        assertThat(rows).extracting(r -> r.get("id")).containsExactly(Integer.MIN_VALUE, 1, 2, 3);
        Map<Object, Long> versions = Map.of(1, Long.MAX_VALUE, 2, -42L, Integer.MIN_VALUE, Long.MIN_VALUE, 3, 0L);
        for (Map<String, Object> expected : List.of(full, scaled, extremes, nulls)) {
            Map<String, Object> actual = byKey(rows, "id").get(expected.get("id"));
            assertRow(actual, expected);
            assertThat(actual.get(VERSION)).as("version of row " + expected.get("id")).isEqualTo(versions.get(expected.get("id")));
            assertJavaClasses(actual, EVERY_TYPE);
        }
    }

    @Test
    void scanGivesEveryRowOnceInKeyOrderForEveryBatchSizeAndResumesAfterAnyKey() throws Exception {
        Schema quotes = Schema.of(List.of(Column.of("px", LogicalType.FLOAT64), Column.of("venue", LogicalType.STRING),
                Column.of("id", LogicalType.INT64)), List.of("venue", "id"));
        List<List<Object>> keys = new ArrayList<>();
        for (String venue : List.of("C", "A", "B")) {
            for (long id = 15; id >= -3; id--) {
                keys.add(List.of(venue, id));
            }
        }
        List<Object[]> firstHalf = new ArrayList<>();
        List<Object[]> secondHalf = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            (i % 2 == 0 ? firstHalf : secondHalf).add(r(1.0 * i, keys.get(i).get(0), keys.get(i).get(1)));
        }
        write(batch(packet("quotes", quotes, 1, firstHalf.toArray(Object[][]::new))));
        write(batch(packet("quotes", quotes, 1, secondHalf.toArray(Object[][]::new))));
        write(batch(packet("quotes", quotes, 2, r(-1.0, "B", 0L), r(-2.0, "C", -3L))));
        List<List<Object>> ordered = new ArrayList<>(keys);
        ordered.sort(Comparator.comparing((List<Object> k) -> (String) k.get(0)).thenComparing(k -> (Long) k.get(1)));

        withReader(reader -> {
            for (int batchRows : List.of(1, 5, 56, 57, 1000)) {
                List<FramePacket> packets = scan(reader, "quotes", RowFilter.all(), Optional.empty(), batchRows);
                assertThat(packets).as("packets of a scan in batches of " + batchRows).allSatisfy(p ->
                        assertThat(p.rowCount()).isBetween(1, batchRows));
                assertThat(keysOf(packets, "venue", "id")).as("keys scanned in batches of " + batchRows).isEqualTo(ordered);
            }
            Map<Object, Map<String, Object>> rows = byKey(rowsOf(scan(reader, "quotes", RowFilter.all(), Optional.empty(), 10)), "venue", "id");
            assertRow(rows.get(List.of("B", 0L)), row("px", -1.0, VERSION, 2L));
            assertRow(rows.get(List.of("C", -3L)), row("px", -2.0, VERSION, 2L));
            assertRow(rows.get(List.of("A", 15L)), row(VERSION, 1L));

            for (int cut : List.of(0, 18, 19, 40, 56)) {
                List<Object> after = ordered.get(cut);
                assertThat(keysOf(scan(reader, "quotes", RowFilter.all(), Optional.of(after), 4), "venue", "id"))
                        .as("keys after " + after).isEqualTo(ordered.subList(cut + 1, ordered.size()));
            }
            assertThat(keysOf(scan(reader, "quotes", RowFilter.all(), Optional.of(List.of("B", 100L)), 7), "venue", "id"))
                    .as("keys after a key that is not stored").isEqualTo(ordered.subList(38, ordered.size()));
            assertThat(keysOf(scan(reader, "quotes", RowFilter.all(), Optional.of(List.of("0", Long.MIN_VALUE)), 7), "venue", "id"))
                    .as("keys after a key below every stored one").isEqualTo(ordered);

            List<FramePacket> accepted = new ArrayList<>();
            reader.scan("quotes", RowFilter.all(), Optional.empty(), 10, p -> {
                accepted.add(p);
                return false;
            });
            assertThat(accepted).as("packets accepted by a sink that stops after the first").hasSize(1);
            return null;
        });
    }

    @Test
    void dateAndTimestampBoundsSelectTheSameRowsForCountScanAndDeleteIncludingNulls() throws Exception {
        write(batch(packet("events", EVENTS, 1,
                r(1L, day("2025-12-31"), at("2025-12-31T23:59:59.999999Z"), "one"),
                r(2L, day("2026-01-01"), at("2026-01-01T00:00:00Z"), "two"),
                r(3L, day("2026-01-02"), at("2026-01-01T00:00:00.000001Z"), "three"),
                r(4L, null, null, "four"),
                r(5L, day("1969-12-31"), at("1969-12-31T23:59:59.999999Z"), "five"),
                r(6L, day("2026-01-01"), null, "six"),
                r(7L, null, at("2030-01-01T00:00:00Z"), "seven"))));
        Map<RowFilter, List<Long>> expected = new LinkedHashMap<>();
        expected.put(filter(inRange("day", "2026-01-01T00:00:00Z", null)), List.of(2L, 3L, 6L));
        expected.put(filter(valuesAndNulls("day", null, "2026-01-01T00:00:00Z")), List.of(1L, 4L, 5L, 7L));
        expected.put(filter(onlyNulls("day")), List.of(4L, 7L));
        expected.put(filter(inRange("day", "2025-12-31T12:00:00Z", "2026-01-01T12:00:00Z")), List.of(2L, 6L));
        expected.put(filter(inRange("day", null, "2026-01-01T00:00:00.000001Z")), List.of(1L, 2L, 5L, 6L));
        expected.put(filter(inRange("at", "2026-01-01T00:00:00Z", null)), List.of(2L, 3L, 7L));
        expected.put(filter(valuesAndNulls("at", null, "2026-01-01T00:00:00Z")), List.of(1L, 4L, 5L, 6L));
        expected.put(filter(inRange("at", "1969-12-31T23:59:59.999999Z", "2026-01-01T00:00:00.000001Z")), List.of(1L, 2L, 5L));
        expected.put(filter(inRange("at", "2026-01-01T00:00:00.000000500Z", null)), List.of(3L, 7L));
        expected.put(filter(inRange("day", null, null), inRange("at", null, "2026-01-01T00:00:00Z")), List.of(1L, 5L));
        expected.put(RowFilter.all(), List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L));

        withReader(reader -> {
            for (Map.Entry<RowFilter, List<Long>> e : expected.entrySet()) {
                assertThat(reader.count("events", e.getKey())).as("count of " + e.getKey()).isEqualTo(e.getValue().size());
                assertThat(keysOf(scan(reader, "events", e.getKey(), Optional.empty(), 2), "id"))
                        .as("keys scanned with " + e.getKey()).isEqualTo(e.getValue().stream().map(List::<Object>of).toList());
            }
            RowFilter before2026 = filter(valuesAndNulls("day", null, "2026-01-01T00:00:00Z"));
            assertThat(reader.delete("events", before2026)).as("rows deleted").isEqualTo(4);
            assertThat(reader.delete("events", before2026)).as("rows deleted again").isZero();
            assertThat(reader.count("events", RowFilter.all())).isEqualTo(3);
            assertThat(reader.count("events", before2026)).isZero();
            return null;
        });
        assertThat(read("events")).extracting(r -> r.get("id")).containsExactlyInAnyOrder(2L, 3L, 6L);
    }

    @Test
    void boundsSeeOnlyTheNewestVersionOfEachKeySoADeleteNeverBringsBackAnOlderOne() throws Exception {
        write(batch(packet("events", EVENTS, 1, r(10L, day("2025-06-01"), null, "old 10"), r(11L, day("2026-06-01"), null, "old 11"))));
        write(batch(packet("events", EVENTS, 2, r(10L, day("2026-06-01"), null, "new 10"), r(11L, day("2025-06-01"), null, "new 11"))));
        RowFilter before2026 = filter(inRange("day", null, "2026-01-01T00:00:00Z"));

        withReader(reader -> {
            assertThat(reader.count("events", before2026)).isEqualTo(1);
            List<Map<String, Object>> scanned = rowsOf(scan(reader, "events", before2026, Optional.empty(), 10));
            assertThat(scanned).hasSize(1);
            assertRow(scanned.get(0), row("id", 11L, "note", "new 11", VERSION, 2L));
            assertThat(reader.delete("events", before2026)).isEqualTo(1);
            assertThat(reader.count("events", before2026)).isZero();
            List<Map<String, Object>> left = rowsOf(scan(reader, "events", RowFilter.all(), Optional.empty(), 10));
            assertThat(left).hasSize(1);
            assertRow(left.get(0), row("id", 10L, "note", "new 10", VERSION, 2L));
            return null;
        });
        assertThat(read("events")).extracting(r -> r.get("note")).containsExactly("new 10");
    }

    @Test
    void aBoundOnAColumnThatIsMissingOrNotADateOrTimestampFailsPermanentlyNamingIt() throws Exception {
        write(batch(packet("events", EVENTS, 1, r(1L, day("2026-01-01"), null, "one"))));

        withReader(reader -> {
            for (String column : List.of("note", "id", "no_such_column")) {
                RowFilter f = filter(inRange(column, "2026-01-01T00:00:00Z", null));
                for (ReaderAction<?> use : List.<ReaderAction<?>>of(r -> r.count("events", f), r -> r.delete("events", f),
                        r -> scan(r, "events", f, Optional.empty(), 10))) {
                    WriteException e = catchThrowableOfType(WriteException.class, () -> use.apply(reader));
                    assertThat(e).as("failure of a bound on column " + column).isNotNull();
                    assertThat(e.retryable()).as("retryable").isFalse();
                    assertThat(e.getMessage()).contains("events").contains(column);
                }
            }
            assertThat(reader.count("events", RowFilter.all())).isEqualTo(1);
            return null;
        });
    }

    @Test
    void aScannedPacketWrittenIntoASecondDestinationKeepsItsVersionsAndNeverOverwritesANewerRow() throws Exception {
        Schema versioned = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("v", LogicalType.STRING),
                Column.of("seq", LogicalType.INT64)), List.of("id"), "seq");
        write(batch(packet("trades", versioned, 0, r(1L, "source 1", 5L), r(2L, "source 2", 6L), r(3L, "source 3", 7L),
                r(4L, "source 4", -9L))));
        Destination target = destination(tempDir.resolve("second"));
        writeTo(target, batch(packet("trades", versioned, 0, r(2L, "live 2", 100L), r(3L, "stale 3", 1L))));

        withReader(source -> {
            try (BaseWriter targetWriter = provider().create(target)) {
                targetWriter.open();
                source.scan("trades", RowFilter.all(), Optional.empty(), 3, packet -> {
                    assertThat(packet.hasRowVersions()).as("a scanned packet carries each row's version").isTrue();
                    assertThat(packet.schema().versionColumn()).as("versions travel per row, not in a column").isEmpty();
                    targetWriter.write(WriteBatch.of(packet));
                    return true;
                });
            }
            return null;
        });

        Map<Object, Map<String, Object>> rows = byKey(read(target, "trades"), "id");
        assertThat(rows).hasSize(4);
        assertRow(rows.get(1L), row("v", "source 1", "seq", 5L, VERSION, 5L));
        assertRow(rows.get(2L), row("v", "live 2", "seq", 100L, VERSION, 100L));
        assertRow(rows.get(3L), row("v", "source 3", "seq", 7L, VERSION, 7L));
        assertRow(rows.get(4L), row("v", "source 4", "seq", -9L, VERSION, -9L));
        withReader(target, reader -> {
            assertThat(rowsOf(scan(reader, "trades", RowFilter.all(), Optional.empty(), 10))).extracting(r -> r.get(VERSION))
                    .containsExactly(5L, 100L, 7L, -9L);
            return null;
        });
    }

    @Test
    void identifiersThatNeedQuotingAreReadCountedAndDeletedVerbatim() throws Exception {
        write(batch(packet("victim", EVENTS, 1, r(1L, day("2020-01-01"), null, "safe"))));
        String table = "weird \"name\"; drop table victim; --";
        Schema odd = Schema.of(List.of(Column.of("the key", LogicalType.INT64), Column.of("it's \"quoted\"", LogicalType.STRING),
                Column.of("dáy \"x\"", LogicalType.DATE), Column.of("select", LogicalType.TIMESTAMP)), List.of("the key"));
        write(batch(packet(table, odd, 1, r(1L, "a", day("2020-01-01"), at("2020-01-01T00:00:00Z")),
                r(2L, "b'", day("2030-01-01"), null), r(3L, "c\"", null, at("2030-01-01T00:00:00Z")))));

        withReader(reader -> {
            assertThat(reader.tables()).contains(table, "victim");
            assertThat(reader.schema(table)).contains(odd);
            assertThat(keysOf(scan(reader, table, RowFilter.all(), Optional.of(List.of(1L)), 10), "the key"))
                    .containsExactly(List.of(2L), List.of(3L));
            RowFilter early = filter(inRange("dáy \"x\"", null, "2025-01-01T00:00:00Z"), valuesAndNulls("select", null, "2025-01-01T00:00:00Z"));
            assertThat(reader.count(table, early)).isEqualTo(1);
            assertThat(reader.delete(table, early)).isEqualTo(1);
            assertThat(rowsOf(scan(reader, table, RowFilter.all(), Optional.empty(), 10))).extracting(r -> r.get("it's \"quoted\""))
                    .containsExactly("b'", "c\"");
            return null;
        });
        assertThat(read("victim")).hasSize(1);
    }

    @Test
    void aMissingTableHasNoSchemaCountsZeroAndScansAndDeletesNothing() throws Exception {
        withReader(reader -> {
            assertThat(reader.tables()).as("tables of a fresh destination").isEmpty();
            assertThat(reader.schema("nowhere")).isEmpty();
            assertThat(reader.count("nowhere", RowFilter.all())).isZero();
            assertThat(reader.count("nowhere", filter(inRange("day", "2026-01-01T00:00:00Z", null)))).isZero();
            assertThat(scan(reader, "nowhere", RowFilter.all(), Optional.empty(), 10)).isEmpty();
            assertThat(reader.delete("nowhere", RowFilter.all())).isZero();
            return null;
        });
        write(batch(packet("b_table", EVENTS, 1, r(1L, null, null, "b"))));
        write(batch(packet("a_table", EVENTS, 1, r(1L, null, null, "a"))));

        withReader(reader -> {
            assertThat(reader.tables()).containsExactly("a_table", "b_table");
            assertThat(reader.schema("nowhere")).isEmpty();
            assertThat(reader.delete("a_table", RowFilter.all())).isEqualTo(1);
            assertThat(reader.count("a_table", RowFilter.all())).isZero();
            assertThat(reader.count("b_table", RowFilter.all())).isEqualTo(1);
            return null;
        });
    }

    @Test
    void rowDigestsFollowTheCanonicalSpecificationForEveryLogicalType() throws Exception {
        List<Column> narrowColumns = new ArrayList<>(EVERY_TYPE.columns());
        narrowColumns.removeIf(c -> c.name().equals("big"));
        Schema narrow = Schema.of(narrowColumns, List.of("id"));
        double[] doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 3.0, 0x1p53 + 2, 0.1, -1.5,
                (double) Long.MIN_VALUE, 1e21, 1e-7};
        FramePacket.Builder all = FramePacket.builder("digest_all", EVERY_TYPE);
        FramePacket.Builder some = FramePacket.builder("digest_narrow", narrow);
        for (int i = 0; i < 24; i++) {
            boolean nulls = i % 6 == 5;
            Map<String, Object> v = row("id", i - 12, "b", nulls ? null : i % 2 == 0, "i32", nulls ? null : Integer.MIN_VALUE + i,
                    "i64", nulls ? null : i % 3 == 0 ? Long.MAX_VALUE - i : -i, "f64", nulls ? null : doubles[i % doubles.length],
                    "dec", nulls ? null : new BigDecimal(i % 2 == 0 ? "-0.0500" : "12345678901234.5000"),
                    "big", nulls ? null : i % 2 == 0 ? new BigDecimal("1234567890123456789012345678.0123456789") : new BigDecimal("-0.5000000000"),
                    "s", nulls ? null : List.of("", "tab\t \"q\" 'q' \\ \n", "世界 🦆").get(i % 3),
                    "d", nulls ? null : LocalDate.of(1969, 12, 31).plusDays(i * 1000L - 12_000),
                    "ts", nulls ? null : Instant.parse("1969-12-31T23:59:59.999999Z").plusSeconds(i * 86_400L * 400 - 4_000_000_000L),
                    "raw", nulls ? null : new byte[] {0, (byte) i, -1}, "doc", nulls ? null : "{\"a\": [1, 2.50]}");
            long version = i % 2 == 0 ? Long.MIN_VALUE + i : i;
            all.addVersionedRow(version, values(EVERY_TYPE, v));
            some.addVersionedRow(version, values(narrow, v));
        }
        List<FramePacket> packets = List.of(all.version(0).build(), some.version(0).build());
        for (FramePacket p : packets) {
            write(batch(p));
        }
        withReader(reader -> {
            if (!reader.digestsRows()) {
                assertThat(reader.bucketDigests("digest_narrow", RowFilter.all(), 7)).as("bucket digests of a reader that does not digest")
                        .isEmpty();
                return null;
            }
            assertThat(reader.bucketDigests("nowhere", RowFilter.all(), 7)).as("bucket digests of a missing table").contains(List.of());
            int digested = 0;
            for (FramePacket p : packets) {
                Optional<List<RowDigest.Bucket>> buckets = reader.bucketDigests(p.table(), RowFilter.all(), 7);
                if (buckets.isEmpty()) {
                    continue;
                }
                digested++;
                Map<Integer, long[]> expected = new TreeMap<>();
                List<RowDigest.Row> expectedRows = new ArrayList<>();
                Set<Integer> two = Set.of(1, 4);
                for (int r = 0; r < p.rowCount(); r++) {
                    int bucket = RowDigest.bucket(p, r, 7);
                    if (two.contains(bucket)) {
                        expectedRows.add(RowDigest.row(p, r));
                    }
                    long[] b = expected.computeIfAbsent(bucket, k -> new long[2]);
                    b[0]++;
                    b[1] += RowDigest.rowDigest(p, r);
                }
                List<RowDigest.Bucket> expectedBuckets = new ArrayList<>();
                expected.forEach((b, sums) -> expectedBuckets.add(new RowDigest.Bucket(b, sums[0], sums[1])));
                List<RowDigest.Bucket> actual = new ArrayList<>(buckets.get());
                actual.sort(Comparator.comparingInt(RowDigest.Bucket::bucket));
                assertThat(actual).as("bucket digests of " + p.table()).isEqualTo(expectedBuckets);
                expectedRows.sort(RowDigest.ORDER);
                assertThat(expectedRows).as("rows of buckets 1 and 4").isNotEmpty().hasSizeLessThan(p.rowCount());
                List<RowDigest.Row> rows = new ArrayList<>();
                reader.rowDigests(p.table(), RowFilter.all(), 7, two, rows::add);
                assertThat(rows).as("row digests of buckets 1 and 4 of " + p.table()).isEqualTo(expectedRows);
            }
            assertThat(digested).as("tables whose rows the reader digested, of " + packets.size()).isPositive();
            return null;
        });
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Keyed by {@code id}: a date, a timestamp and a note, all nullable but the key. */
    private static final Schema EVENTS = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("day", LogicalType.DATE),
            Column.of("at", LogicalType.TIMESTAMP), Column.of("note", LogicalType.STRING)), List.of("id"));

    /** Opens a new writer on {@link #destination}, runs {@code action} with its reader, closes the writer. */
    protected final <T> T withReader(ReaderAction<T> action) throws Exception {
        return withReader(destination, action);
    }

    /** Opens a new writer on {@code target}, runs {@code action} with its reader, closes the writer. */
    protected final <T> T withReader(Destination target, ReaderAction<T> action) throws Exception {
        try (BaseWriter writer = provider().create(target)) {
            writer.open();
            TableReader reader = writer.reader().orElseThrow(() -> new AssertionError("the writer of " + target
                    + " has no reader although its provider declares READ"));
            return action.apply(reader);
        }
    }

    /**
     * Every packet of a scan, each checked to carry per-row versions, the scanned table's name and
     * the stored schema.
     */
    protected static List<FramePacket> scan(TableReader reader, String table, RowFilter rows, Optional<List<Object>> afterKey,
                                            int batchRows) throws WriteException {
        Optional<Schema> schema = reader.schema(table);
        List<FramePacket> packets = new ArrayList<>();
        reader.scan(table, rows, afterKey, batchRows, packet -> {
            assertThat(packet.table()).isEqualTo(table);
            assertThat(packet.hasRowVersions()).as("a scanned packet carries each row's version").isTrue();
            assertThat(Optional.of(packet.schema())).as("a scanned packet's schema").isEqualTo(schema);
            packets.add(packet);
            return true;
        });
        return packets;
    }

    /** The rows of {@code packets} in order, as column name → value plus {@value #VERSION} → the row's version. */
    protected static List<Map<String, Object>> rowsOf(List<FramePacket> packets) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (FramePacket p : packets) {
            for (int r = 0; r < p.rowCount(); r++) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int c = 0; c < p.schema().width(); c++) {
                    row.put(p.schema().column(c).name(), p.value(r, c));
                }
                row.put(VERSION, p.rowVersion(r));
                rows.add(row);
            }
        }
        return rows;
    }

    private static List<List<Object>> keysOf(List<FramePacket> packets, String... keyColumns) {
        return rowsOf(packets).stream().map(r -> Arrays.stream(keyColumns).map(r::get).toList()).toList();
    }

    private void writeTo(Destination target, WriteBatch... batches) throws WriteException {
        try (BaseWriter writer = provider().create(target)) {
            writer.open();
            for (WriteBatch b : batches) {
                writer.write(b);
            }
        }
    }

    private List<Map<String, Object>> read(Destination target, String table) throws Exception {
        return readTable(target, table);
    }

    private static LocalDate day(String text) {
        return LocalDate.parse(text);
    }

    private static Instant at(String text) {
        return Instant.parse(text);
    }

    private static RowFilter filter(RowFilter.Bound... bounds) {
        return new RowFilter(List.of(bounds));
    }

    private static RowFilter.Bound inRange(String column, String from, String before) {
        return new RowFilter.Bound(column, from == null ? null : at(from), before == null ? null : at(before), true, false);
    }

    private static RowFilter.Bound valuesAndNulls(String column, String from, String before) {
        return new RowFilter.Bound(column, from == null ? null : at(from), before == null ? null : at(before), true, true);
    }

    private static RowFilter.Bound onlyNulls(String column) {
        return new RowFilter.Bound(column, null, null, false, true);
    }
}
