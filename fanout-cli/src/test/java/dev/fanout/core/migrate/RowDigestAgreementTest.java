package dev.fanout.core.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.BaseWriter;
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
import dev.fanout.core.Fanout;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import dev.fanout.writer.duckdb.DuckDbWriterProvider;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RowDigest}'s canonical digests as DuckDB and ClickHouse compute them in SQL, against the
 * Java reference, on the same rows written by each engine's writer — every logical type, with the
 * values engines like to print differently — and the {@link Verifier}'s comparison by digests
 * across DuckDB → ClickHouse against its streaming merge join. In fanout-core's package for
 * {@link Verifier}, among fanout-cli's tests for both plugins on the class path.
 */
@ExtendWith(ClickHouseServerExtension.class)
class RowDigestAgreementTest {

    private static final Schema EVERY_TYPE = Schema.of(List.of(
            Column.required("k_str", LogicalType.STRING), Column.required("K_int", LogicalType.INT32),
            Column.of("flag", LogicalType.BOOLEAN), Column.of("i32", LogicalType.INT32), Column.of("i64", LogicalType.INT64),
            Column.of("f64", LogicalType.FLOAT64), Column.of("dec", LogicalType.decimal(18, 4)),
            Column.of("wide dec", LogicalType.decimal(30, 12)), Column.of("Ünïcode \"name\"", LogicalType.STRING),
            Column.of("doc", LogicalType.JSON), Column.of("day", LogicalType.DATE), Column.of("ts", LogicalType.TIMESTAMP),
            Column.of("raw", LogicalType.BYTES)), List.of("k_str", "K_int"));

    private static final double[] DOUBLES = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0, 3.0, -42.0,
            0x1p53 + 2, 9007199254740993.0, 1e300, 0.1, -1.5, (double) Long.MIN_VALUE, 0x1p63, 1e-7, Double.MIN_VALUE, 1e21, 123456.789};
    private static final long[] LONGS = {Long.MIN_VALUE, Long.MAX_VALUE, 0, -1, 1L << 53 | 1};
    private static final String[] STRINGS = {"", "plain", "tab\there", "new\nline\r\n", "quote ' and \" and `", "back\\slash \\n",
            "ünïcödé ✓ 😀", "中文", "  spaces  "};
    private static final BigDecimal[] DECIMALS = {BigDecimal.ZERO, new BigDecimal("-0.0500"), new BigDecimal("12345678901234.5678"),
            new BigDecimal("1.5000"), new BigDecimal("100"), new BigDecimal("-99999999999999.9999")};
    private static final BigDecimal[] WIDE = {new BigDecimal("123456789012345678.123456789012"), new BigDecimal("-0.000000000001"),
            new BigDecimal("7.000000000000")};
    private static final Instant[] TIMES = {Instant.parse("1969-12-31T23:59:59.999999Z"), Instant.parse("1900-01-01T00:00:00.000001Z"),
            Instant.parse("2026-01-01T12:00:00.123456Z"), Instant.EPOCH, Instant.parse("2262-04-11T23:47:16.854775Z")};
    private static final LocalDate[] DAYS = {LocalDate.of(1969, 12, 31), LocalDate.of(1900, 1, 1), LocalDate.of(2026, 1, 1),
            LocalDate.of(1970, 1, 1)};
    private static final String[] DOCS = {"{\"a\": [1, 2.50], \"s\": \"t\\tab\"}", "[]", "\"text\"", "{\"ü\":null}"};

    @TempDir
    Path dir;

    /** 60 rows whose columns cycle through the nasty values independently, every tenth row mostly null. */
    private static FramePacket everyType() {
        FramePacket.Builder b = FramePacket.builder("every_type", EVERY_TYPE);
        for (int r = 0; r < 60; r++) {
            boolean nulls = r % 10 == 9;
            byte[] raw = new byte[r % 5];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = (byte) (i * 127 + r);
            }
            b.addVersionedRow(r % 3 == 0 ? Long.MIN_VALUE + r : 1_700_000_000_000_000L + r,
                    STRINGS[r % STRINGS.length], r % 2 == 0 ? Integer.MIN_VALUE + r : Integer.MAX_VALUE - r,
                    nulls ? null : r % 2 == 0, nulls ? null : r * 1000 - 30_000, nulls ? null : LONGS[r % LONGS.length],
                    nulls && r > 10 ? null : DOUBLES[r % DOUBLES.length], nulls ? null : DECIMALS[r % DECIMALS.length],
                    nulls ? null : WIDE[r % WIDE.length], nulls ? null : STRINGS[(r + 3) % STRINGS.length],
                    nulls ? null : DOCS[r % DOCS.length], nulls ? null : DAYS[r % DAYS.length], TIMES[r % TIMES.length],
                    nulls ? null : raw);
        }
        return b.version(Long.MAX_VALUE).build();
    }

    private BaseWriter duckDb(String name) throws WriteException {
        BaseWriter w = new DuckDbWriterProvider().create(Destination.of(name, "duckdb:" + name + ".duckdb", dir));
        w.open();
        return w;
    }

    private static BaseWriter clickHouse(ClickHouseServer server, String database) throws WriteException {
        BaseWriter w = WriterRegistry.fromContextClassLoader().provider("ch").orElseThrow()
                .create(Destination.of(database, server.uri(database), Path.of(".")));
        w.open();
        return w;
    }

    private static List<RowDigest.Bucket> buckets(TableReader reader, String table, RowFilter rows, int buckets) throws WriteException {
        List<RowDigest.Bucket> b = new ArrayList<>(reader.bucketDigests(table, rows, buckets).orElseThrow());
        b.sort(Comparator.comparingInt(RowDigest.Bucket::bucket));
        return b;
    }

    private static List<RowDigest.Row> rows(TableReader reader, String table, int buckets, Set<Integer> of) throws WriteException {
        List<RowDigest.Row> rows = new ArrayList<>();
        reader.rowDigests(table, RowFilter.all(), buckets, of, rows::add);
        return rows;
    }

    private static List<RowDigest.Bucket> reference(FramePacket packet, int buckets) {
        Map<Integer, long[]> sums = new TreeMap<>();
        for (int r = 0; r < packet.rowCount(); r++) {
            long[] s = sums.computeIfAbsent(RowDigest.bucket(packet, r, buckets), k -> new long[2]);
            s[0]++;
            s[1] += RowDigest.rowDigest(packet, r);
        }
        List<RowDigest.Bucket> out = new ArrayList<>();
        sums.forEach((bucket, s) -> out.add(new RowDigest.Bucket(bucket, s[0], s[1])));
        return out;
    }

    @Test
    void duckDbClickHouseAndTheJavaReferenceDigestEveryTypeAlike(ClickHouseServer server) throws Exception {
        FramePacket rows = everyType();
        try (BaseWriter duck = duckDb("every"); BaseWriter ch = clickHouse(server, "digest_every")) {
            duck.write(WriteBatch.of(rows));
            ch.write(WriteBatch.of(rows));
            TableReader d = duck.reader().orElseThrow();
            TableReader c = ch.reader().orElseThrow();
            assertThat(d.digestsRows()).isTrue();
            assertThat(c.digestsRows()).isTrue();
            for (int buckets : new int[] {1, 7, 4096}) {
                List<RowDigest.Bucket> expected = reference(rows, buckets);
                assertThat(buckets(d, "every_type", RowFilter.all(), buckets)).as("DuckDB, %d buckets", buckets).isEqualTo(expected);
                assertThat(buckets(c, "every_type", RowFilter.all(), buckets)).as("ClickHouse, %d buckets", buckets).isEqualTo(expected);
            }
            List<RowDigest.Row> expected = new ArrayList<>();
            for (int r = 0; r < rows.rowCount(); r++) {
                expected.add(RowDigest.row(rows, r));
            }
            expected.sort(RowDigest.ORDER);
            Set<Integer> all = new HashSet<>(IntStream.range(0, 7).boxed().toList());
            assertThat(rows(d, "every_type", 7, all)).isEqualTo(expected);
            assertThat(rows(c, "every_type", 7, all)).isEqualTo(expected);
            Set<Integer> some = Set.of(0, 3);
            List<RowDigest.Row> inSome = expected.stream().filter(r -> some.contains(RowDigest.bucket(r.keyDigest(), 7))).toList();
            assertThat(inSome).isNotEmpty().hasSizeLessThan(expected.size());
            assertThat(rows(d, "every_type", 7, some)).isEqualTo(inSome);
            assertThat(rows(c, "every_type", 7, some)).isEqualTo(inSome);
        }
    }

    @Test
    void theReferenceFollowsTheSpecificationsTexts() {
        FramePacket p = FramePacket.builder("t", Schema.of(List.of(Column.required("id", LogicalType.INT64),
                        Column.of("b", LogicalType.FLOAT64), Column.of("A", LogicalType.decimal(10, 3)), Column.of("é", LogicalType.STRING),
                        Column.of("z", LogicalType.BYTES)), List.of("id")))
                .addVersionedRow(5, 7L, 2.0, new BigDecimal("-0.050"), "a:b", null)
                .addVersionedRow(5, 8L, 0.5, new BigDecimal("2.000"), null, new byte[] {0, (byte) 0xff})
                .version(5).build();
        assertThat(RowDigest.keyText(p, 0)).isEqualTo("2:id2:i7");
        // MD5("abc") = 900150983cd24fb0d6963f7d28e17f72: its first eight bytes little-endian
        assertThat(RowDigest.md5l("abc")).isEqualTo(0xb04fd23c98500190L);
        // DuckDB's hash() of 1, -1 and of the double 0.5
        assertThat(RowDigest.mix64(1)).isEqualTo(Long.parseUnsignedLong("4717996019076358352"));
        assertThat(RowDigest.mix64(-1)).isEqualTo(Long.parseUnsignedLong("4939931809569846361"));
        assertThat(RowDigest.mix64(Double.doubleToRawLongBits(0.5))).isEqualTo(Long.parseUnsignedLong("14878752034231939099"));
        assertThat(RowDigest.columnKey("é", 's')).isEqualTo(RowDigest.md5l("2:és"));
        long id = RowDigest.mix64(7 ^ RowDigest.columnKey("id", 'i'));
        long b = RowDigest.mix64(2 ^ RowDigest.columnKey("b", 'i'));
        long a = RowDigest.mix64(RowDigest.md5l("-0.05") ^ RowDigest.columnKey("A", 'd'));
        long e = RowDigest.mix64(RowDigest.md5l("a:b") ^ RowDigest.columnKey("é", 's'));
        assertThat(RowDigest.contentDigest(p, 0)).isEqualTo(id ^ b ^ a ^ e);
        assertThat(RowDigest.keyDigest(p, 0)).isEqualTo(RowDigest.mix64(id));
        assertThat(RowDigest.rowDigest(p, 0)).isEqualTo(RowDigest.mix64(id ^ b ^ a ^ e ^ RowDigest.mix64(5 ^ RowDigest.VERSION_KEY)));
        assertThat(RowDigest.VERSION_KEY).isEqualTo(RowDigest.md5l("_fanout_version"));
        assertThat(RowDigest.contentDigest(p, 1)).isEqualTo(RowDigest.mix64(8 ^ RowDigest.columnKey("id", 'i'))
                ^ RowDigest.mix64(RowDigest.mix64(Double.doubleToRawLongBits(0.5)) ^ RowDigest.columnKey("b", 'f'))
                ^ RowDigest.mix64(RowDigest.md5l("2") ^ RowDigest.columnKey("A", 'd'))
                ^ RowDigest.mix64(RowDigest.md5l("00ff") ^ RowDigest.columnKey("z", 'x')));
        // a whole float64 hashes as the integer it equals; NaN of any payload alike
        assertThat(RowDigest.columnHash("b", LogicalType.FLOAT64, -3.0)).isEqualTo(RowDigest.columnHash("b", LogicalType.INT64, -3L));
        assertThat(RowDigest.columnHash("b", LogicalType.FLOAT64, -0.0)).isEqualTo(RowDigest.columnHash("b", LogicalType.INT32, 0));
        assertThat(RowDigest.columnHash("b", LogicalType.FLOAT64, Double.longBitsToDouble(0x7ff8000000000123L)))
                .isEqualTo(RowDigest.columnHash("b", LogicalType.FLOAT64, Double.NaN))
                .isEqualTo(RowDigest.mix64(RowDigest.columnKey("b", 'n')));
        assertThat(RowDigest.bucketsByKeyValue(p.schema())).isTrue();
        assertThat(RowDigest.bucket(p, 0, 5)).isEqualTo(2);
        FramePacket negative = FramePacket.builder("t", p.schema()).addRow(-3L, null, null, null, null).build();
        assertThat(RowDigest.bucket(negative, 0, 5)).isEqualTo(2);
    }

    /** The InEngineVerificationTest's kinds of rows, the target on ClickHouse with a widened qty, a wider decimal and a column of its own. */
    private void fixture(BaseWriter duck, BaseWriter ch) throws WriteException {
        Schema source = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("qty", LogicalType.INT32),
                Column.of("price", LogicalType.decimal(10, 2)), Column.of("side", LogicalType.STRING), Column.of("day", LogicalType.DATE)),
                List.of("id"));
        Schema target = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("qty", LogicalType.FLOAT64),
                Column.of("price", LogicalType.decimal(12, 4)), Column.of("side", LogicalType.STRING), Column.of("day", LogicalType.DATE),
                Column.of("venue", LogicalType.STRING)), List.of("id"));
        FramePacket.Builder s = FramePacket.builder("trades", source).version(10);
        FramePacket.Builder t = FramePacket.builder("trades", target).version(11);
        LocalDate first = LocalDate.of(2025, 12, 25);
        for (long i = 1; i <= 140; i++) {
            String side = i > 135 ? null : "buy";
            LocalDate day = first.plusDays(i % 14);
            s.addVersionedRow(10, i, (int) i, new BigDecimal("1.50"), side, day);
            if (i <= 100 || i > 135) {
                t.addVersionedRow(10, i, (double) i, new BigDecimal("1.5"), side, day, null);
            } else if (i <= 110) {
                t.addVersionedRow(11, i, (double) i, new BigDecimal("2.5"), "sell", day, "x");
            } else if (i > 120 && i <= 130) {
                t.addVersionedRow(9, i, (double) i, new BigDecimal("1.5"), "buy", day, null);
            } else if (i > 130) {
                t.addVersionedRow(10, i, (double) i, new BigDecimal("1.5"), "sell", day, null);
            }
        }
        for (long i = 1000; i < 1007; i++) {
            t.addVersionedRow(1, i, 0.0, BigDecimal.ZERO, "only here", LocalDate.of(2026, 1, 2), null);
        }
        duck.write(WriteBatch.of(s.build()));
        ch.write(WriteBatch.of(t.build()));
    }

    private static List<Long> counts(Verification v) {
        return List.of(v.sourceRows(), v.targetRows(), v.equal(), v.newerAtTarget(), v.missing(), v.older(), v.different());
    }

    @Test
    void duckDbToClickHouseByDigestsCountsEveryKindOfRowAsTheStreamingMergeJoin(ClickHouseServer server) throws Exception {
        try (BaseWriter duck = duckDb("kinds"); BaseWriter ch = clickHouse(server, "digest_kinds")) {
            fixture(duck, ch);
            TableReader s = duck.reader().orElseThrow();
            TableReader t = ch.reader().orElseThrow();
            Verification streamed = Verifier.verify("trades", RowFilter.all(), s, t, 7, false);
            Verification digested = Verifier.verify("trades", RowFilter.all(), s, t, 7);
            assertThat(counts(streamed)).isEqualTo(List.of(140L, 137L, 105L, 10L, 10L, 10L, 5L));
            assertThat(counts(digested)).isEqualTo(counts(streamed));
            assertThat(streamed.byDigests()).isFalse();
            assertThat(streamed.rowsRead()).isEqualTo(277);
            assertThat(digested.byDigests()).isTrue();
            // only the buckets of the 35 source rows that differ (25 of them at the target too) and of the 7 only at the target are read
            assertThat(digested.rowsRead()).isBetween(35L + 25 + 7, 100L);
            assertThat(digested.sourceChecksum()).isNotEqualTo(digested.targetChecksum());

            RowFilter part = new RowFilter(List.of(new RowFilter.Bound("day", Instant.parse("2026-01-01T00:00:00Z"), null, true, false)));
            Verification partStreamed = Verifier.verify("trades", part, s, t, 7, false);
            assertThat(partStreamed.sourceRows()).isBetween(1L, 139L);
            assertThat(counts(Verifier.verify("trades", part, s, t, 7))).isEqualTo(counts(partStreamed));

            Verification intoNothing = Verifier.verify("absent", RowFilter.all(), s, t, 7);
            assertThat(intoNothing.byDigests()).isTrue();
            assertThat(counts(intoNothing)).containsOnly(0L);
        }
    }

    @Test
    void identicalEndsAreComparedWithoutReadingARow(ClickHouseServer server) throws Exception {
        FramePacket rows = everyType();
        try (BaseWriter duck = duckDb("same"); BaseWriter ch = clickHouse(server, "digest_same")) {
            duck.write(WriteBatch.of(rows));
            ch.write(WriteBatch.of(rows));
            // a second, older copy of every row at the target: two stored rows per key, so the listing reads with FINAL
            ch.write(WriteBatch.of(FramePacket.builder("every_type", EVERY_TYPE).addVersionedRow(5,
                    STRINGS[1], Integer.MAX_VALUE - 1, null, null, null, null, null, null, null, null, null, TIMES[0], null).version(0).build()));
            Verification v = Verifier.verify("every_type", RowFilter.all(), duck.reader().orElseThrow(), ch.reader().orElseThrow(), 7);
            assertThat(v.byDigests()).isTrue();
            assertThat(v.rowsRead()).isZero();
            assertThat(counts(v)).isEqualTo(List.of(60L, 60L, 60L, 0L, 0L, 0L, 0L));
            assertThat(v.sourceChecksum()).isEqualTo(v.targetChecksum());
        }
    }

    @Test
    void aMigrateFromDuckDbToClickHouseVerifiesByDigestsAndAgainWithoutReadingARow(ClickHouseServer server) throws Exception {
        Schema items = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("name", LogicalType.STRING),
                Column.of("price", LogicalType.FLOAT64), Column.of("at", LogicalType.TIMESTAMP)), List.of("id"));
        FramePacket.Builder history = FramePacket.builder("items", items).version(3);
        for (long id = -500; id < 2_500; id++) {
            history.addRow(id, id % 11 == 0 ? null : "item \t" + id, id * 0.25, Instant.ofEpochSecond(id * 7_919, id % 1000 * 1000));
        }
        try (BaseWriter duck = duckDb("items")) {
            duck.write(WriteBatch.of(history.build()));
        }
        WriterRegistry registry = WriterRegistry.fromContextClassLoader();
        Path from = Files.writeString(dir.resolve("from.yaml"), topology("duckdb:items.duckdb"));
        Path to = Files.writeString(dir.resolve("to.yaml"), topology(server.uri("digest_migrate")));
        for (int run = 1; run <= 2; run++) {
            try (Migration migration = Migration.between(Fanout.check(from, registry), Fanout.check(to, registry), registry, 700);
                 CheckpointStore checkpoints = CheckpointStore.open(dir.resolve("state"))) {
                List<MoveResult> results = migration.run(migration.moves(List.of("items")), checkpoints, false, Migration.Progress.SILENT);
                assertThat(results).hasSize(1);
                MoveResult r = results.get(0);
                assertThat(r.passed()).as("run %d: %s", run, r).isTrue();
                assertThat(r.copiedNow()).isEqualTo(run == 1 ? 3_000 : 0);
                Verification v = r.verification().orElseThrow();
                assertThat(v.byDigests()).isTrue();
                assertThat(v.rowsRead()).isZero();
                assertThat(v.equal()).isEqualTo(3_000);
                assertThat(v.sourceChecksum()).isEqualTo(v.targetChecksum());
            }
        }
    }

    private static String topology(String uri) {
        return """
                version: 1
                destinations:
                  db: { uri: "%s" }
                default: db
                tables:
                  items: { primary_key: [id] }
                """.formatted(uri);
    }

    @Test
    void aTableClickHouseCannotDigestExactlyIsStreamed(ClickHouseServer server) throws Exception {
        Schema big = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("amount", LogicalType.decimal(38, 2))),
                List.of("id"));
        FramePacket rows = FramePacket.builder("ledger", big).version(3)
                .addRow(1L, new BigDecimal("123456789012345678901234567890.25")).addRow(2L, new BigDecimal("-1.50")).build();
        try (BaseWriter duck = duckDb("ledger"); BaseWriter ch = clickHouse(server, "digest_ledger")) {
            duck.write(WriteBatch.of(rows));
            ch.write(WriteBatch.of(rows));
            String version = server.scalar("SELECT version()");
            if (Integer.parseInt(version.substring(0, version.indexOf('.'))) < 21) {
                assertThat(ch.reader().orElseThrow().bucketDigests("ledger", RowFilter.all(), 7)).isEmpty();
                Verification v = Verifier.verify("ledger", RowFilter.all(), duck.reader().orElseThrow(), ch.reader().orElseThrow(), 7);
                assertThat(v.byDigests()).isFalse();
                assertThat(counts(v)).isEqualTo(List.of(2L, 2L, 2L, 0L, 0L, 0L, 0L));
            }
            assertThat(new String(server.query("SELECT amount FROM digest_ledger.ledger WHERE id = 1"), StandardCharsets.UTF_8).strip())
                    .startsWith("123456789012345678901234567890.25");
        }
    }
}
