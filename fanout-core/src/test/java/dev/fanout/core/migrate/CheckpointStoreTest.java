package dev.fanout.core.migrate;

import dev.fanout.api.Column;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.core.routing.RowRange;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Checkpoints survive a reopen with their key values exact, and one process holds a state directory. */
class CheckpointStoreTest {

    @TempDir
    Path dir;

    private static final Move MOVE = new Move("t", RowRange.all(), "old", "new", "duckdb:/a.duckdb", "duckdb:/b.duckdb");

    @Test
    void aCheckpointReadsBackWithEveryKeyTypeExact() {
        Schema schema = Schema.of(List.of(Column.required("s", LogicalType.STRING), Column.required("d", LogicalType.DATE),
                Column.required("ts", LogicalType.TIMESTAMP), Column.required("n", LogicalType.decimal(20, 6)),
                Column.required("b", LogicalType.BYTES), Column.required("i", LogicalType.INT32)), List.of("s", "d", "ts", "n", "b", "i"));
        List<Object> key = List.of("x, \"y\" 😀", LocalDate.parse("2026-01-02"), Instant.parse("2026-01-02T03:04:05.123456Z"),
                new BigDecimal("-12.500000"), new byte[] {0, -1, 7}, 42);
        try (CheckpointStore store = CheckpointStore.open(dir)) {
            store.save(MOVE, Checkpoint.start(MOVE).copied(key, 10).copied(key, 5));
        }
        try (CheckpointStore store = CheckpointStore.open(dir)) {
            Checkpoint c = store.load(MOVE).orElseThrow();
            assertThat(c.copiedRows()).isEqualTo(15);
            assertThat(c.done()).isFalse();
            List<Object> back = c.keyValues(schema).orElseThrow();
            assertThat(KeyOrder.INSTANCE.compare(back, key)).isZero();
            assertThat(back.get(3)).isEqualTo(key.get(3));
            assertThat(store.load(new Move("t", RowRange.all(), "old", "new", "duckdb:/a.duckdb", "duckdb:/c.duckdb"))).isEmpty();
        }
        assertThat(dir.toFile().list()).noneMatch(n -> n.endsWith(".tmp"));
    }

    @Test
    void aSecondUserOfTheStateDirectoryIsRefused() {
        try (CheckpointStore first = CheckpointStore.open(dir)) {
            assertThatThrownBy(() -> CheckpointStore.open(dir)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("migration state directory " + dir + " is in use by another fanout migrate")
                    .hasMessageContaining("(PID " + ProcessHandle.current().pid() + ")");
        }
        assertThat(Files.exists(dir.resolve(".lock"))).isTrue();
    }
}
