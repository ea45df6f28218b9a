package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** ClickHouse-specific behaviour of the writer, against the real server. */
@ExtendWith(ClickHouseServerExtension.class)
class ClickHouseWriterTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final Schema TRADES = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("symbol", LogicalType.STRING),
            Column.of("price", LogicalType.FLOAT64)), List.of("id"));

    private final ClickHouseWriterProvider provider = new ClickHouseWriterProvider();
    private final ClickHouseServer server;
    private String database;

    ClickHouseWriterTest(ClickHouseServer server) {
        this.server = server;
    }

    @BeforeEach
    void freshDatabase() {
        database = "writer_" + DATABASES.incrementAndGet();
    }

    private Destination destination(String uri, Map<String, String> options) {
        return new Destination("hot", uri, options, Path.of("."), Set.of("password"));
    }

    private Destination destination() {
        return destination(server.uri(database), Map.of());
    }

    private static WriteBatch trades(long version, long firstId, int rows, int distinctKeys) {
        FramePacket.Builder b = FramePacket.builder("trades", TRADES).version(version);
        for (int i = 0; i < rows; i++) {
            long id = firstId + i % distinctKeys;
            b.addRow(id, "S" + i, i * 0.5);
        }
        return WriteBatch.of(b.build());
    }

    private void write(Destination d, WriteBatch... batches) throws WriteException {
        try (BaseWriter w = provider.create(d)) {
            w.open();
            for (WriteBatch b : batches) {
                w.write(b);
            }
        }
    }

    private List<Map<String, Object>> read(String table) throws Exception {
        return ClickHouseTables.rows(server, database, table);
    }

    @Test
    void serverVersionIsDetectedAtOpenAndOn18_16CompressionIsOffAndTemporalTypesFallBack() throws Exception {
        Schema temporal = Schema.of(List.of(Column.of("id", LogicalType.INT32), Column.of("d", LogicalType.DATE),
                Column.of("ts", LogicalType.TIMESTAMP), Column.of("flag", LogicalType.BOOLEAN)), List.of("id"));
        try (ClickHouseWriter w = (ClickHouseWriter) provider.create(destination())) {
            assertThat(w.serverVersion()).isNull();
            w.open();
            ClickHouseServerVersion version = w.serverVersion();
            assertThat(version.text()).isEqualTo(server.scalar("SELECT version()"));
            assertThat(w.compressed()).as("compression on " + version).isEqualTo(version.compressesHttp());
            w.write(WriteBatch.of(FramePacket.builder("temporal", temporal).version(1)
                    .addRow(1, LocalDate.of(1900, 1, 1), Instant.parse("1901-01-01T00:00:00.000001Z"), true).build()));
            if (version.major() == 18) {
                assertThat(w.compressed()).isFalse();
            }
        }
        Map<String, String> types = new HashMap<>();
        Map<String, String> comments = new HashMap<>();
        for (String[] c : server.rows("SELECT name, type, comment FROM system.columns WHERE database = '" + database + "' AND table = 'temporal'")) {
            types.put(c[0], c[1]);
            comments.put(c[0], c[2]);
        }
        if (server.scalar("SELECT version()").startsWith("18.")) {
            assertThat(types).containsEntry("d", "Nullable(Int32)").containsEntry("ts", "Nullable(Int64)");
            assertThat(comments).containsEntry("d", "fanout:date").containsEntry("ts", "fanout:timestamp");
        }
        assertThat(types).containsEntry("id", "Int32").containsEntry("flag", "Nullable(UInt8)").containsEntry("_fanout_version", "Int64");
        assertThat(comments).containsEntry("flag", "fanout:boolean");
        assertThat(read("temporal").get(0)).containsEntry("d", LocalDate.of(1900, 1, 1))
                .containsEntry("ts", Instant.parse("1901-01-01T00:00:00.000001Z")).containsEntry("flag", true);
    }

    @Test
    void wrongPasswordFailsOpenPermanentlyNamingUserAndServerButNeverThePassword() throws Exception {
        String wrong = "n0t-the-Secret-42";
        Destination d = destination(server.uri(database), Map.of("user", ClickHouseServer.SECURED_USER, "password", wrong));

        BaseWriter writer = provider.create(d);
        WriteException e = catchThrowableOfType(WriteException.class, writer::open);
        writer.close();

        assertThat(e).isNotNull();
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).isEqualTo("destination hot: authentication failed for user " + ClickHouseServer.SECURED_USER
                + " at 127.0.0.1:" + server.httpPort() + " — check the options user and password");
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain(wrong).doesNotContain(server.securedPassword());
        }
        assertThat(d.toString()).doesNotContain(wrong).contains("password=****");
        assertThat(ClickHouseDestination.of(d).toString()).doesNotContain(wrong);

        Destination right = destination(server.uri(database), Map.of("user", ClickHouseServer.SECURED_USER, "password", server.securedPassword()));
        write(right, trades(1, 0, 3, 3));
        assertThat(read("trades")).hasSize(3);
    }

    @Test
    void serverStoppedMidRunMakesWritesRetryableAndTheyLandOnceItIsBack() throws Exception {
        try (BaseWriter w = provider.create(destination()); BaseWriter openedWhileStopped = provider.create(destination())) {
            w.open();
            w.write(trades(1, 0, 1_000, 1_000));
            server.stop();
            try {
                WriteException e = catchThrowableOfType(WriteException.class, () -> w.write(trades(2, 500, 1_000, 1_000)));
                assertThat(e).isNotNull();
                assertThat(e.retryable()).as("retryable: " + e.getMessage()).isTrue();
                assertThat(e.getMessage()).contains("destination hot").contains("trades").contains("127.0.0.1:" + server.httpPort());

                // A server away at open does not fail open (that would stop every other destination of
                // the run): the writes fail retryably instead, for the core to retry or park.
                openedWhileStopped.open();
                WriteException atWrite = catchThrowableOfType(WriteException.class,
                        () -> openedWhileStopped.write(trades(3, 1_500, 500, 500)));
                assertThat(atWrite).isNotNull();
                assertThat(atWrite.retryable()).as("retryable: " + atWrite.getMessage()).isTrue();
                assertThat(atWrite.getMessage()).contains("destination hot")
                        .contains("cannot reach ClickHouse at 127.0.0.1:" + server.httpPort());
            } finally {
                server.restart();
            }
            w.write(trades(2, 500, 1_000, 1_000));
            openedWhileStopped.write(trades(3, 1_500, 500, 500));
        }
        List<Map<String, Object>> rows = read("trades");
        assertThat(rows).hasSize(2_000);
        assertThat(rows.stream().filter(r -> r.get("_fanout_version").equals(2L)).count()).isEqualTo(1_000);
        assertThat(rows.stream().filter(r -> r.get("_fanout_version").equals(3L)).count()).isEqualTo(500);
    }

    @Test
    void openCreatesTheDatabaseWhenItIsMissing() throws Exception {
        String exists = "SELECT count() FROM system.databases WHERE name = '" + database + "'";
        assertThat(server.scalar(exists)).isEqualTo("0");
        try (BaseWriter w = provider.create(destination())) {
            w.open();
            assertThat(server.scalar(exists)).as("database after open, before any write").isEqualTo("1");
            assertThat(server.scalar("SELECT count() FROM system.tables WHERE database = '" + database + "'")).isEqualTo("0");
        }
    }

    @Test
    void targetIdentityIsTheServersOnceConnectedWhateverTheHostIsCalled() throws Exception {
        String byName = "ch://localhost:" + server.httpPort() + "/" + database;
        try (BaseWriter ip = provider.create(destination());
             BaseWriter name = provider.create(destination(byName, Map.of()));
             BaseWriter other = provider.create(destination(server.uri(database + "_other"), Map.of()))) {
            assertThat(ip.targetIdentity()).as("a host name does not tell which server answers").isEmpty();
            ip.open();
            name.open();
            other.open();

            assertThat(ip.targetIdentity()).get().asString().startsWith("ClickHouse database " + database + " (server host ")
                    .contains("data path /");
            assertThat(name.targetIdentity()).isEqualTo(ip.targetIdentity());
            assertThat(other.targetIdentity()).isPresent().isNotEqualTo(ip.targetIdentity());
            assertThat(provider.physicalTarget(destination(byName, Map.of()))).isNotEqualTo(provider.physicalTarget(destination()));
        }
    }

    @Test
    void targetIdentityWhileTheServerIsAwayIsARetryableFailureNamingWhere() throws Exception {
        int free;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            free = socket.getLocalPort();
        }
        try (BaseWriter w = provider.create(destination("ch://127.0.0.1:" + free + "/" + database, Map.of()))) {
            w.open();

            WriteException e = catchThrowableOfType(WriteException.class, w::targetIdentity);

            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).contains("127.0.0.1:" + free);
        }
    }

    @Test
    void oneTableUriTakesItsTableAndRefusesOthersNamingBoth() throws Exception {
        Destination d = destination(server.uri(database) + "/trades", Map.of());
        assertThat(provider.physicalTarget(d)).isEqualTo("127.0.0.1:" + server.httpPort() + "/" + database);
        write(d, trades(1, 0, 10, 10));
        assertThat(read("trades")).hasSize(10);

        Schema quotes = Schema.of(List.of(Column.of("id", LogicalType.INT64)), List.of("id"));
        WriteException e = catchThrowableOfType(WriteException.class,
                () -> write(d, WriteBatch.of(FramePacket.builder("quotes", quotes).version(1).addRow(1L).build())));
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("destination hot takes only table trades").contains("table quotes");
        assertThat(e.table()).contains("quotes");
        assertThat(server.scalar("SELECT count() FROM system.tables WHERE database = '" + database + "' AND name = 'quotes'")).isEqualTo("0");
    }

    @Test
    void identifiersWithBackticksBackslashesAndQuotesInDatabaseTableAndColumnsAreQuoted() throws Exception {
        String db = "we`ird\\db '" + database;
        String table = "t`; DROP TABLE victim; --\\";
        Destination d = destination(server.uri(db.replace("%", "%25").replace("`", "%60").replace("\\", "%5C").replace(" ", "%20")
                .replace("'", "%27")), Map.of());
        Schema odd = Schema.of(List.of(Column.of("k`ey", LogicalType.INT64), Column.of("back\\slash", LogicalType.STRING),
                Column.of("it's", LogicalType.INT32), Column.of("tab\there", LogicalType.BYTES)), List.of("k`ey"));
        write(d, WriteBatch.of(FramePacket.builder(table, odd).version(1).addRow(1L, "a\\b`c", 7, new byte[] {'\t', '\\'}).build()));
        write(d, WriteBatch.of(FramePacket.builder(table, odd).version(2).addRow(1L, "second", 8, new byte[] {1}).build()));

        List<Map<String, Object>> rows = ClickHouseTables.rows(server, db, table);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0)).containsEntry("k`ey", 1L).containsEntry("back\\slash", "second").containsEntry("it's", 8);
        assertThat((byte[]) rows.get(0).get("tab\there")).containsExactly(1);
    }

    @Test
    void oneBatchIsOneInsertWithDuplicatesResolvedBeforeItIsSent() throws Exception {
        write(destination(), trades(1, 0, 200_000, 150_000));

        assertThat(server.scalar("SELECT count() FROM `" + database + "`.trades")).as("rows stored before any merge").isEqualTo("150000");
        assertThat(server.scalar("SELECT count() FROM system.parts WHERE active AND database = '" + database + "' AND table = 'trades'"))
                .as("one insert makes one part").isEqualTo("1");
        assertThat(server.scalar("SELECT symbol FROM `" + database + "`.trades FINAL WHERE id = 10")).as("later duplicate wins").isEqualTo("S150010");
    }

    @Test
    void wideningAKeyColumnFailsPermanentlyNamingTableAndColumn() throws Exception {
        Schema int32Key = Schema.of(List.of(Column.of("id", LogicalType.INT32)), List.of("id"));
        Schema int64Key = Schema.of(List.of(Column.of("id", LogicalType.INT64)), List.of("id"));
        write(destination(), WriteBatch.of(FramePacket.builder("keys", int32Key).version(1).addRow(1).build()));

        WriteException e = catchThrowableOfType(WriteException.class,
                () -> write(destination(), WriteBatch.of(FramePacket.builder("keys", int64Key).version(2).addRow(5_000_000_000L).build())));

        assertThat(e.retryable()).isFalse();
        assertThat(e.table()).contains("keys");
        assertThat(e.column()).contains("id");
        assertThat(e.getMessage()).contains("key column");
    }

    @Test
    void aTableWithAnotherEngineIsRefusedNamingTheEngine() throws Exception {
        server.query("CREATE DATABASE `" + database + "`");
        server.query("CREATE TABLE `" + database + "`.trades (id Int64, symbol Nullable(String), price Nullable(Float64), "
                + "_fanout_version Int64) ENGINE = MergeTree ORDER BY id");

        WriteException e = catchThrowableOfType(WriteException.class, () -> write(destination(), trades(1, 0, 1, 1)));

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("table trades has engine MergeTree").contains("ReplacingMergeTree(_fanout_version)");
    }

    @Test
    void settingsArePassedToTheServerAndAnUnknownOneFailsPermanently() throws Exception {
        BaseWriter readOnly = provider.create(destination(server.uri(database), Map.of("settings.readonly", "1")));
        WriteException refused = catchThrowableOfType(WriteException.class, readOnly::open);
        readOnly.close();
        assertThat(refused.retryable()).isFalse();
        assertThat(refused.getMessage()).contains("refused at 127.0.0.1:" + server.httpPort() + " for user default").contains("readonly");

        BaseWriter unknown = provider.create(destination(server.uri(database), Map.of("settings.no_such_setting_here", "1")));
        WriteException e = catchThrowableOfType(WriteException.class, unknown::open);
        unknown.close();
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("no_such_setting_here");

        write(destination(server.uri(database), Map.of("settings.max_insert_block_size", "1000")), trades(1, 0, 10, 10));
        assertThat(read("trades")).hasSize(10);
    }

    @Test
    void partitionByOptionPartitionsTheTablesFanoutCreates() throws Exception {
        write(destination(server.uri(database), Map.of("partition_by.trades", "intDiv(id, 100)")), trades(1, 0, 300, 300));

        assertThat(server.scalar("SELECT partition_key FROM system.tables WHERE database = '" + database + "' AND name = 'trades'"))
                .isEqualTo("intDiv(id, 100)");
        assertThat(server.scalar("SELECT uniqExact(partition) FROM system.parts WHERE active AND database = '" + database
                + "' AND table = 'trades'")).isEqualTo("3");
    }

    private static WriteBatch withOptions(WriteBatch b, Map<String, String> tableOptions) {
        return new WriteBatch(b.table(), b.schema(), b.packets(), tableOptions);
    }

    @Test
    void tableOptionsPartitionAndSetTheTableFanoutCreatesOverTheDestinationOption() throws Exception {
        Map<String, String> options = Map.of("partition_by", "intDiv(id, 50)", "settings.index_granularity", "1024",
                "settings.parts_to_throw_insert", "500", "unknown_to_clickhouse_writer", "ignored");
        write(destination(server.uri(database), Map.of("partition_by.trades", "intDiv(id, 100)")),
                withOptions(trades(1, 0, 300, 300), options));

        assertThat(server.scalar("SELECT partition_key FROM system.tables WHERE database = '" + database + "' AND name = 'trades'"))
                .isEqualTo("intDiv(id, 50)");
        assertThat(server.scalar("SELECT uniqExact(partition) FROM system.parts WHERE active AND database = '" + database
                + "' AND table = 'trades'")).isEqualTo("6");
        assertThat(server.scalar("SHOW CREATE TABLE " + database + ".trades"))
                .contains("SETTINGS index_granularity = 1024, parts_to_throw_insert = 500");
        assertThat(read("trades")).hasSize(300);
    }

    @Test
    void tableOptionsApplyOnlyWhenFanoutCreatesTheTable() throws Exception {
        write(destination(), trades(1, 0, 10, 10));
        write(destination(), withOptions(trades(2, 0, 10, 10), Map.of("partition_by", "intDiv(id, 5)",
                "settings.index_granularity", "1024")));

        assertThat(server.scalar("SELECT partition_key FROM system.tables WHERE database = '" + database + "' AND name = 'trades'"))
                .isEmpty();
        assertThat(server.scalar("SHOW CREATE TABLE " + database + ".trades")).doesNotContain("index_granularity = 1024");
        assertThat(read("trades")).hasSize(10);
    }

    @Test
    void aBadSettingNameFailsPermanentlyNamingTableAndOptionAndCreatesNothing() throws Exception {
        WriteException e = catchThrowableOfType(WriteException.class, () -> write(destination(),
                withOptions(trades(1, 0, 3, 3), Map.of("settings.index_granularity = 1, x", "1"))));

        assertThat(e.retryable()).isFalse();
        assertThat(e.table()).contains("trades");
        assertThat(e.getMessage()).contains("table trades").contains("option settings.index_granularity = 1, x");
        assertThat(server.scalar("SELECT count() FROM system.tables WHERE database = '" + database + "' AND name = 'trades'"))
                .isEqualTo("0");
    }

    @Test
    void aSettingValueIsANumberOrAQuotedLiteralNeverRawSql() throws Exception {
        WriteException e = catchThrowableOfType(WriteException.class, () -> write(destination(),
                withOptions(trades(1, 0, 3, 3), Map.of("settings.index_granularity", "1, index_granularity = 2"))));

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("trades");
        assertThat(server.scalar("SELECT count() FROM system.tables WHERE database = '" + database + "' AND name = 'trades'"))
                .isEqualTo("0");
    }

    @Test
    void aValueOfTheWrongTypeFailsPermanentlyBeforeAnythingIsSent() throws Exception {
        FramePacket bad = FramePacket.builder("trades", TRADES).version(1).addRow(1L, "ok", 1.0).addRow(2L, "bad", "not a number").build();

        WriteException e = catchThrowableOfType(WriteException.class, () -> write(destination(), WriteBatch.of(bad)));

        assertThat(e.retryable()).isFalse();
        assertThat(e.column()).contains("price");
        assertThat(e.getMessage()).contains("packet " + bad.packetId() + " row 1").contains("String");
        assertThat(read("trades")).isEmpty();
    }

    @Test
    void aPartitionByOverANonKeyColumnDropsTheNewTableAndFailsPermanentlyNamingTheColumn() throws Exception {
        // non-key columns are Nullable, which a partition key refuses outright; through assumeNotNull/ifNull it takes them
        WriteException e = catchThrowableOfType(WriteException.class, () -> write(
                destination(server.uri(database), Map.of("partition_by.trades", "intDiv(toInt64(assumeNotNull(price)), 10)")), trades(1, 0, 10, 10)));

        assertThat(e.retryable()).isFalse();
        assertThat(e.table()).contains("trades");
        assertThat(e.getMessage()).isEqualTo("destination hot: table trades: partition_by uses column price, which is not in the "
                + "primary key; ReplacingMergeTree deduplicates only within a partition, so versions of one key would survive "
                + "in two partitions — partition by key columns only");
        assertThat(server.scalar("SELECT count() FROM system.tables WHERE database = '" + database + "' AND name = 'trades'"))
                .as("the table just created is dropped again").isEqualTo("0");

        WriteException fromTableOption = catchThrowableOfType(WriteException.class, () -> write(destination(),
                withOptions(trades(1, 0, 10, 10), Map.of("partition_by", "(id, ifNull(symbol, ''))"))));
        assertThat(fromTableOption.retryable()).isFalse();
        assertThat(fromTableOption.getMessage()).contains("partition_by uses column symbol");
        assertThat(server.scalar("SELECT count() FROM system.tables WHERE database = '" + database + "' AND name = 'trades'"))
                .isEqualTo("0");
    }

    @Test
    void aColumnWhoseCommentStatementFailedGetsItsCommentOnTheNextWrite() throws Exception {
        boolean hasDateTime64 = Integer.parseInt(server.scalar("SELECT version()").split("\\.")[0]) >= 20;
        Schema temporal = Schema.of(List.of(Column.of("id", LogicalType.INT32), Column.of("ts", LogicalType.TIMESTAMP),
                Column.of("flag", LogicalType.BOOLEAN)), List.of("id"));
        server.query("CREATE DATABASE `" + database + "`");
        // what ADD COLUMN leaves behind when the following COMMENT COLUMN fails: the type (README's type table), no comment
        server.query("CREATE TABLE `" + database + "`.temporal (id Int32, ts " + (hasDateTime64 ? "Nullable(DateTime64(6, 'UTC'))" : "Nullable(Int64)")
                + ", flag Nullable(UInt8), _fanout_version Int64) ENGINE = ReplacingMergeTree(_fanout_version) ORDER BY id");

        write(destination(), WriteBatch.of(FramePacket.builder("temporal", temporal).version(1)
                .addRow(1, Instant.parse("2024-01-02T03:04:05.000006Z"), true).build()));

        Map<String, String> comments = new HashMap<>();
        for (String[] c : server.rows("SELECT name, comment FROM system.columns WHERE database = '" + database + "' AND table = 'temporal'")) {
            comments.put(c[0], c[1]);
        }
        assertThat(comments).containsEntry("flag", "fanout:boolean");
        if (!hasDateTime64) {
            assertThat(comments).containsEntry("ts", "fanout:timestamp");
        }
        assertThat(read("temporal").get(0)).containsEntry("ts", Instant.parse("2024-01-02T03:04:05.000006Z")).containsEntry("flag", true);
    }
}
