package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the reader contract cannot see from outside, against the real server: pages, catalog parsing, foreign tables, one-table URIs, literals of modern types. */
@ExtendWith(ClickHouseServerExtension.class)
class ClickHouseReaderTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final Schema BARS = Schema.of(List.of(Column.of("px", LogicalType.FLOAT64), Column.of("sym", LogicalType.STRING),
            Column.of("day", LogicalType.DATE), Column.of("at", LogicalType.TIMESTAMP)), List.of("sym", "day", "at"));

    private final ClickHouseWriterProvider provider = new ClickHouseWriterProvider();
    private final ClickHouseServer server;
    private String database;

    ClickHouseReaderTest(ClickHouseServer server) {
        this.server = server;
    }

    @BeforeEach
    void freshDatabase() {
        database = "reader_" + DATABASES.incrementAndGet();
    }

    private Destination destination(String uri) {
        return Destination.of("hot", uri, Path.of("."));
    }

    @Test
    void aScanLongerThanOnePageGivesEveryRowOnceInKeyOrderAndResumesInTheMiddleOfAPage() throws Exception {
        int page = 100_000;
        int rows = 2 * page + 777;
        FramePacket.Builder b = FramePacket.builder("bars", BARS).version(5);
        List<List<Object>> expected = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            List<Object> key = List.of(String.valueOf((char) ('A' + i % 3)), LocalDate.EPOCH.plusDays(i % 1_000 - 500),
                    Instant.ofEpochSecond(i, 1_000L * (i % 1_000)));
            b.addRow(0.5 * i, key.get(0), key.get(1), key.get(2));
            expected.add(key);
        }
        expected.sort(Comparator.comparing((List<Object> k) -> (String) k.get(0)).thenComparing(k -> (LocalDate) k.get(1))
                .thenComparing(k -> (Instant) k.get(2)));
        try (BaseWriter writer = provider.create(destination(server.uri(database)))) {
            writer.open();
            writer.write(WriteBatch.of(b.build()));
            TableReader reader = writer.reader().orElseThrow();
            ((ClickHouseReader) reader).pageRows(page);

            List<Integer> sizes = new ArrayList<>();
            List<List<Object>> keys = keys(reader, Optional.empty(), 9_000, sizes);
            assertThat(keys).isEqualTo(expected);
            assertThat(sizes.subList(0, sizes.size() - 1)).containsOnly(9_000);

            int cut = page + 31;
            assertThat(keys(reader, Optional.of(expected.get(cut)), 40_000, new ArrayList<>()))
                    .isEqualTo(expected.subList(cut + 1, rows));
            RowFilter early = new RowFilter(List.of(new RowFilter.Bound("day", null, Instant.parse("1970-01-01T00:00:00Z"), true, false)));
            assertThat(reader.count("bars", early)).isEqualTo(expected.stream().filter(k -> ((LocalDate) k.get(1)).isBefore(LocalDate.EPOCH)).count());
        }
    }

    private static List<List<Object>> keys(TableReader reader, Optional<List<Object>> after, int batchRows, List<Integer> sizes)
            throws WriteException {
        List<List<Object>> keys = new ArrayList<>();
        reader.scan("bars", RowFilter.all(), after, batchRows, packet -> {
            sizes.add(packet.rowCount());
            for (int r = 0; r < packet.rowCount(); r++) {
                keys.add(List.of(packet.value(r, 1), packet.value(r, 2), packet.value(r, 3)));
                assertThat(packet.rowVersion(r)).isEqualTo(5L);
            }
            return true;
        });
        return keys;
    }

    @Test
    void tablesFanoutDidNotMakeAreNotListedAndCannotBeRead() throws Exception {
        try (BaseWriter writer = provider.create(destination(server.uri(database)))) {
            writer.open();
            writer.write(WriteBatch.of(FramePacket.builder("bars", BARS).version(1)
                    .addRow(1.0, "A", LocalDate.EPOCH, Instant.EPOCH).build()));
            server.query("CREATE TABLE " + database + ".plain (id Int64, _fanout_version Int64) ENGINE = MergeTree ORDER BY id");
            server.query("CREATE TABLE " + database + ".unversioned (id Int64, _fanout_version Int64) ENGINE = ReplacingMergeTree ORDER BY id");
            server.query("CREATE TABLE " + database + ".by_expression (id Int64, _fanout_version Int64) "
                    + "ENGINE = ReplacingMergeTree(_fanout_version) ORDER BY intHash32(id)");
            server.query("CREATE TABLE " + database + ".odd (id Int64, small Nullable(Int16), _fanout_version Int64) "
                    + "ENGINE = ReplacingMergeTree(_fanout_version) ORDER BY id");
            TableReader reader = writer.reader().orElseThrow();

            assertThat(reader.tables()).containsExactly("bars", "by_expression", "odd", "unversioned");
            WriteException unversioned = catchThrowableOfType(WriteException.class, () -> reader.schema("unversioned"));
            assertThat(unversioned.retryable()).isFalse();
            assertThat(unversioned.getMessage()).contains("table unversioned is not a ReplacingMergeTree versioned by _fanout_version");
            assertThat(catchThrowableOfType(WriteException.class, () -> reader.count("by_expression", RowFilter.all())).getMessage())
                    .contains("table by_expression is sorted by (intHash32(id)), not by a list of its columns");
            WriteException odd = catchThrowableOfType(WriteException.class, () -> reader.schema("odd"));
            assertThat(odd.column()).contains("small");
            assertThat(odd.getMessage()).contains("table odd, column small: stored as Nullable(Int16)");
            assertThat(catchThrowableOfType(WriteException.class, () -> reader.schema("plain")).getMessage())
                    .contains("table plain is not a ReplacingMergeTree");
        }
    }

    @Test
    void aOneTableUriReadsThatTableOnly() throws Exception {
        try (BaseWriter writer = provider.create(destination(server.uri(database)))) {
            writer.open();
            writer.write(WriteBatch.of(FramePacket.builder("bars", BARS).version(1).addRow(1.0, "A", LocalDate.EPOCH, Instant.EPOCH).build()));
            writer.write(WriteBatch.of(FramePacket.builder("other", BARS).version(1).addRow(1.0, "A", LocalDate.EPOCH, Instant.EPOCH).build()));
        }
        try (BaseWriter writer = provider.create(destination(server.uri(database) + "/bars"))) {
            writer.open();
            TableReader reader = writer.reader().orElseThrow();

            assertThat(reader.tables()).containsExactly("bars");
            assertThat(reader.schema("bars")).contains(BARS);
            assertThat(reader.schema("other")).isEmpty();
            assertThat(reader.count("other", RowFilter.all())).isZero();
            assertThat(reader.delete("other", RowFilter.all())).isZero();
        }
        assertThat(ClickHouseTables.rows(server, database, "other")).hasSize(1);
    }

    @Test
    void aReadWhileTheServerIsAwayFailsRetryablyAndWorksOnceItIsBack() throws Exception {
        Destination d = destination(server.uri(database));
        try (BaseWriter writer = provider.create(d)) {
            writer.open();
            writer.write(WriteBatch.of(FramePacket.builder("bars", BARS).version(1).addRow(1.0, "A", LocalDate.EPOCH, Instant.EPOCH).build()));
        }
        server.stop();
        try (BaseWriter writer = provider.create(d)) {
            WriteException away;
            try {
                writer.open();
                away = catchThrowableOfType(WriteException.class, () -> writer.reader().orElseThrow().tables());
            } finally {
                server.restart();
            }
            assertThat(away.retryable()).as("retryable: " + away.getMessage()).isTrue();
            assertThat(writer.reader().orElseThrow().count("bars", RowFilter.all())).isEqualTo(1);
        }
    }

    @Test
    void sortingKeysParseIntoColumnNamesAndExpressionsAreRefused() {
        assertThat(StoredTable.sortingKeyColumns("id")).containsExactly("id");
        assertThat(StoredTable.sortingKeyColumns("`x,y`, select, `ünï 列`, `a\\`b\\\\c`, `the key`, plain"))
                .containsExactly("x,y", "select", "ünï 列", "a`b\\c", "the key", "plain");
        assertThat(StoredTable.sortingKeyColumns("intHash32(id)")).isNull();
        assertThat(StoredTable.sortingKeyColumns("id, toDate(at)")).isNull();
        assertThat(StoredTable.sortingKeyColumns("`open")).isNull();
        assertThat(StoredTable.sortingKeyColumns("")).isEmpty();
    }

    @Test
    void keyValuesBecomeLiteralsOfTheStoredTypeOnEveryServer() {
        assertThat(ClickHouseReader.keyLiteral(LogicalType.DATE, ClickHouseColumnType.parse("Date"), LocalDate.of(2026, 1, 2)))
                .isEqualTo("toDate('2026-01-02')");
        assertThat(ClickHouseReader.keyLiteral(LogicalType.DATE, ClickHouseColumnType.parse("Date32"), LocalDate.of(1950, 1, 2)))
                .isEqualTo("toDate32('1950-01-02')");
        assertThat(ClickHouseReader.keyLiteral(LogicalType.DATE, ClickHouseColumnType.parse("Int32"), LocalDate.of(1969, 12, 31)))
                .isEqualTo("toInt32(-1)");
        assertThat(ClickHouseReader.keyLiteral(LogicalType.TIMESTAMP, ClickHouseColumnType.parse("DateTime64(6, 'UTC')"),
                Instant.parse("2026-01-02T03:04:05.000006Z"))).isEqualTo("toDateTime64('2026-01-02 03:04:05.000006', 6, 'UTC')");
        assertThat(ClickHouseReader.keyLiteral(LogicalType.TIMESTAMP, ClickHouseColumnType.parse("Int64"), Instant.parse("1969-12-31T23:59:59.999999Z")))
                .isEqualTo("toInt64('-1')");
        assertThat(ClickHouseReader.keyLiteral(LogicalType.INT64, ClickHouseColumnType.parse("Int64"), Long.MIN_VALUE))
                .isEqualTo("toInt64('-9223372036854775808')");
        assertThat(ClickHouseReader.keyLiteral(LogicalType.decimal(18, 4), ClickHouseColumnType.parse("Decimal(18, 4)"), new BigDecimal("-1.5")))
                .isEqualTo("toDecimal128('-1.5', 4)");
        assertThat(ClickHouseReader.keyLiteral(LogicalType.BYTES, ClickHouseColumnType.parse("String"), new byte[] {0, -1, 'A'}))
                .isEqualTo("'\\x00\\xff\\x41'");
        assertThat(ClickHouseReader.keyLiteral(LogicalType.STRING, ClickHouseColumnType.parse("String"), "it's \\ 'x'"))
                .isEqualTo("'it\\'s \\\\ \\'x\\''");
        assertThat(ClickHouseReader.keyLiteral(LogicalType.BOOLEAN, ClickHouseColumnType.parse("Bool"), true)).isEqualTo("1");
    }
}
