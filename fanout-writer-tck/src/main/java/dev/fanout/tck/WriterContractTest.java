package dev.fanout.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriteOutcome;
import dev.fanout.api.WriterProvider;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every fanout writer promises, as a JUnit 5 suite a plugin inherits. A writer's test
 * extends this class and says how to make a fresh destination and how to read a table back:
 *
 * <pre>{@code
 * class MyWriterContractTest extends WriterContractTest {
 *     protected WriterProvider provider() { return new MyWriterProvider(); }
 *     protected Destination destination(Path dir) { return Destination.of("t", "my:" + dir.resolve("db"), dir); }
 *     protected List<Map<String, Object>> readTable(Destination d, String table) throws Exception { ... }
 * }
 * }</pre>
 *
 * <p>What is checked: upserts insert then update; replays change nothing; a writer that counts
 * ({@link BaseWriter#writeCounted}) reports fresh keys applied, replays, older versions (unless
 * {@link #countsStaleRowsAsSkipped()} says the engine drops them later) and rows superseded within
 * a batch skipped; an older version never
 * overwrites a newer one, across batches and across packets of one batch; duplicates within a
 * batch resolve to the highest version, ties to the later row; every logical type round-trips with
 * nulls; composite keys; new columns and int32 → int64 → float64 widening; incompatible changes fail
 * permanently naming table and column; a transient outage of the target ({@link #interruptTarget()})
 * fails a write retryably and the same batch lands when retried on the same writer (error
 * classification: retryable vs permanent); an {@code open} that failed retryably
 * ({@link #interruptTargetBeforeOpen()}) succeeds when called again on the same writer and leaves
 * nothing behind; identifiers needing quotes are safe; names that differ
 * only by case ({@code Trades}/{@code trades}, {@code Price}/{@code price}) are two tables and two
 * columns, intact, where the provider declares {@link IdentifierComparison#EXACT}, and otherwise the
 * second is refused permanently naming both, the first left intact — so a wrong declaration fails
 * either way; {@code close()} is
 * idempotent; the provider is found by {@link ServiceLoader} and validates its test destination; a
 * writer has a {@link BaseWriter#reader() reader} exactly when its provider declares
 * {@link Capability#READ}, and then its test must extend {@link ReaderContractTest}, which adds the
 * read side.
 *
 * <p>Each test writes through a new writer per {@link #write} call (open, write, close), so state
 * that a writer caches must also be right when it starts against an existing table.
 */
public abstract class WriterContractTest {

    /** The name of the version column every writer stores. */
    protected static final String VERSION = "_fanout_version";

    /** A directory of this test's own; {@link #destination(Path)} may put its target here. */
    @TempDir
    protected Path tempDir;

    /** The destination of the running test, from {@link #destination(Path)}. */
    protected Destination destination;

    /** The provider under test. */
    protected abstract WriterProvider provider();

    /**
     * A destination whose target is fresh and empty; called once per test for {@link #destination}, and
     * again by tests that need a second, independent target (with another directory), so each call
     * must give a target of its own.
     */
    protected abstract Destination destination(Path tempDir);

    /**
     * Every row of {@code table} at {@code destination} (the test's or a second one), in any order, as column name → value,
     * including {@value #VERSION}. Values have the Java class of their column's
     * {@link LogicalType#javaClass()} (timestamps as UTC {@link Instant}), nulls as null. Called
     * only between writers, never while one is open.
     */
    protected abstract List<Map<String, Object>> readTable(Destination destination, String table) throws Exception;

    /**
     * Makes {@link #destination}'s target fail for a while in a way a retry cures — a server
     * stopped, a lock held elsewhere, a database invalidated — while a writer has it open and has
     * written to it. Returns what ends the condition; the kit closes that before it retries. The
     * writer's next write must fail with a {@link WriteException#retryable() retryable} exception, and
     * writing the same batch again on the same writer must then succeed.
     */
    protected abstract AutoCloseable interruptTarget() throws Exception;

    /**
     * Makes {@link #destination}'s target fail for a while in a way a retry cures before any writer
     * has opened it: the writer's {@link BaseWriter#open() open()}, or its first write when its open
     * connects lazily, must fail with a {@link WriteException#retryable() retryable} exception. Returns
     * what ends the condition. The default is {@link #interruptTarget()}, right for outages that need no
     * open writer (a server stopped, a lock taken by another connection); a writer whose
     * {@code interruptTarget} works on the state of its open writer (DuckDB invalidating the instance it
     * has open) overrides this one, e.g. with the file held by another process.
     */
    protected AutoCloseable interruptTargetBeforeOpen() throws Exception {
        return interruptTarget();
    }

    /**
     * Whether the writer tells at write time that a row is not newer than the stored one (a stale
     * version, or a replay of the stored row) and counts it as skipped in
     * {@link BaseWriter#writeCounted}. True by default; an engine that settles versions later
     * (ClickHouse's ReplacingMergeTree, at merge or {@code FINAL}) answers false, and then counts such
     * rows as applied — rows superseded within a batch are skipped either way.
     */
    protected boolean countsStaleRowsAsSkipped() {
        return true;
    }

    @BeforeEach
    void freshDestination() {
        destination = destination(tempDir);
    }

    // ---- the contract -------------------------------------------------------------------------

    private static final Schema TRADES = Schema.of(List.of(
            Column.of("id", LogicalType.INT64), Column.of("symbol", LogicalType.STRING), Column.of("price", LogicalType.FLOAT64)),
            List.of("id"));

    @Test
    void upsertInsertsThenUpdates() throws Exception {
        write(batch(packet("trades", TRADES, 1, r(1L, "AAPL", 10.0), r(2L, "MSFT", 20.0))));
        write(batch(packet("trades", TRADES, 2, r(1L, "AAPL", 11.5))));

        Map<Object, Map<String, Object>> rows = byKey(read("trades"), "id");
        assertThat(rows).hasSize(2);
        assertRow(rows.get(1L), row("id", 1L, "symbol", "AAPL", "price", 11.5, VERSION, 2L));
        assertRow(rows.get(2L), row("id", 2L, "symbol", "MSFT", "price", 20.0, VERSION, 1L));
    }

    @Test
    void replayingABatchChangesNothing() throws Exception {
        WriteBatch first = batch(packet("trades", TRADES, 5, r(1L, "AAPL", 10.0), r(2L, "MSFT", 20.0)));
        WriteBatch second = batch(packet("trades", TRADES, 6, r(2L, "MSFT", 21.0), r(3L, "IBM", 30.0)));
        write(first, second);
        List<Map<String, Object>> before = comparable(read("trades"));

        write(first, second, first);
        write(second);

        assertThat(comparable(read("trades"))).containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void aWriterThatCountsReportsFreshKeysAppliedAndReplaysOlderVersionsAndSupersededRowsSkipped() throws Exception {
        WriteBatch fresh = batch(packet("trades", TRADES, 5, r(1L, "AAPL", 10.0), r(2L, "MSFT", 20.0)));
        WriteOutcome first = writeCounted(fresh);
        assertThat(first.received()).as("rows received").isEqualTo(2);
        Assumptions.assumeTrue(first.reported(), "the writer does not count applied rows (writeCounted's default)");
        assertCounts(first, 2, 0, "fresh keys");

        long stale = countsStaleRowsAsSkipped() ? 0 : 2;
        assertCounts(writeCounted(fresh), stale, 2 - stale, "a replay of the stored rows");
        assertCounts(writeCounted(batch(packet("trades", TRADES, 3, r(1L, "OLD", 1.0), r(2L, "OLD", 2.0)))), stale, 2 - stale,
                "older versions");
        assertCounts(writeCounted(batch(packet("trades", TRADES, 7, r(1L, "NEWER", 11.0)),
                        packet("trades", TRADES, 6, r(1L, "SUPERSEDED", 12.0), r(3L, "IBM", 30.0)))), 2, 1,
                "a newer version, a row superseded within the batch and a fresh key");
        assertCounts(writeCounted(batch(packet("trades", TRADES, 7, r(1L, "SAME VERSION, OTHER VALUES", 11.0)))), 1, 0,
                "a row of the stored version with other values (ties go to the later row)");

        Map<Object, Map<String, Object>> rows = byKey(read("trades"), "id");
        assertRow(rows.get(1L), row("symbol", "SAME VERSION, OTHER VALUES", VERSION, 7L));
        assertRow(rows.get(2L), row("symbol", "MSFT", VERSION, 5L));
        assertRow(rows.get(3L), row("symbol", "IBM", VERSION, 6L));
    }

    private static void assertCounts(WriteOutcome outcome, long applied, long skipped, String what) {
        assertThat(outcome.applied()).as("rows applied of " + what).hasValue(applied);
        assertThat(outcome.skipped()).as("rows skipped of " + what).hasValue(skipped);
        assertThat(outcome.received()).as("rows received of " + what).isEqualTo(applied + skipped);
    }

    @Test
    void olderVersionDoesNotOverwriteNewerAcrossBatches() throws Exception {
        write(batch(packet("trades", TRADES, 10, r(1L, "NEW", 2.0))));
        write(batch(packet("trades", TRADES, 5, r(1L, "OLD", 1.0), r(2L, "ONLY", 3.0))));

        Map<Object, Map<String, Object>> rows = byKey(read("trades"), "id");
        assertRow(rows.get(1L), row("symbol", "NEW", "price", 2.0, VERSION, 10L));
        assertRow(rows.get(2L), row("symbol", "ONLY", VERSION, 5L));
    }

    @Test
    void olderVersionDoesNotOverwriteNewerAcrossPacketsOfOneBatch() throws Exception {
        write(batch(packet("trades", TRADES, 10, r(1L, "NEW", 2.0)), packet("trades", TRADES, 5, r(1L, "OLD", 1.0))));

        assertThat(read("trades")).hasSize(1);
        assertRow(read("trades").get(0), row("id", 1L, "symbol", "NEW", VERSION, 10L));
    }

    @Test
    void duplicatesWithinABatchKeepTheHighestVersionColumnValueAndTiesTheLaterRow() throws Exception {
        Schema versioned = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("v", LogicalType.STRING),
                Column.of("seq", LogicalType.INT64)), List.of("id"), "seq");

        write(batch(packet("events", versioned, 1,
                r(1L, "a", 3L), r(1L, "b", 7L), r(1L, "c", 5L), r(2L, "x", 4L), r(2L, "y", 4L))));

        Map<Object, Map<String, Object>> rows = byKey(read("events"), "id");
        assertThat(rows).hasSize(2);
        assertRow(rows.get(1L), row("v", "b", "seq", 7L, VERSION, 7L));
        assertRow(rows.get(2L), row("v", "y", "seq", 4L, VERSION, 4L));
    }

    @Test
    void duplicatesWithinABatchWithoutVersionColumnKeepTheLaterRowOfEqualVersions() throws Exception {
        write(batch(
                packet("trades", TRADES, 4, r(1L, "first", 1.0), r(1L, "second", 2.0), r(2L, "x", 1.0)),
                packet("trades", TRADES, 4, r(2L, "y", 2.0)),
                packet("trades", TRADES, 3, r(2L, "older", 3.0))));

        Map<Object, Map<String, Object>> rows = byKey(read("trades"), "id");
        assertRow(rows.get(1L), row("symbol", "second", VERSION, 4L));
        assertRow(rows.get(2L), row("symbol", "y", VERSION, 4L));
    }

    /** A column of every logical type, keyed by int32 {@code id}. */
    protected static final Schema EVERY_TYPE = Schema.of(List.of(
            Column.of("id", LogicalType.INT32), Column.of("b", LogicalType.BOOLEAN), Column.of("i32", LogicalType.INT32),
            Column.of("i64", LogicalType.INT64), Column.of("f64", LogicalType.FLOAT64), Column.of("dec", LogicalType.decimal(18, 4)),
            Column.of("big", LogicalType.decimal(38, 10)), Column.of("s", LogicalType.STRING), Column.of("d", LogicalType.DATE),
            Column.of("ts", LogicalType.TIMESTAMP), Column.of("raw", LogicalType.BYTES), Column.of("doc", LogicalType.JSON)),
            List.of("id"));

    @Test
    void everyLogicalTypeRoundTripsWithNulls() throws Exception {
        Schema all = EVERY_TYPE;
        Map<String, Object> full = row("id", 1, "b", true, "i32", Integer.MIN_VALUE, "i64", Long.MAX_VALUE, "f64", -1.0e-300,
                "dec", new BigDecimal("-12345678901234.5678"), "big", new BigDecimal("1234567890123456789012345678.0123456789"),
                "s", "héllo \"wörld\" 世界 🦆 'x'\n\ttab", "d", LocalDate.of(1969, 12, 31),
                "ts", Instant.parse("2024-02-29T23:59:59.123456Z"), "raw", new byte[] {0, -1, 127, -128, 10},
                "doc", "{\"a\":[1,2.5,{\"b\":null}],\"c\":\"ü\"}");
        Map<String, Object> scaled = row("id", 2, "b", false, "i32", 0, "i64", -1L, "f64", 0.5, "dec", new BigDecimal("1.5"),
                "big", new BigDecimal("-0.0000000001"), "s", "", "d", LocalDate.of(2262, 4, 11),
                "ts", Instant.parse("1969-07-20T20:17:40.000001Z"), "raw", new byte[0], "doc", "[]");
        Map<String, Object> nulls = new LinkedHashMap<>();
        for (Column c : all.columns()) {
            nulls.put(c.name(), c.name().equals("id") ? 3 : null);
        }

        write(batch(packet("typed", all, 1, values(all, full), values(all, scaled), values(all, nulls))));

        Map<Object, Map<String, Object>> rows = byKey(read("typed"), "id");
        assertThat(rows).hasSize(3);
        for (Map<String, Object> expected : List.of(full, scaled, nulls)) {
            Map<String, Object> actual = rows.get(expected.get("id"));
            assertRow(actual, expected);
            assertJavaClasses(actual, all);
        }
    }

    @Test
    void compositePrimaryKeysUpsertPerCombination() throws Exception {
        Schema quotes = Schema.of(List.of(Column.of("venue", LogicalType.STRING), Column.of("id", LogicalType.INT64),
                Column.of("px", LogicalType.FLOAT64)), List.of("venue", "id"));

        write(batch(packet("quotes", quotes, 1, r("A", 1L, 1.0), r("B", 1L, 2.0), r("A", 2L, 3.0))));
        write(batch(packet("quotes", quotes, 2, r("B", 1L, 9.0))));

        Map<Object, Map<String, Object>> rows = byKey(read("quotes"), "venue", "id");
        assertThat(rows).hasSize(3);
        assertRow(rows.get(List.of("A", 1L)), row("px", 1.0, VERSION, 1L));
        assertRow(rows.get(List.of("B", 1L)), row("px", 9.0, VERSION, 2L));
        assertRow(rows.get(List.of("A", 2L)), row("px", 3.0, VERSION, 1L));
    }

    @Test
    void newColumnIsAddedAsNullableAndOlderRowsReadNull() throws Exception {
        Schema v1 = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("a", LogicalType.STRING)), List.of("id"));
        Schema v2 = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("a", LogicalType.STRING),
                Column.of("b", LogicalType.INT32)), List.of("id"));

        write(batch(packet("evolving", v1, 1, r(1L, "one"))));
        write(batch(packet("evolving", v2, 2, r(2L, "two", 22))));

        Map<Object, Map<String, Object>> rows = byKey(read("evolving"), "id");
        assertRow(rows.get(1L), row("a", "one", "b", null));
        assertRow(rows.get(2L), row("a", "two", "b", 22));
    }

    @Test
    void aWinningRowReplacesTheStoredRowWholeSoArrivalOrderDoesNotMatter() throws Exception {
        Schema wide = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("a", LogicalType.STRING),
                Column.of("b", LogicalType.STRING)), List.of("id"));
        Schema narrow = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("b", LogicalType.STRING)), List.of("id"));

        write(batch(packet("partial", wide, 1, r(1L, "a1", "b1"))));
        write(batch(packet("partial", narrow, 2, r(1L, "b1-new"), r(2L, "b2"))));
        write(batch(packet("partial_reversed", narrow, 2, r(1L, "b1-new"), r(2L, "b2"))));
        write(batch(packet("partial_reversed", wide, 1, r(1L, "a1", "b1"))));

        Map<Object, Map<String, Object>> rows = byKey(read("partial"), "id");
        assertRow(rows.get(1L), row("a", null, "b", "b1-new", VERSION, 2L));
        assertRow(rows.get(2L), row("a", null, "b", "b2", VERSION, 2L));
        assertThat(byKey(read("partial_reversed"), "id")).isEqualTo(rows);
    }

    @Test
    void integersWidenFromInt32ToInt64ToFloat64KeepingValues() throws Exception {
        write(batch(packet("widening", numberSchema(LogicalType.INT32), 1, r(1L, 7))));
        write(batch(packet("widening", numberSchema(LogicalType.INT64), 1, r(2L, 5_000_000_000L))));
        Map<Object, Map<String, Object>> asLongs = byKey(read("widening"), "id");
        assertRow(asLongs.get(1L), row("n", 7L));
        assertRow(asLongs.get(2L), row("n", 5_000_000_000L));

        write(batch(packet("widening", numberSchema(LogicalType.FLOAT64), 1, r(3L, 2.5))));
        write(batch(packet("widening", numberSchema(LogicalType.INT32), 1, r(4L, 3))));

        Map<Object, Map<String, Object>> rows = byKey(read("widening"), "id");
        assertThat(rows).hasSize(4);
        assertRow(rows.get(1L), row("n", 7.0));
        assertRow(rows.get(2L), row("n", 5.0e9));
        assertRow(rows.get(3L), row("n", 2.5));
        assertRow(rows.get(4L), row("n", 3.0));
    }

    @Test
    void incompatibleTypeChangeFailsPermanentlyNamingTableAndColumn() throws Exception {
        Schema numeric = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("price", LogicalType.INT64)), List.of("id"));
        Schema text = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("price", LogicalType.STRING)), List.of("id"));
        write(batch(packet("trades", numeric, 1, r(1L, 100L))));

        WriteException e = writeExpectingFailure(batch(packet("trades", text, 2, r(1L, "abc"))));

        assertThat(e.retryable()).as("retryable").isFalse();
        assertThat(e.getMessage()).contains("trades").contains("price");
        assertThat(e.table()).contains("trades");
        assertThat(e.column()).contains("price");
        assertRow(byKey(read("trades"), "id").get(1L), row("price", 100L, VERSION, 1L));
    }

    @Test
    void aTransientOutageFailsRetryablyAndTheRetriedBatchLandsOnTheSameWriter() throws Exception {
        WriteBatch during = batch(packet("trades", TRADES, 2, r(1L, "after", 2.0), r(2L, "new", 3.0)));
        try (BaseWriter writer = provider().create(destination)) {
            writer.open();
            writer.write(batch(packet("trades", TRADES, 1, r(1L, "before", 1.0))));
            WriteException e;
            try (AutoCloseable outage = interruptTarget()) {
                e = catchThrowableOfType(WriteException.class, () -> writer.write(during));
            }
            assertThat(e).as("a write while the target is interrupted fails with a WriteException").isNotNull();
            assertThat(e.retryable()).as("retryable: " + e.getMessage()).isTrue();
            writer.write(during);
        }

        Map<Object, Map<String, Object>> rows = byKey(read("trades"), "id");
        assertThat(rows).hasSize(2);
        assertRow(rows.get(1L), row("symbol", "after", VERSION, 2L));
        assertRow(rows.get(2L), row("symbol", "new", VERSION, 2L));
    }

    /**
     * {@link BaseWriter}'s lifecycle: {@code open} may be called again after it threw, and a failed
     * open leaves nothing behind. The target is interrupted before the first open; once the outage
     * ends, another writer can take the target (nothing held by the failed open), the same writer
     * opens (when its open was what failed) and lands the batch, and after its {@code close} a third
     * writer opens the target and writes (nothing held by the closed one).
     */
    @Test
    void aFailedOpenIsRetriedOnTheSameWriterAndLeavesNothingBehind() throws Exception {
        WriteBatch first = batch(packet("trades", TRADES, 1, r(1L, "first", 1.0)));
        BaseWriter writer = provider().create(destination);
        WriteException openFailure;
        try {
            WriteException writeFailure = null;
            try (AutoCloseable outage = interruptTargetBeforeOpen()) {
                openFailure = catchThrowableOfType(WriteException.class, writer::open);
                if (openFailure == null) {
                    writeFailure = catchThrowableOfType(WriteException.class, () -> writer.write(first));
                }
            }
            WriteException e = openFailure != null ? openFailure : writeFailure;
            assertThat(e).as("open(), or the first write after an open that returned, fails with a WriteException while the target "
                    + "is interrupted").isNotNull();
            assertThat(e.retryable()).as("retryable: " + e.getMessage()).isTrue();

            if (openFailure != null) {
                write(batch(packet("trades", TRADES, 1, r(2L, "between", 2.0))));
                writer.open();
            }
            writer.write(first);
        } finally {
            writer.close();
        }
        write(batch(packet("trades", TRADES, 1, r(3L, "after", 3.0))));

        Map<Object, Map<String, Object>> rows = byKey(read("trades"), "id");
        assertRow(rows.get(1L), row("symbol", "first", VERSION, 1L));
        assertRow(rows.get(3L), row("symbol", "after", VERSION, 1L));
        assertThat(rows).containsOnlyKeys(openFailure != null ? List.of(1L, 2L, 3L) : List.of(1L, 3L));
    }

    @Test
    void primaryKeyChangeFailsPermanentlyNamingTheTable() throws Exception {
        Schema byId = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("venue", LogicalType.STRING)), List.of("id"));
        Schema byIdAndVenue = Schema.of(byId.columns(), List.of("id", "venue"));
        write(batch(packet("keyed", byId, 1, r(1L, "A"))));

        WriteException e = writeExpectingFailure(batch(packet("keyed", byIdAndVenue, 2, r(1L, "B"))));

        assertThat(e.retryable()).as("retryable").isFalse();
        assertThat(e.getMessage()).contains("keyed");
        assertThat(read("keyed")).hasSize(1);
    }

    @Test
    void identifiersThatNeedQuotingAreStoredVerbatimAndExecuteNothing() throws Exception {
        write(batch(packet("victim", TRADES, 1, r(1L, "safe", 1.0))));
        String table = "weird \"name\"; drop table victim; --";
        Schema odd = Schema.of(List.of(Column.of("the key", LogicalType.INT64), Column.of("it's \"quoted\"", LogicalType.STRING),
                Column.of("ünïcødé 列", LogicalType.INT32), Column.of("select", LogicalType.STRING)), List.of("the key"));

        write(batch(packet(table, odd, 1, r(1L, "a", 1, "x"), r(2L, "b", 2, "y"))));
        write(batch(packet(table, odd, 2, r(1L, "a2", 10, "x2"))));

        Map<Object, Map<String, Object>> rows = byKey(read(table), "the key");
        assertThat(rows).hasSize(2);
        assertRow(rows.get(1L), row("it's \"quoted\"", "a2", "ünïcødé 列", 10, "select", "x2", VERSION, 2L));
        assertRow(rows.get(2L), row("it's \"quoted\"", "b", "ünïcødé 列", 2, "select", "y"));
        assertThat(read("victim")).hasSize(1);
    }

    // ---- names that differ only by case (WriterProvider.identifierComparison) ------------------

    /** Whether the provider declares that its engine tells {@code Trades} and {@code trades} apart. */
    private boolean exactNames() {
        IdentifierComparison declared = provider().identifierComparison();
        assertThat(declared).as("identifierComparison() of " + provider().getClass().getName()).isNotNull();
        return declared == IdentifierComparison.EXACT;
    }

    /** What a failed case check says about the declaration. */
    private String declared(String first, String second) {
        return provider().getClass().getSimpleName() + ".identifierComparison() is " + provider().identifierComparison()
                + (exactNames() ? ", so '" + first + "' and '" + second + "' must be stored apart, intact; if the engine takes them"
                        + " for one name, declare CASE_INSENSITIVE"
                        : " (CASE_INSENSITIVE is the default), so writing '" + second + "' after '" + first + "' must fail permanently"
                        + " naming both; if the engine tells them apart, declare IdentifierComparison.EXACT");
    }

    /** A refusal of a name that differs only by case from a stored one: permanent, naming both. */
    private void assertRefusedNamingBoth(WriteException e, String first, String second) {
        assertThat(e).as(declared(first, second)).isNotNull();
        assertThat(e.retryable()).as("retryable: " + e.getMessage()).isFalse();
        assertThat(e.getMessage()).as("the refusal names both names").contains(first).contains(second);
    }

    /** Writes {@code batch} on a new writer, returning its failure, or null when it was written. */
    private WriteException failureOf(WriteBatch batch) {
        return catchThrowableOfType(WriteException.class, () -> write(batch));
    }

    @Test
    void tablesDifferingOnlyByCaseAreTwoTablesWhereNamesAreExactElseTheSecondIsRefusedNamingBoth() throws Exception {
        write(batch(packet("Trades", TRADES, 5, r(1L, "first", 1.0), r(2L, "first", 2.0))));
        WriteBatch second = batch(packet("trades", TRADES, 9, r(1L, "second", 10.0)));

        if (exactNames()) {
            assertThat(failureOf(second)).as(declared("Trades", "trades")).isNull();
            assertRow(byKey(read("trades"), "id").get(1L), row("symbol", "second", "price", 10.0, VERSION, 9L));
            assertThat(read("trades")).as("table trades; " + declared("Trades", "trades")).hasSize(1);
        } else {
            assertRefusedNamingBoth(failureOf(second), "Trades", "trades");
        }
        Map<Object, Map<String, Object>> first = byKey(read("Trades"), "id");
        assertThat(first).as("table Trades, intact; " + declared("Trades", "trades")).hasSize(2);
        assertRow(first.get(1L), row("symbol", "first", "price", 1.0, VERSION, 5L));
        assertRow(first.get(2L), row("symbol", "first", "price", 2.0, VERSION, 5L));
    }

    @Test
    void aTableDifferingOnlyByCaseFromOneThisWriterWroteIsTreatedAlikeOnTheSameWriter() throws Exception {
        WriteBatch second = batch(packet("TRADES", TRADES, 9, r(1L, "second", 10.0)));
        try (BaseWriter writer = provider().create(destination)) {
            writer.open();
            writer.write(batch(packet("trades", TRADES, 5, r(1L, "first", 1.0))));
            if (exactNames()) {
                writer.write(second);
            } else {
                assertRefusedNamingBoth(catchThrowableOfType(WriteException.class, () -> writer.write(second)), "trades", "TRADES");
            }
        }
        assertRow(byKey(read("trades"), "id").get(1L), row("symbol", "first", VERSION, 5L));
        if (exactNames()) {
            assertRow(byKey(read("TRADES"), "id").get(1L), row("symbol", "second", VERSION, 9L));
        }
    }

    @Test
    void columnsDifferingOnlyByCaseAreTwoColumnsWhereNamesAreExactElseTheSecondIsRefusedNamingBoth() throws Exception {
        Schema upper = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("Price", LogicalType.FLOAT64)), List.of("id"));
        Schema lower = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("price", LogicalType.FLOAT64)), List.of("id"));
        write(batch(packet("prices", upper, 1, r(1L, 1.0))));
        WriteBatch second = batch(packet("prices", lower, 2, r(1L, 10.0), r(2L, 20.0)));

        Map<Object, Map<String, Object>> rows;
        if (exactNames()) {
            assertThat(failureOf(second)).as(declared("Price", "price")).isNull();
            rows = byKey(read("prices"), "id");
            assertThat(rows).hasSize(2);
            assertRow(rows.get(1L), row("Price", null, "price", 10.0, VERSION, 2L));
            assertRow(rows.get(2L), row("Price", null, "price", 20.0, VERSION, 2L));
        } else {
            assertRefusedNamingBoth(failureOf(second), "Price", "price");
            rows = byKey(read("prices"), "id");
            assertThat(rows).hasSize(1);
            assertThat(rows.get(1L)).containsOnlyKeys("id", "Price", VERSION);
            assertRow(rows.get(1L), row("Price", 1.0, VERSION, 1L));
        }
    }

    @Test
    void aSchemaWithTwoColumnsDifferingOnlyByCaseIsStoredWhereNamesAreExactElseRefusedNamingBoth() throws Exception {
        Schema one = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("Price", LogicalType.FLOAT64)), List.of("id"));
        Schema both = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("Price", LogicalType.FLOAT64),
                Column.of("price", LogicalType.FLOAT64)), List.of("id"));
        WriteBatch twoColumns = batch(packet("quotes", both, 2, r(1L, 1.5, 2.5)));

        if (exactNames()) {
            assertThat(failureOf(twoColumns)).as(declared("Price", "price")).isNull();
            assertRow(byKey(read("quotes"), "id").get(1L), row("Price", 1.5, "price", 2.5, VERSION, 2L));
            return;
        }
        assertRefusedNamingBoth(failureOf(twoColumns), "Price", "price");
        write(batch(packet("quotes", one, 1, r(1L, 1.0))));
        assertRefusedNamingBoth(failureOf(twoColumns), "Price", "price");
        Map<Object, Map<String, Object>> rows = byKey(read("quotes"), "id");
        assertThat(rows).hasSize(1);
        assertRow(rows.get(1L), row("Price", 1.0, VERSION, 1L));
    }

    @Test
    void stateWrittenByOneWriterIsRespectedByTheNext() throws Exception {
        write(batch(packet("trades", TRADES, 10, r(1L, "v10", 1.0))));

        write(batch(packet("trades", TRADES, 9, r(1L, "v9", 9.0))), batch(packet("trades", TRADES, 11, r(2L, "v11", 2.0))));

        Map<Object, Map<String, Object>> rows = byKey(read("trades"), "id");
        assertRow(rows.get(1L), row("symbol", "v10", VERSION, 10L));
        assertRow(rows.get(2L), row("symbol", "v11", VERSION, 11L));
    }

    @Test
    void closeTwiceIsHarmlessAlsoWithoutOpen() throws Exception {
        BaseWriter unopened = provider().create(destination);
        assertThatCode(() -> {
            unopened.close();
            unopened.close();
        }).doesNotThrowAnyException();

        BaseWriter used = provider().create(destination);
        used.open();
        used.write(batch(packet("trades", TRADES, 1, r(1L, "x", 1.0))));
        used.close();
        assertThatCode(used::close).doesNotThrowAnyException();
        assertThat(read("trades")).hasSize(1);
    }

    @Test
    void providerIsFoundByServiceLoaderUnderItsLowercaseScheme() {
        WriterProvider provider = provider();
        List<Class<?>> found = new ArrayList<>();
        for (WriterProvider p : ServiceLoader.load(WriterProvider.class)) {
            found.add(p.getClass());
        }

        assertThat(found).contains(provider.getClass());
        assertThat(provider.scheme()).isNotBlank().isEqualTo(provider.scheme().toLowerCase(Locale.ROOT));
        assertThat(destination.scheme()).isEqualTo(provider.scheme());
    }

    @Test
    void declaredCapabilitiesAreWhatTheWriterDoesAndReadersRunTheReaderContract() throws Exception {
        boolean reads = provider().capabilities().contains(Capability.READ);
        try (BaseWriter writer = provider().create(destination)) {
            writer.open();
            assertThat(writer.reader()).as("reader() of a writer whose provider " + (reads ? "declares" : "does not declare") + " READ")
                    .matches(r -> r.isPresent() == reads);
        }
        if (reads) {
            assertThat(this).as("a writer declaring READ runs the reader contract: extend " + ReaderContractTest.class.getName()
                    + " instead of " + WriterContractTest.class.getSimpleName()).isInstanceOf(ReaderContractTest.class);
        }
    }

    @Test
    void validateFindsNothingWrongWithTheTestDestination() {
        assertThat(provider().validate(destination)).isEmpty();
        assertThat(provider().physicalTarget(destination)).isNotBlank().isEqualTo(provider().physicalTarget(destination));
    }

    /**
     * {@link BaseWriter#targetIdentity()} names the thing, not the writer: once opened, two writers of
     * one destination tell the same identity (or both none), asked twice it does not change, and it
     * never holds the destination's secrets.
     */
    @Test
    void targetIdentityIsTheSameForEveryWriterOfOneDestination() throws Exception {
        try (BaseWriter first = provider().create(destination)) {
            first.targetIdentity();
            first.open();
            Optional<String> identity = first.targetIdentity();
            assertThat(first.targetIdentity()).isEqualTo(identity);
            try (BaseWriter second = provider().create(destination)) {
                Optional<String> before = second.targetIdentity();
                if (before.isPresent()) {
                    assertThat(identity).as("told before open, and again after the first writer opened").contains(before.get());
                }
            }
            identity.ifPresent(id -> {
                assertThat(id).isNotBlank();
                for (String secret : destination.uriSecrets()) {
                    assertThat(id).doesNotContain(secret);
                }
                destination.options().forEach((key, value) -> {
                    if (destination.isSensitive(key) && value != null && !value.isEmpty()) {
                        assertThat(id).doesNotContain(value);
                    }
                });
            });
        }
    }

    // ---- helpers a subclass may use in its own tests ------------------------------------------

    /** Opens a new writer on {@link #destination}, writes {@code batches} in order, closes it. */
    protected final void write(WriteBatch... batches) throws WriteException {
        try (BaseWriter writer = provider().create(destination)) {
            writer.open();
            for (WriteBatch b : batches) {
                writer.write(b);
            }
        }
    }

    /** Opens a new writer on {@link #destination}, writes {@code batch} counting, closes it; what the writer reported. */
    protected final WriteOutcome writeCounted(WriteBatch batch) throws WriteException {
        try (BaseWriter writer = provider().create(destination)) {
            writer.open();
            return writer.writeCounted(batch);
        }
    }

    /** Writes {@code batch} expecting a {@link WriteException}, which it returns. */
    protected final WriteException writeExpectingFailure(WriteBatch batch) {
        WriteException e = catchThrowableOfType(WriteException.class, () -> write(batch));
        assertThat(e).as("expected a WriteException").isNotNull();
        return e;
    }

    /** Every row of {@code table} at {@link #destination}. */
    protected final List<Map<String, Object>> read(String table) throws Exception {
        return readTable(destination, table);
    }

    /** A packet of {@code table} with packet version {@code version}. */
    protected static FramePacket packet(String table, Schema schema, long version, Object[]... rows) {
        FramePacket.Builder b = FramePacket.builder(table, schema).version(version);
        for (Object[] row : rows) {
            b.addRow(row);
        }
        return b.build();
    }

    /** One batch of {@code packets}, which share table and schema. */
    protected static WriteBatch batch(FramePacket... packets) {
        return new WriteBatch(packets[0].table(), packets[0].schema(), List.of(packets));
    }

    /** A row's values. */
    protected static Object[] r(Object... values) {
        return values;
    }

    /** Alternating column names and values; values may be null. */
    protected static Map<String, Object> row(Object... namesAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return m;
    }

    /** Rows indexed by the value of {@code keyColumns} (a list of values for several). */
    protected static Map<Object, Map<String, Object>> byKey(List<Map<String, Object>> rows, String... keyColumns) {
        Map<Object, Map<String, Object>> out = new LinkedHashMap<>();
        for (Map<String, Object> row : rows) {
            Object key = keyColumns.length == 1 ? row.get(keyColumns[0])
                    : Arrays.stream(keyColumns).map(row::get).toList();
            assertThat(out.put(key, row)).as("two rows with key " + key).isNull();
        }
        return out;
    }

    /** Asserts that {@code actual} holds every entry of {@code expected}, decimals by value and bytes by content. */
    protected static void assertRow(Map<String, Object> actual, Map<String, Object> expected) {
        assertThat(actual).as("row expected to hold " + expected).isNotNull();
        for (Map.Entry<String, Object> e : expected.entrySet()) {
            assertThat(actual).as("columns of the row").containsKey(e.getKey());
            assertThat(comparable(actual.get(e.getKey()))).as("column " + e.getKey() + " of row " + actual)
                    .isEqualTo(comparable(e.getValue()));
        }
    }

    /** Every non-null value of {@code row} has the Java class of its column's logical type in {@code schema}. */
    protected static void assertJavaClasses(Map<String, Object> row, Schema schema) {
        for (Column c : schema.columns()) {
            if (row.get(c.name()) != null) {
                assertThat(row.get(c.name())).as("Java class of column " + c.name()).isInstanceOf(c.type().javaClass());
            }
        }
    }

    /** {@code row}'s values in {@code schema}'s column order. */
    protected static Object[] values(Schema schema, Map<String, Object> row) {
        return schema.columns().stream().map(c -> row.get(c.name())).toArray();
    }

    private static Schema numberSchema(LogicalType type) {
        return Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("n", type)), List.of("id"));
    }

    private static List<Map<String, Object>> comparable(List<Map<String, Object>> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            row.forEach((k, v) -> m.put(k, comparable(v)));
            out.add(m);
        }
        return out;
    }

    /** {@code value} in a form whose {@code equals} compares decimals by value and bytes by content. */
    protected static Object comparable(Object value) {
        if (value instanceof BigDecimal d) {
            return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
        }
        if (value instanceof byte[] b) {
            return "bytes " + HexFormat.of().formatHex(b);
        }
        return value;
    }
}
