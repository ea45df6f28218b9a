package dev.fanout.writer.duckdb;

import dev.fanout.duckdb.DuckDbMessages;
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
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Failures that used to escape classification: an invalidated database, a version that does not fit a long. */
@Timeout(60)
class DuckDbWriterFailureTest {

    private static final Schema TRADES = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("qty", LogicalType.INT32)),
            List.of("id"));

    /** DuckDB 2.0's words, as it said them on a full tmpfs. */
    private static final String INVALIDATED = "FATAL Error: Failed: database has been invalidated because of a previous fatal error. "
            + "The database must be restarted prior to being used again.";
    private static final String CHECKPOINT_DISK_FULL = "Failed to create checkpoint because of error: Could not write file "
            + "\"/tmp/full/x.duckdb\": No space left on device";
    private static final String COMMIT_DISK_FULL = "TransactionContext Error: Failed to commit: Could not write file "
            + "\"/tmp/full/x.duckdb.wal\": No space left on device";

    @TempDir
    Path dir;

    private final DuckDbWriterProvider provider = new DuckDbWriterProvider();

    private Destination destination() {
        return new Destination("trades_db", "duckdb:data/trades.duckdb", Map.of(), dir, Set.of());
    }

    private Path file() {
        return dir.resolve("data/trades.duckdb");
    }

    private static WriteBatch trades(long version, long... ids) {
        FramePacket.Builder b = FramePacket.builder("trades", TRADES).version(version);
        for (long id : ids) {
            b.addRow(id, (int) version);
        }
        return WriteBatch.of(b.build());
    }

    @Test
    void invalidatedDatabaseIsReopenedAndTheRetriedBatchLands() throws Exception {
        try (BaseWriter w = provider.create(destination())) {
            w.open();
            w.write(trades(1, 1, 2));
            DuckDbFaults.invalidate(file());

            WriteException e = catchThrowableOfType(WriteException.class, () -> w.write(trades(2, 2, 3)));

            assertThat(e.retryable()).isTrue();
            assertThat(e.table()).hasValue("trades");
            assertThat(e.getMessage()).contains("destination trades_db: table trades")
                    .contains("database has been invalidated")
                    .contains("closed DuckDB file " + file() + " and reopened it");
            w.write(trades(2, 2, 3));
            w.write(trades(3, 1));
        }
        assertThat(DuckDbTables.rows(file(), "trades")).extracting(r -> r.get("id") + ":" + r.get("qty"))
                .containsExactlyInAnyOrder("1:3", "2:2", "3:2");
    }

    @Test
    void invalidationIsToldFromDuckDbsWordings() {
        assertThat(DuckDbFailure.isInvalidated("FATAL Error: Failed to create checkpoint because of error: Checkpoint aborted")).isTrue();
        assertThat(DuckDbFailure.isInvalidated("FATAL Error: Failed: database has been invalidated because of a previous fatal error. "
                + "The database must be restarted prior to being used again.\nOriginal error: \"x\"")).isTrue();
        assertThat(DuckDbFailure.isInvalidated("Invalid Input Error: Database trades has been invalidated because checkpointing failed."))
                .isTrue();
        assertThat(DuckDbFailure.isInvalidated("IO Error: Checkpoint failed for database trades. The database has been invalidated."))
                .isTrue();
        assertThat(DuckDbFailure.isInvalidated("Constraint Error: Duplicate key \"id: 1\" violates primary key constraint")).isFalse();
        assertThat(DuckDbFailure.isInvalidated("IO Error: Could not write file \"x.wal\": No space left on device")).isFalse();
        assertThat(DuckDbFailure.isInvalidated(null)).isFalse();
        assertThat(DuckDbFailure.isTransient("FATAL Error: Failed: database has been invalidated because of a previous fatal error."))
                .isFalse();

        SQLException cause = new SQLException(INVALIDATED + "\nOriginal error: \"" + CHECKPOINT_DISK_FULL + "\"");
        WriteException reopened = DuckDbFailure.afterInvalidation("d", "t", "staging rows", "DuckDB file /x.duckdb", cause, null);
        WriteException notReopened = DuckDbFailure.afterInvalidation("d", "t", "staging rows", "DuckDB file /x.duckdb", cause, "IO Error: busy");
        assertThat(reopened.retryable()).isTrue();
        assertThat(reopened.getMessage()).contains("reopened it").contains("previous fatal error")
                .contains("Original error: \"Failed to create checkpoint").contains("No space left on device").doesNotContain("\n");
        assertThat(notReopened.retryable()).isTrue();
        assertThat(notReopened.getMessage()).contains("could not reopen it (IO Error: busy)").contains("the next write tries again");
    }

    @Test
    void aTargetsMaskAppliesToWriteReopenAndCloseMessagesAndDropsTheCauseOnlyWhenItChangedSomething() {
        DuckDbTarget masking = new DuckDbTarget() {
            @Override
            public String describe() {
                return "remote database r";
            }

            @Override
            public org.duckdb.DuckDBConnection connect(String destination) {
                throw new UnsupportedOperationException();
            }

            @Override
            public String mask(String message) {
                return message == null ? null : message.replace("s3cr3t", "****");
            }
        };
        SQLException echoing = new SQLException("Binder Error: no such thing 's3cr3t'");
        WriteException writing = DuckDbFailure.whileWriting("d", "t", "upserting rows", echoing, false, masking::mask);
        assertThat(writing.getMessage()).isEqualTo("destination d: table t: upserting rows failed: Binder Error: no such thing '****'");
        assertThat(writing.getCause()).isNull();
        SQLException inCause = new SQLException("Binder Error: plain", new RuntimeException("has s3cr3t"));
        assertThat(DuckDbFailure.whileWriting("d", "t", "upserting rows", inCause, false, masking::mask).getCause()).isNull();
        SQLException harmless = new SQLException("Binder Error: plain");
        assertThat(DuckDbFailure.whileWriting("d", "t", "upserting rows", harmless, false, masking::mask).getCause()).isSameAs(harmless);

        SQLException aftermath = new SQLException("TransactionContext Error: cannot commit - no transaction is active");
        assertThat(DuckDbFailure.whileWriting("d", "t", "upserting rows", aftermath,
                "TransactionContext Error: Failed to commit: Could not write file \"x.wal\": No space left on device s3cr3t", true, masking::mask)
                .getMessage())
                .as("an aftermath names the failure before it, masked")
                .isEqualTo("destination d: table t: upserting rows failed: TransactionContext Error: cannot commit - no transaction is active;"
                        + " the failure before it on this target: TransactionContext Error: Failed to commit: Could not write file \"x.wal\":"
                        + " No space left on device ****");

        SQLException fatal = new SQLException("FATAL Error: s3cr3t");
        WriteException reopen = DuckDbFailure.afterInvalidation("d", "t", "staging rows", masking.describe(), fatal, "IO Error: s3cr3t",
                masking::mask);
        assertThat(reopen.getMessage()).doesNotContain("s3cr3t").contains("FATAL Error: ****").contains("(IO Error: ****)");
        assertThat(reopen.getCause()).isNull();
        WriteException closing = DuckDbFailure.whileClosing("d", masking.describe(), new SQLException("IO Error: s3cr3t"), masking::mask);
        assertThat(closing.getMessage()).isEqualTo("destination d: closing remote database r failed: IO Error: ****");
        assertThat(closing.getCause()).isNull();

        DuckDbTarget local = new LocalFileTarget(Path.of("/x.duckdb"), Map.of());
        assertThat(local.mask("IO Error: s3cr3t")).isEqualTo("IO Error: s3cr3t");
    }

    @Test
    void timestampVersionOutsideTheRangeOfALongIsAPermanentFailureNamingTableAndColumn() throws Exception {
        Schema events = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("ts", LogicalType.TIMESTAMP)), List.of("id"), "ts");
        WriteBatch far = WriteBatch.of(FramePacket.builder("events", events).packetId("p-far")
                .addRow(1L, Instant.parse("2024-01-01T00:00:00Z"))
                .addRow(2L, Instant.parse("+300000-01-01T00:00:00Z"))
                .build());
        try (BaseWriter w = provider.create(destination())) {
            w.open();

            WriteException e = catchThrowableOfType(WriteException.class, () -> w.write(far));

            assertThat(e.retryable()).isFalse();
            assertThat(e.table()).hasValue("events");
            assertThat(e.column()).hasValue("ts");
            assertThat(e.getMessage()).contains("destination trades_db: table events: version column 'ts'")
                    .contains("packet p-far, row 1: +300000-01-01T00:00:00Z");
            w.write(WriteBatch.of(FramePacket.builder("events", events).addRow(1L, Instant.parse("2024-01-01T00:00:00Z")).build()));
        }
    }

    @Test
    void duckDbsCauseLinesAreKeptAndItsHintsDropped() {
        assertThat(DuckDbMessages.condense(INVALIDATED + "\nOriginal error: \"" + CHECKPOINT_DISK_FULL + "\""))
                .isEqualTo(INVALIDATED + "; Original error: \"" + CHECKPOINT_DISK_FULL + "\"");
        String conversion = "Conversion Error: Could not convert string 'oops' to INT64\n\nLINE 1: INSERT INTO t SELECT ...\n"
                + "                     ^";
        assertThat(DuckDbMessages.condense(conversion)).isEqualTo("Conversion Error: Could not convert string 'oops' to INT64");
        String hinted = "Binder Error: Referenced column \"x\" not found\n\nPossible Solution: check the spelling\n  file = a.csv";
        assertThat(DuckDbMessages.condense(hinted)).isEqualTo("Binder Error: Referenced column \"x\" not found");
        String tall = "E: head\n1\n2\n3\n4\n5\n6";
        assertThat(DuckDbMessages.condense(tall)).isEqualTo("E: head; 1; 2; 3; 4; …");
        assertThat(DuckDbMessages.condense("E: " + "x".repeat(1000))).hasSize(301).endsWith("…");
        assertThat(DuckDbMessages.condense(null)).isEqualTo("(no message)");
    }

    @Test
    void aRefusalAfterAFatalErrorNamesTheFatalErrorItself() {
        assertThat(DuckDbFailure.withFatalCause(INVALIDATED, "FATAL Error: " + CHECKPOINT_DISK_FULL))
                .isEqualTo(INVALIDATED + "; the fatal error before it: FATAL Error: " + CHECKPOINT_DISK_FULL);
        assertThat(DuckDbFailure.withFatalCause(INVALIDATED + "\nOriginal error: \"" + CHECKPOINT_DISK_FULL + "\"", "IO Error: other"))
                .doesNotContain("other").contains("No space left on device");
        assertThat(DuckDbFailure.withFatalCause(INVALIDATED, null)).isEqualTo(INVALIDATED);
        assertThat(DuckDbFailure.withFatalCause(INVALIDATED, INVALIDATED)).isEqualTo(INVALIDATED);
        assertThat(DuckDbFailure.withFatalCause(COMMIT_DISK_FULL, "IO Error: earlier")).isEqualTo(COMMIT_DISK_FULL);
    }

    /**
     * A real full disk: a 1 MiB tmpfs (needs root and {@code mount}; skipped otherwise). Every
     * failure the writer reports names the cause, "No space left on device" — the failed commit
     * and, once DuckDB has invalidated the database, every refusal after it.
     */
    @Test
    void onAFullDiskEveryFailureSaysNoSpaceLeftOnDevice() throws Exception {
        Path mount = dir.resolve("full");
        java.nio.file.Files.createDirectories(mount);
        org.assertj.core.api.Assertions.assertThat(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()))
                .as("mounting a 1 MiB tmpfs (how this test makes a real full or read-only file system) failed: the test suite needs root and mount; run it as root (scripts/test-all does on the project's machines)").isTrue();
        try {
            Destination onFullDisk = new Destination("full_db", "duckdb:full/x.duckdb", Map.of(), dir, Set.of());
            List<String> failures = new java.util.ArrayList<>();
            try (BaseWriter w = provider.create(onFullDisk)) {
                w.open();
                long id = 0;
                for (int batch = 0; batch < 60 && failures.size() < 8; batch++) {
                    Schema wide = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("p", LogicalType.STRING)), List.of("id"));
                    FramePacket.Builder b = FramePacket.builder("rows", wide);
                    for (int i = 0; i < 2_000; i++) {
                        b.addRow(++id, java.util.UUID.randomUUID() + "-" + java.util.UUID.randomUUID());
                    }
                    try {
                        w.write(WriteBatch.of(b.build()));
                    } catch (WriteException e) {
                        failures.add(e.getMessage());
                    }
                }
            } catch (WriteException closing) {
                // closing a database on a full disk may fail too; what matters is what the writes said
            }
            assertThat(failures).isNotEmpty();
            assertThat(failures).allSatisfy(m -> assertThat(m).contains("No space left on device").doesNotContain("\n"));
        } finally {
            run("umount", "-l", mount.toString());
        }
    }

    private static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
