package dev.fanout.examples.sqlite;

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
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch that fails midway on an unexpected error leaves nothing behind, not even the table it created. */
class SqliteWriterFailureTest {

    private static final Schema IDS = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("name", LogicalType.STRING)),
            List.of("id"));

    @TempDir
    Path dir;

    @Test
    void aBatchFailingOnAMistypedValueIsRolledBackAndPermanent() throws Exception {
        Destination destination = new Destination("lite", "sqlite:lite.sqlite", Map.of(), dir, Set.of());
        try (BaseWriter writer = new SqliteWriterProvider().create(destination)) {
            writer.open();
            // a value of the wrong Java class: the dispatcher catches these before a writer sees them, a direct caller may not
            WriteBatch mistyped = WriteBatch.of(FramePacket.builder("broken", IDS).addRow(1L, 42).build());

            WriteException e = catchThrowableOfType(WriteException.class, () -> writer.write(mistyped));

            assertThat(e).isNotNull().hasMessageStartingWith("destination lite: table broken: ");
            assertThat(e.retryable()).isFalse();
            writer.write(WriteBatch.of(FramePacket.builder("good", IDS).addRow(2L, "x").build()));
        }

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("lite.sqlite"))) {
            assertThat(SqliteTable.load(c, "good")).isPresent();
            assertThat(SqliteTable.load(c, "broken")).as("the failed batch's CREATE TABLE was committed by the next batch").isEmpty();
        }
    }
}
