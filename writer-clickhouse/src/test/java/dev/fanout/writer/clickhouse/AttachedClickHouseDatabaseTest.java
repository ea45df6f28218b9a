package dev.fanout.writer.clickhouse;

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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The copy from another database of the same server, inside ClickHouse, against a real server. */
@ExtendWith(ClickHouseServerExtension.class)
class AttachedClickHouseDatabaseTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final Schema ITEMS = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("name", LogicalType.STRING),
            Column.of("qty", LogicalType.INT32)), List.of("id"));

    private final ClickHouseWriterProvider provider = new ClickHouseWriterProvider();
    private final ClickHouseServer server;
    private String source;
    private String target;

    AttachedClickHouseDatabaseTest(ClickHouseServer server) {
        this.server = server;
    }

    @BeforeEach
    void freshDatabases() {
        int n = DATABASES.incrementAndGet();
        source = "copy_source_" + n;
        target = "copy_target_" + n;
    }

    private Destination destination(String name, String database) {
        return Destination.of(name, server.uri(database), Path.of("."));
    }

    private void write(String database, long version, Object[]... rows) throws WriteException {
        FramePacket.Builder b = FramePacket.builder("items", ITEMS).version(version);
        for (Object[] r : rows) {
            b.addRow(r);
        }
        try (BaseWriter w = provider.create(destination("fixture", database))) {
            w.open();
            w.write(WriteBatch.of(b.build()));
        }
    }

    /**
     * Source: ids 1 to 10 in version 5. Target: 1-4 equal, 5-6 newer (version 9), 7 stale (version 2),
     * 8 other content in version 5, 9-10 missing, 100 only there — the streaming verification's
     * classification of these rows is 4 equal, 2 newer, 2 missing, 1 older, 1 different.
     */
    private void fixture() throws WriteException {
        List<Object[]> all = new ArrayList<>();
        for (long id = 1; id <= 10; id++) {
            all.add(new Object[] {id, "item " + id, (int) id});
        }
        write(source, 5, all.toArray(Object[][]::new));
        write(target, 5, all.subList(0, 4).toArray(Object[][]::new));
        write(target, 9, new Object[] {5L, "newer 5", 50}, new Object[] {6L, "newer 6", null});
        write(target, 2, new Object[] {7L, "stale 7", 7});
        write(target, 5, new Object[] {8L, "item 8", 800}, new Object[] {100L, "only here", 1});
    }

    @Test
    void comparesAsTheStreamingVerificationThenCopiesByKeyRangesKeepingNewerRows() throws Exception {
        fixture();
        try (BaseWriter writer = provider.create(destination("to", target))) {
            writer.open();
            SameEngineCopy engine = writer.sameEngineCopy().orElseThrow();
            assertThat(engine.reaches(destination("from", source))).isTrue();
            try (SameEngineCopy.Attached attached = engine.attach(destination("from", source))) {
                assertThat(attached.schema("items")).contains(ITEMS);
                SameEngineCopy.RowComparison before = attached.compare("items", RowFilter.all());
                assertThat(before).extracting(SameEngineCopy.RowComparison::sourceRows, SameEngineCopy.RowComparison::targetRows,
                        SameEngineCopy.RowComparison::equal, SameEngineCopy.RowComparison::newerAtTarget,
                        SameEngineCopy.RowComparison::missing, SameEngineCopy.RowComparison::older,
                        SameEngineCopy.RowComparison::different).containsExactly(10L, 9L, 4L, 2L, 2L, 1L, 1L);
                assertThat(before.sourceChecksum()).isNotEqualTo(before.targetChecksum());

                List<List<Object>> lastKeys = new ArrayList<>();
                List<Long> counts = new ArrayList<>();
                Optional<List<Object>> after = Optional.empty();
                Optional<SameEngineCopy.CopiedRange> range;
                while ((range = attached.copyRange("items", RowFilter.all(), after, 3)).isPresent()) {
                    lastKeys.add(range.get().lastKey());
                    counts.add(range.get().rows());
                    after = Optional.of(range.get().lastKey());
                }
                assertThat(lastKeys).containsExactly(List.of(3L), List.of(6L), List.of(9L), List.of(10L));
                assertThat(counts).containsExactly(3L, 3L, 3L, 1L);

                SameEngineCopy.RowComparison copied = attached.compare("items", RowFilter.all());
                assertThat(copied).extracting(SameEngineCopy.RowComparison::sourceRows, SameEngineCopy.RowComparison::targetRows,
                        SameEngineCopy.RowComparison::equal, SameEngineCopy.RowComparison::newerAtTarget,
                        SameEngineCopy.RowComparison::missing, SameEngineCopy.RowComparison::older,
                        SameEngineCopy.RowComparison::different).containsExactly(10L, 11L, 8L, 2L, 0L, 0L, 0L);
            }
        }
        assertThat(server.rows("SELECT id, name, _fanout_version FROM " + target + ".items FINAL WHERE id IN (5, 7, 8) ORDER BY id"))
                .containsExactly(new String[] {"5", "newer 5", "9"}, new String[] {"7", "item 7", "5"}, new String[] {"8", "item 8", "5"});
    }

    /**
     * A date-range part, as a route's {@code from} (inclusive) and {@code before} (exclusive) make it:
     * the rows at exactly {@code from} and one microsecond before {@code before} are copied and compared,
     * those one microsecond before {@code from}, at exactly {@code before} and with no timestamp are not —
     * until a part that holds the nulls too.
     */
    @Test
    void aDateRangePartCopiesAndComparesExactlyTheRowsInsideItsBounds() throws Exception {
        Schema events = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("at", LogicalType.TIMESTAMP)), List.of("id"));
        Instant from = Instant.parse("2025-12-01T00:00:00Z");
        Instant before = Instant.parse("2026-01-01T00:00:00Z");
        Instant[] at = {from.minusNanos(1_000), from, before.minusNanos(1_000), before, null, from.plus(Duration.ofDays(1))};
        FramePacket.Builder rows = FramePacket.builder("events", events).version(5);
        for (int i = 0; i < at.length; i++) {
            rows.addRow((long) i + 1, at[i]);
        }
        try (BaseWriter w = provider.create(destination("fixture", source))) {
            w.open();
            w.write(WriteBatch.of(rows.build()));
        }
        RowFilter december = new RowFilter(List.of(new RowFilter.Bound("at", from, before, true, false)));
        RowFilter decemberOrNone = new RowFilter(List.of(new RowFilter.Bound("at", from, before, true, true)));
        try (BaseWriter writer = provider.create(destination("to", target));
             SameEngineCopy.Attached attached = openAttached(writer)) {
            List<List<Object>> lastKeys = new ArrayList<>();
            List<Long> counts = new ArrayList<>();
            Optional<List<Object>> after = Optional.empty();
            Optional<SameEngineCopy.CopiedRange> range;
            while ((range = attached.copyRange("events", december, after, 2)).isPresent()) {
                lastKeys.add(range.get().lastKey());
                counts.add(range.get().rows());
                after = Optional.of(range.get().lastKey());
            }
            assertThat(lastKeys).containsExactly(List.of(3L), List.of(6L));
            assertThat(counts).containsExactly(2L, 1L);
            assertThat(server.rows("SELECT id FROM " + target + ".events FINAL ORDER BY id"))
                    .containsExactly(new String[] {"2"}, new String[] {"3"}, new String[] {"6"});
            assertThat(attached.compare("events", december)).extracting(SameEngineCopy.RowComparison::sourceRows,
                    SameEngineCopy.RowComparison::targetRows, SameEngineCopy.RowComparison::equal,
                    SameEngineCopy.RowComparison::missing).containsExactly(3L, 3L, 3L, 0L);
            assertThat(attached.compare("events", decemberOrNone)).extracting(SameEngineCopy.RowComparison::sourceRows,
                    SameEngineCopy.RowComparison::targetRows, SameEngineCopy.RowComparison::equal,
                    SameEngineCopy.RowComparison::missing).containsExactly(4L, 3L, 3L, 1L);

            assertThat(attached.copyRange("events", decemberOrNone, Optional.empty(), 10)).map(SameEngineCopy.CopiedRange::rows)
                    .contains(4L);
        }
        assertThat(server.rows("SELECT id FROM " + target + ".events FINAL ORDER BY id"))
                .containsExactly(new String[] {"2"}, new String[] {"3"}, new String[] {"5"}, new String[] {"6"});
    }

    @Test
    void aSourceOnAnotherServerIsNotReachedAndAttachingItNamesNoPassword() throws Exception {
        Destination elsewhere = new Destination("far", "ch://127.0.0.1:1/" + source, Map.of("user", "reader", "password", "s3cret-far-away"),
                Path.of("."), Set.of("password"));
        try (BaseWriter writer = provider.create(destination("to", target))) {
            writer.open();
            SameEngineCopy engine = writer.sameEngineCopy().orElseThrow();
            assertThat(engine.reaches(elsewhere)).isFalse();
            assertThatThrownBy(() -> engine.attach(elsewhere)).isInstanceOf(WriteException.class)
                    .hasMessageContaining("far").hasMessageContaining("streams").hasMessageNotContaining("s3cret-far-away");
        }
    }

    @Test
    void aTableTheSourceLacksCopiesNothing() throws Exception {
        write(source, 1, new Object[] {1L, "a", 1});
        try (BaseWriter writer = provider.create(destination("to", target));
             SameEngineCopy.Attached attached = openAttached(writer)) {
            assertThat(attached.copyRange("missing", RowFilter.all(), Optional.empty(), 10)).isEmpty();
            assertThat(attached.compare("missing", RowFilter.all()).sourceRows()).isZero();
        }
    }

    private SameEngineCopy.Attached openAttached(BaseWriter writer) throws WriteException {
        writer.open();
        return writer.sameEngineCopy().orElseThrow().attach(destination("from", source));
    }
}
