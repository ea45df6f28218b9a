package dev.fanout.writer.duckdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowFilter;
import dev.fanout.api.SameEngineCopy;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copies between two real DuckDB files inside DuckDB: ranges in key order with a compound key and a
 * table name that needs quoting, schema evolution of an existing target, newer target rows kept, and
 * the one-instance-per-file rule of DuckDB.
 */
class AttachedDuckDbFileTest {

    private static final String TABLE = "odd \"name\"";
    private static final Schema SOURCE = Schema.of(List.of(Column.required("grp", LogicalType.INT32), Column.required("id", LogicalType.INT64),
            Column.of("qty", LogicalType.INT64), Column.of("note", LogicalType.STRING)), List.of("grp", "id"));
    private static final Schema NARROW = Schema.of(List.of(Column.required("grp", LogicalType.INT32), Column.required("id", LogicalType.INT64),
            Column.of("qty", LogicalType.INT32)), List.of("grp", "id"));

    @TempDir
    Path dir;

    private final DuckDbWriterProvider provider = new DuckDbWriterProvider();

    private BaseWriter opened(String name) throws WriteException {
        BaseWriter w = provider.create(Destination.of(name, "duckdb:" + name + ".duckdb", dir));
        w.open();
        return w;
    }

    private void write(String file, Schema schema, long version, Object[]... rows) throws WriteException {
        FramePacket.Builder b = FramePacket.builder(TABLE, schema).version(version);
        for (Object[] r : rows) {
            b.addRow(r);
        }
        try (BaseWriter w = opened(file)) {
            w.write(WriteBatch.of(b.build()));
        }
    }

    private List<String> rows(String file) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve(file + ".duckdb"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT grp, id, qty, typeof(qty), note, _fanout_version FROM \"odd \"\"name\"\"\" ORDER BY grp, id")) {
            while (rs.next()) {
                out.add(rs.getInt(1) + "/" + rs.getLong(2) + " " + rs.getObject(3) + " " + rs.getString(4) + " " + rs.getString(5) + " v"
                        + rs.getLong(6));
            }
        }
        return out;
    }

    @Test
    void copiesInKeyRangesEvolvingTheTargetAndKeepingItsNewerRows() throws Exception {
        List<Object[]> source = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            source.add(new Object[] {i % 2, (long) i, 10_000_000_000L + i, "n" + i});
        }
        write("source", SOURCE, 5, source.toArray(Object[][]::new));
        write("target", NARROW, 9, new Object[] {1, 3L, 33});
        write("target", NARROW, 1, new Object[] {0, 4L, 44});

        List<SameEngineCopy.CopiedRange> ranges = new ArrayList<>();
        SameEngineCopy.RowComparison compared;
        try (BaseWriter target = opened("target");
             SameEngineCopy.Attached attached = target.sameEngineCopy().orElseThrow()
                     .attach(Destination.of("source", "duckdb:source.duckdb", dir))) {
            assertThat(attached.schema(TABLE)).contains(SOURCE);
            Optional<List<Object>> after = Optional.empty();
            Optional<SameEngineCopy.CopiedRange> range;
            Path wal = dir.resolve("target.duckdb.wal");
            while ((range = attached.copyRange(TABLE, RowFilter.all(), after, 4)).isPresent()) {
                ranges.add(range.get());
                after = Optional.of(range.get().lastKey());
                assertThat(!Files.exists(wal) || Files.size(wal) == 0).as("each range checkpointed into the file, its write-ahead log empty")
                        .isTrue();
            }
            compared = attached.compare(TABLE, RowFilter.all());
        }
        assertThat(ranges).extracting(SameEngineCopy.CopiedRange::lastKey)
                .containsExactly(List.of(0, 6L), List.of(1, 5L), List.of(1, 9L));
        assertThat(ranges).extracting(SameEngineCopy.CopiedRange::rows).containsExactly(4L, 4L, 2L);
        List<String> stored = rows("target");
        assertThat(stored).hasSize(10);
        assertThat(stored).as("the newer target row kept whole, qty widened to BIGINT, note added")
                .contains("1/3 33 BIGINT null v9", "0/4 10000000004 BIGINT n4 v5", "1/9 10000000009 BIGINT n9 v5");
        assertThat(List.of(compared.sourceRows(), compared.targetRows(), compared.equal(), compared.newerAtTarget(), compared.missing()))
                .isEqualTo(List.of(10L, 10L, 9L, 1L, 0L));
    }

    @Test
    void rangesPlannedFromASampleOfALargeTableCoverEveryRowOnce() throws Exception {
        int rows = 300_000;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("source.duckdb")); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE \"odd \"\"name\"\"\" (grp INTEGER NOT NULL, id BIGINT NOT NULL, qty BIGINT, note VARCHAR,"
                    + " _fanout_version BIGINT NOT NULL, PRIMARY KEY (grp, id))");
            s.execute("INSERT INTO \"odd \"\"name\"\"\" SELECT i % 7, i, i, NULL, 1 FROM range(" + rows + ") r(i) ORDER BY random()");
        }
        List<SameEngineCopy.CopiedRange> ranges = new ArrayList<>();
        try (BaseWriter target = opened("target");
             SameEngineCopy.Attached attached = target.sameEngineCopy().orElseThrow()
                     .attach(Destination.of("source", "duckdb:source.duckdb", dir))) {
            Optional<List<Object>> after = Optional.empty();
            Optional<SameEngineCopy.CopiedRange> range;
            while ((range = attached.copyRange(TABLE, RowFilter.all(), after, 50_000)).isPresent()) {
                ranges.add(range.get());
                after = Optional.of(range.get().lastKey());
            }
            SameEngineCopy.RowComparison compared = attached.compare(TABLE, RowFilter.all());
            assertThat(compared.equal()).isEqualTo(rows);
            assertThat(compared.targetRows()).isEqualTo(rows);
        }
        assertThat(ranges).hasSizeBetween(5, 8);
        assertThat(ranges.stream().mapToLong(SameEngineCopy.CopiedRange::rows).sum()).isEqualTo(rows);
        assertThat(ranges).allSatisfy(r -> assertThat(r.rows()).isBetween(1L, 65_000L));
        assertThat(ranges.get(ranges.size() - 1).lastKey()).as("the largest id with id % 7 = 6").isEqualTo(List.of(6, 299_998L));
    }

    @Test
    void resumingAfterARangeCopiesOnlyTheRest() throws Exception {
        write("source", SOURCE, 5, new Object[] {0, 1L, 1L, "a"}, new Object[] {0, 2L, 2L, "b"}, new Object[] {1, 1L, 3L, "c"});
        try (BaseWriter target = opened("target");
             SameEngineCopy.Attached attached = target.sameEngineCopy().orElseThrow()
                     .attach(Destination.of("source", "duckdb:source.duckdb", dir))) {
            Optional<SameEngineCopy.CopiedRange> rest = attached.copyRange(TABLE, RowFilter.all(), Optional.of(List.of(0, 1L)), 100);
            assertThat(rest).map(SameEngineCopy.CopiedRange::rows).contains(2L);
            assertThat(attached.copyRange(TABLE, RowFilter.all(), Optional.of(rest.get().lastKey()), 100)).isEmpty();
        }
        assertThat(rows("target")).containsExactly("0/2 2 BIGINT b v5", "1/1 3 BIGINT c v5");
    }

    @Test
    void aSourceThisProcessHoldsOpenIsRefusedNamingTheFileAndAfterDetachingItOpensAgain() throws Exception {
        write("source", SOURCE, 5, new Object[] {0, 1L, 1L, "a"});
        try (BaseWriter target = opened("target")) {
            try (BaseWriter holder = opened("source")) {
                assertThatThrownBy(() -> target.sameEngineCopy().orElseThrow().attach(Destination.of("source", "duckdb:source.duckdb", dir)))
                        .isInstanceOf(WriteException.class).hasMessageContaining("destination source")
                        .hasMessageContaining(dir.resolve("source.duckdb").toString());
            }
            target.sameEngineCopy().orElseThrow().attach(Destination.of("source", "duckdb:source.duckdb", dir)).close();
            try (BaseWriter again = opened("source")) {
                assertThat(again.reader().orElseThrow().count(TABLE, RowFilter.all())).isEqualTo(1);
            }
        }
    }
}
