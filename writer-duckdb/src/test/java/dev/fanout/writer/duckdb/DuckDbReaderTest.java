package dev.fanout.writer.duckdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the reader contract cannot see from outside: pages of a large table, tables fanout did not make, the lifecycle. */
class DuckDbReaderTest {

    private static final Schema TICKS = Schema.of(List.of(Column.of("grp", LogicalType.INT32), Column.of("id", LogicalType.INT64),
            Column.of("at", LogicalType.TIMESTAMP)), List.of("grp", "id"));

    @TempDir
    Path dir;

    private final DuckDbWriterProvider provider = new DuckDbWriterProvider();

    private Destination destination() {
        return Destination.of("ticks_db", "duckdb:ticks.duckdb", dir);
    }

    @Test
    void aScanLongerThanOnePageGivesEveryRowOnceInKeyOrderAndResumesInTheMiddleOfAPage() throws Exception {
        int rows = 2 * DuckDbReader.PAGE_ROWS_MIN + 1_234;
        FramePacket.Builder b = FramePacket.builder("ticks", TICKS).version(3);
        for (int i = rows - 1; i >= 0; i--) {
            b.addRow(i % 3, (long) i, Instant.ofEpochSecond(i));
        }
        try (BaseWriter writer = provider.create(destination())) {
            writer.open();
            writer.write(WriteBatch.of(b.build()));
            TableReader reader = writer.reader().orElseThrow();

            List<long[]> keys = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            reader.scan("ticks", RowFilter.all(), Optional.empty(), 7_000, packet -> {
                sizes.add(packet.rowCount());
                for (int r = 0; r < packet.rowCount(); r++) {
                    keys.add(new long[] {(Integer) packet.value(r, 0), (Long) packet.value(r, 1), packet.rowVersion(r)});
                    assertThat(packet.value(r, 2)).isEqualTo(Instant.ofEpochSecond((Long) packet.value(r, 1)));
                }
                return true;
            });

            assertThat(keys).hasSize(rows);
            assertThat(sizes.subList(0, sizes.size() - 1)).containsOnly(7_000);
            for (int i = 1; i < keys.size(); i++) {
                long[] p = keys.get(i - 1);
                long[] k = keys.get(i);
                assertThat(k[0] > p[0] || (k[0] == p[0] && k[1] > p[1])).as("key %d,%d after %d,%d", k[0], k[1], p[0], p[1]).isTrue();
            }
            assertThat(keys).allSatisfy(k -> assertThat(k[2]).isEqualTo(3L));

            long[] cut = keys.get(DuckDbReader.PAGE_ROWS_MIN + 17);
            List<Long> resumed = new ArrayList<>();
            reader.scan("ticks", RowFilter.all(), Optional.of(List.of((int) cut[0], cut[1])), 50_000, packet -> {
                for (int r = 0; r < packet.rowCount(); r++) {
                    resumed.add((Long) packet.value(r, 1));
                }
                return true;
            });
            assertThat(resumed).containsExactlyElementsOf(keys.subList(DuckDbReader.PAGE_ROWS_MIN + 18, rows).stream().map(k -> k[1]).toList());
        }
    }

    @Test
    void tablesFanoutDidNotMakeAreNotListedAndCannotBeReadWhileItsOwnTablesStayReadable() throws Exception {
        try (BaseWriter writer = provider.create(destination())) {
            writer.open();
            writer.write(WriteBatch.of(FramePacket.builder("ticks", TICKS).version(1).addRow(1, 1L, null).build()));
            DuckDBConnection c = ((DuckDbWriter) writer).connectionForReading();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE plain (id INTEGER PRIMARY KEY, name VARCHAR)");
                s.execute("CREATE TABLE odd (id INTEGER PRIMARY KEY, small SMALLINT, _fanout_version BIGINT NOT NULL)");
                s.execute("CREATE VIEW ticks_view AS SELECT * FROM ticks");
            }
            TableReader reader = writer.reader().orElseThrow();

            assertThat(reader.tables()).containsExactly("odd", "ticks");
            WriteException plain = catchThrowableOfType(WriteException.class, () -> reader.schema("plain"));
            assertThat(plain.retryable()).isFalse();
            assertThat(plain.getMessage()).contains("table plain").contains("_fanout_version").contains("not created by fanout");
            WriteException odd = catchThrowableOfType(WriteException.class, () -> reader.count("odd", RowFilter.all()));
            assertThat(odd.retryable()).isFalse();
            assertThat(odd.column()).contains("small");
            assertThat(odd.getMessage()).contains("table odd, column small").contains("SMALLINT");
            assertThat(reader.count("ticks", RowFilter.all())).isEqualTo(1);
        }
    }

    @Test
    void theReaderWorksOnlyWhileTheWriterIsOpen() throws Exception {
        BaseWriter writer = provider.create(destination());
        TableReader reader = writer.reader().orElseThrow();
        assertThatThrownBy(reader::tables).isInstanceOf(IllegalStateException.class).hasMessageContaining("before open or after close");
        writer.open();
        assertThat(reader.tables()).isEmpty();
        writer.close();
        assertThatThrownBy(() -> reader.count("ticks", RowFilter.all())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ticks_db");
    }
}
