package dev.fanout.writer.duckdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class DuckDbWriterTest {

    private static final Schema TRADES = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("symbol", LogicalType.STRING),
            Column.of("price", LogicalType.FLOAT64), Column.of("qty", LogicalType.INT32)), List.of("id"));

    @TempDir
    Path dir;

    private final DuckDbWriterProvider provider = new DuckDbWriterProvider();

    private Destination destination(String uri, Map<String, String> options) {
        return new Destination("trades_db", uri, options, dir, java.util.Set.of());
    }

    private Destination destination() {
        return destination("duckdb:data/trades.duckdb", Map.of());
    }

    private Path file() {
        return dir.resolve("data/trades.duckdb");
    }

    private void write(Destination d, WriteBatch... batches) throws WriteException {
        try (BaseWriter w = provider.create(d)) {
            w.open();
            for (WriteBatch b : batches) {
                w.write(b);
            }
        }
    }

    private static WriteBatch trades(long version, long firstId, int rows, int distinctKeys) {
        FramePacket.Builder b = FramePacket.builder("trades", TRADES).version(version);
        for (int i = 0; i < rows; i++) {
            long id = firstId + i % distinctKeys;
            b.addRow(id, "S" + (id % 7), i * 0.5, i);
        }
        return WriteBatch.of(b.build());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void fileHeldByAnotherProcessFailsOpenRetryablyNamingTheProcess() throws Exception {
        Path file = file();
        Files.createDirectories(file.getParent());
        try (DuckDbFaults.HeldFile held = DuckDbFaults.holdInAnotherProcess(file)) {
            BaseWriter writer = provider.create(destination());
            WriteException e = catchThrowableOfType(WriteException.class, writer::open);
            writer.close();

            assertThat(e).isNotNull();
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage())
                    .startsWith("destination trades_db: DuckDB file " + file.toRealPath())
                    .contains("is locked by another process (PID " + held.pid() + ")")
                    .contains("one writer process per file")
                    .doesNotContain("\n");
        }
    }

    @Test
    void largeBatchGoesThroughStagingWithDuplicatesResolved() throws Exception {
        write(destination(), trades(1, 0, 100_000, 100_000), trades(2, 50_000, 100_000, 60_000));

        try (Connection c = DuckDbTables.readOnly(file()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE _fanout_version = 2), min(id), max(id), "
                     + "max(qty) FILTER (WHERE id = 50000) FROM trades")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(110_000);
            assertThat(rs.getLong(2)).isEqualTo(60_000);
            assertThat(rs.getLong(3)).isZero();
            assertThat(rs.getLong(4)).isEqualTo(109_999);
            assertThat(rs.getInt(5)).as("later duplicate of key 50000 wins").isEqualTo(60_000);
        }
        assertThat(DuckDbTables.scalar(file(), "SELECT count(*) FROM duckdb_tables() WHERE temporary"))
                .as("staging tables are TEMP and leave nothing in the file").isEqualTo(0L);
    }

    @Test
    void existingKeyAtTheEndOfAFreshLookingBatchFallsBackToTheVersionGuardedUpsert() throws Exception {
        FramePacket.Builder mostlyNew = FramePacket.builder("trades", TRADES).version(3);
        for (long id = 10_000; id < 20_000; id++) {
            mostlyNew.addRow(id, "NEW", 1.0, 1);
        }
        mostlyNew.addRow(9_999L, "OLDER", 1.0, 1);

        try (BaseWriter w = provider.create(destination())) {
            w.open();
            w.write(trades(5, 0, 10_000, 10_000));
            w.write(WriteBatch.of(mostlyNew.build()));
            w.write(trades(6, 20_000, 10_000, 10_000));
            w.write(trades(4, 0, 5, 5));
        }

        try (Connection c = DuckDbTables.readOnly(file()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT id), max(_fanout_version) FILTER (WHERE id = 9999), "
                     + "min(_fanout_version) FILTER (WHERE id < 5), count(*) FILTER (WHERE symbol = 'NEW') FROM trades")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(30_000);
            assertThat(rs.getLong(2)).isEqualTo(30_000);
            assertThat(rs.getLong(3)).as("older row for an existing key is ignored").isEqualTo(5);
            assertThat(rs.getLong(4)).as("older batch does not overwrite").isEqualTo(5);
            assertThat(rs.getLong(5)).isEqualTo(10_000);
        }
    }

    @Test
    void widenedKeyColumnRebuildsTheTableKeepingRowsAndKey() throws Exception {
        Schema narrow = Schema.of(List.of(Column.of("id", LogicalType.INT32), Column.of("v", LogicalType.STRING)), List.of("id"));
        Schema wide = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("v", LogicalType.STRING),
                Column.of("extra", LogicalType.BOOLEAN)), List.of("id"));
        write(destination(), WriteBatch.of(FramePacket.builder("trades", narrow).version(1).addRow(1, "a").addRow(2, "b").build()));

        write(destination(),
                WriteBatch.of(FramePacket.builder("trades", wide).version(2).addRow(3_000_000_000L, "big", true).addRow(1L, "a2", false).build()),
                WriteBatch.of(FramePacket.builder("trades", wide).version(3).addRow(3_000_000_000L, "big2", null).build()));

        List<Map<String, Object>> rows = DuckDbTables.rows(file(), "trades");
        assertThat(rows).extracting(r -> r.get("id")).containsExactlyInAnyOrder(1L, 2L, 3_000_000_000L);
        assertThat(rows).filteredOn(r -> r.get("id").equals(3_000_000_000L)).extracting(r -> r.get("v")).containsExactly("big2");
        assertThat(rows).filteredOn(r -> r.get("id").equals(2L)).extracting(r -> r.get("extra")).containsOnlyNulls();
        assertThat(DuckDbTables.scalar(file(), "SELECT string_agg(constraint_text, ';') FROM duckdb_constraints() "
                + "WHERE table_name = 'trades' AND constraint_type = 'PRIMARY KEY'")).isEqualTo("PRIMARY KEY(id)");
        assertThat(DuckDbTables.scalar(file(), "SELECT count(*) FROM duckdb_tables()")).isEqualTo(1L);
    }

    @Test
    void nonKeyColumnsWidenInPlaceIncludingDecimals() throws Exception {
        Schema v1 = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("d", LogicalType.decimal(10, 2))), List.of("id"));
        Schema v2 = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("d", LogicalType.decimal(12, 4))), List.of("id"));
        write(destination(), WriteBatch.of(FramePacket.builder("prices", v1).version(1).addRow(1L, new java.math.BigDecimal("12345678.91")).build()));

        write(destination(), WriteBatch.of(FramePacket.builder("prices", v2).version(1).addRow(2L, new java.math.BigDecimal("1.2345")).build()));

        assertThat(DuckDbTables.scalar(file(), "SELECT data_type FROM information_schema.columns WHERE table_name = 'prices' AND column_name = 'd'"))
                .isEqualTo("DECIMAL(12,4)");
        assertThat(DuckDbTables.rows(file(), "prices")).extracting(r -> r.get("d").toString())
                .containsExactlyInAnyOrder("12345678.9100", "1.2345");
    }

    @Test
    void jsonIsStoredAsJsonAndMalformedJsonIsPermanent() throws Exception {
        Schema docs = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("doc", LogicalType.JSON)), List.of("id"));
        write(destination(), WriteBatch.of(FramePacket.builder("docs", docs).version(1).addRow(1L, "{\"a\": [1, 2]}").build()));
        assertThat(DuckDbTables.scalar(file(), "SELECT typeof(doc) FROM docs")).isEqualTo("JSON");

        WriteException e = catchThrowableOfType(WriteException.class,
                () -> write(destination(), WriteBatch.of(FramePacket.builder("docs", docs).version(2).addRow(1L, "{not json").build())));

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("docs").contains("Malformed JSON");
        assertThat(DuckDbTables.scalar(file(), "SELECT doc FROM docs")).hasToString("{\"a\": [1, 2]}");
    }

    @Test
    void valueOfTheWrongJavaTypeIsPermanentNamingTheColumn() throws Exception {
        WriteBatch bad = WriteBatch.of(FramePacket.builder("trades", TRADES).version(1)
                .addRow(1L, "X", 1.0, 1).addRow(2L, "X", "not a double", 1).build());

        try (BaseWriter w = provider.create(destination())) {
            w.open();
            WriteException e = catchThrowableOfType(WriteException.class, () -> w.write(bad));
            assertThat(e.retryable()).isFalse();
            assertThat(e.column()).contains("price");
            assertThat(e.getMessage()).contains("trades").contains("price").contains("expected float64");

            w.write(trades(1, 100, 3, 3));
        }
        assertThat(DuckDbTables.rows(file(), "trades")).extracting(r -> r.get("id")).containsExactlyInAnyOrder(100L, 101L, 102L);
    }

    @Test
    void nullKeyIsAPermanentConstraintFailureAndLeavesTheWriterUsable() throws Exception {
        try (BaseWriter w = provider.create(destination())) {
            w.open();
            WriteException e = catchThrowableOfType(WriteException.class,
                    () -> w.write(WriteBatch.of(FramePacket.builder("trades", TRADES).version(1).addRow(null, "X", 1.0, 1).build())));
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage()).contains("trades").contains("NOT NULL");

            w.write(trades(1, 0, 10, 10));
        }
        assertThat(DuckDbTables.rows(file(), "trades")).hasSize(10);
    }

    @Test
    void tableCreatedWithoutAKeyIsRefusedPermanently() throws Exception {
        Files.createDirectories(file().getParent());
        try (Connection c = new DuckDBDriver().connect("jdbc:duckdb:" + file(), new Properties()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE trades (id BIGINT, symbol VARCHAR, price DOUBLE, qty INTEGER, _fanout_version BIGINT)");
        }

        WriteException e = catchThrowableOfType(WriteException.class, () -> write(destination(), trades(1, 0, 1, 1)));

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("trades").contains("without a primary key");
    }

    @Test
    void reservedVersionColumnNameIsRefused() {
        Schema clash = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("_FANOUT_VERSION", LogicalType.INT64)), List.of("id"));

        WriteException e = catchThrowableOfType(WriteException.class,
                () -> write(destination(), WriteBatch.of(FramePacket.builder("t", clash).addRow(1L, 2L).build())));

        assertThat(e.retryable()).isFalse();
        assertThat(e.column()).contains("_FANOUT_VERSION");
    }

    @Test
    void optionsReachDuckDbAsSettings() throws Exception {
        Map<String, String> options = Map.of("threads", "2", "memory_limit", "256MB");
        try (BaseWriter w = provider.create(destination("duckdb:data/trades.duckdb", options))) {
            w.open();
            Properties same = new Properties();
            same.putAll(options);
            try (Connection c = new DuckDBDriver().connect("jdbc:duckdb:" + file(), same); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_setting('threads'), current_setting('memory_limit')")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(2);
                assertThat(rs.getString(2)).contains("MiB");
            }
        }
    }

    @Test
    void oneDuckDbThreadPerFileUnlessConfigured() throws Exception {
        try (BaseWriter w = provider.create(destination("duckdb:data/trades.duckdb", Map.of()))) {
            w.open();
            Properties same = new Properties();
            same.setProperty("threads", "1");
            try (Connection c = new DuckDBDriver().connect("jdbc:duckdb:" + file(), same); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_setting('threads')")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void sameFileOpenInThisProcessWithOtherOptionsIsAClearPermanentFailure() throws Exception {
        try (BaseWriter first = provider.create(destination())) {
            first.open();
            BaseWriter second = provider.create(destination("duckdb:data/trades.duckdb", Map.of("memory_limit", "300MB")));
            WriteException e = catchThrowableOfType(WriteException.class, second::open);
            second.close();
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage()).contains("already open in this process");
        }
    }

    @Test
    void validateReportsEachProblemWithoutTouchingTheDisk() throws Exception {
        Files.createDirectories(dir.resolve("adir"));

        assertThat(provider.validate(destination("duckdb:", Map.of()))).singleElement().asString().contains("names no file");
        assertThat(provider.validate(destination("duckdb:adir", Map.of()))).singleElement().asString().contains("is a directory");
        assertThat(provider.validate(destination("duckdb::memory:", Map.of()))).singleElement().asString().contains("in-memory");
        assertThat(provider.validate(destination("duckdb:x.duckdb", Map.of("thread", "2", "threads", "zero", "memory_limit", "lots"))))
                .hasSize(3)
                .anySatisfy(p -> assertThat(p).contains("unknown option 'thread'").contains("threads, memory_limit"))
                .anySatisfy(p -> assertThat(p).contains("option threads").doesNotContain("zero"))
                .anySatisfy(p -> assertThat(p).contains("option memory_limit").doesNotContain("lots"));
        assertThat(provider.validate(destination("duckdb:x.duckdb", Map.of("threads", "2", "memory_limit", "1.5GB")))).isEmpty();
        assertThat(provider.validate(destination("md:x", Map.of()))).singleElement().asString().contains("scheme");
        assertThat(Files.exists(dir.resolve("x.duckdb"))).isFalse();
        assertThatThrownBy(() -> provider.create(destination("duckdb:", Map.of()))).isInstanceOf(WriteException.class)
                .hasMessageContaining("names no file");
    }

    @Test
    void physicalTargetIsTheAbsoluteNormalizedPath() throws Exception {
        String viaDots = provider.physicalTarget(destination("duckdb:data/../data/./trades.duckdb", Map.of()));
        String absolute = provider.physicalTarget(destination("duckdb:" + dir.resolve("data/trades.duckdb"), Map.of()));

        assertThat(viaDots).isEqualTo(absolute).isEqualTo(dir.toAbsolutePath().normalize().resolve("data/trades.duckdb").toString());
        assertThat(provider.options()).extracting(o -> o.name()).containsExactly("threads", "memory_limit");
    }

    @Test
    void failuresAreClassifiedFromDuckDbMessages() {
        assertThat(DuckDbFailure.isTransient("IO Error: Could not write file \"x.wal\": No space left on device")).isTrue();
        assertThat(DuckDbFailure.isTransient("TransactionContext Error: Catalog write-write conflict on create with \"t\"")).isTrue();
        assertThat(DuckDbFailure.isTransient("Out of Memory Error: could not allocate block")).isTrue();
        assertThat(DuckDbFailure.isTransient("IO Error: Could not set lock on file \"x\": Conflicting lock is held in java (PID 7)")).isFalse();
        assertThat(DuckDbFailure.isTransient("IO Error: Cannot open file \"x\": Permission denied")).isFalse();
        assertThat(DuckDbFailure.isTransient("Constraint Error: Duplicate key \"id: 1\" violates primary key constraint")).isFalse();
        assertThat(DuckDbFailure.isTransient("Conversion Error: Could not convert string 'abc' to INT32")).isFalse();
        assertThat(DuckDbFailure.isTransient("Catalog Error: Table with name nosuch does not exist!")).isFalse();
    }

    @Test
    void writingBeforeOpenIsAProgrammingError() throws Exception {
        try (BaseWriter w = provider.create(destination())) {
            assertThatThrownBy(() -> w.write(trades(1, 0, 1, 1))).isInstanceOf(IllegalStateException.class);
        }
    }
}
