package dev.fanout.core.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowDigest;
import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The {@link Verifier}'s comparison by digests against its streaming merge join on the same two
 * in-memory tables, both ends wrapped in {@link ReferenceDigests} (digests computed from each scan by
 * {@link RowDigest}'s Java reference, as an engine computes them in SQL); and what a failure of one
 * end's digests does.
 */
class DigestVerificationTest {

    private static final Schema TRADES = Schema.of(List.of(Column.required("id", LogicalType.INT64),
            Column.of("price", LogicalType.decimal(10, 2)), Column.of("side", LogicalType.STRING)), List.of("id"));
    private static final Schema WIDER = Schema.of(List.of(Column.of("venue", LogicalType.STRING),
            Column.of("side", LogicalType.STRING), Column.of("price", LogicalType.decimal(12, 4)),
            Column.required("id", LogicalType.INT64)), List.of("id"));
    private static final Schema BY_NAME = Schema.of(List.of(Column.required("venue", LogicalType.STRING),
            Column.required("id", LogicalType.INT64), Column.of("px", LogicalType.FLOAT64)), List.of("venue", "id"));

    private final String id = UUID.randomUUID().toString();

    /** A reader of in-memory tables that digests rows by reading them and applying {@link RowDigest}'s reference. */
    private static class ReferenceDigests implements TableReader {
        private final TableReader rows;

        ReferenceDigests(TableReader rows) {
            this.rows = rows;
        }

        @Override
        public List<String> tables() throws WriteException {
            return rows.tables();
        }

        @Override
        public Optional<Schema> schema(String table) throws WriteException {
            return rows.schema(table);
        }

        @Override
        public long count(String table, RowFilter filter) throws WriteException {
            return rows.count(table, filter);
        }

        @Override
        public void scan(String table, RowFilter filter, Optional<List<Object>> afterKey, int batchRows, PacketSink sink)
                throws WriteException {
            rows.scan(table, filter, afterKey, batchRows, sink);
        }

        @Override
        public long delete(String table, RowFilter filter) throws WriteException {
            return rows.delete(table, filter);
        }

        @Override
        public boolean digestsRows() {
            return true;
        }

        @Override
        public Optional<List<RowDigest.Bucket>> bucketDigests(String table, RowFilter filter, int buckets) throws WriteException {
            Map<Integer, long[]> sums = new TreeMap<>();
            rows.scan(table, filter, Optional.empty(), 3, p -> {
                for (int r = 0; r < p.rowCount(); r++) {
                    long[] s = sums.computeIfAbsent(RowDigest.bucket(p, r, buckets), k -> new long[2]);
                    s[0]++;
                    s[1] += RowDigest.rowDigest(p, r);
                }
                return true;
            });
            List<RowDigest.Bucket> out = new ArrayList<>();
            sums.forEach((b, s) -> out.add(new RowDigest.Bucket(b, s[0], s[1])));
            return Optional.of(out);
        }

        @Override
        public void rowDigests(String table, RowFilter filter, int buckets, Set<Integer> ofBuckets, RowDigest.RowSink sink)
                throws WriteException {
            List<RowDigest.Row> chosen = new ArrayList<>();
            rows.scan(table, filter, Optional.empty(), 3, p -> {
                for (int r = 0; r < p.rowCount(); r++) {
                    if (ofBuckets.contains(RowDigest.bucket(p, r, buckets))) {
                        chosen.add(RowDigest.row(p, r));
                    }
                }
                return true;
            });
            chosen.sort(RowDigest.ORDER);
            for (RowDigest.Row row : chosen) {
                if (!sink.accept(row)) {
                    return;
                }
            }
        }
    }

    private TableReader reader(String name) throws WriteException {
        return new MemoryTablesProvider().create(Destination.of(name, "rows:" + name + id, Path.of("."))).reader().orElseThrow();
    }

    private void put(String name, String table, Schema schema, long version, Object[]... rows) {
        FramePacket.Builder b = FramePacket.builder(table, schema);
        for (Object[] r : rows) {
            b.addVersionedRow(version, r);
        }
        MemoryTablesProvider.target(name + id).upsert(b.build());
    }

    private static List<Long> counts(Verification v) {
        return List.of(v.sourceRows(), v.targetRows(), v.equal(), v.newerAtTarget(), v.missing(), v.older(), v.different());
    }

    @Test
    void everyKindOfRowCountsAsInTheStreamingMergeJoinForAnIntegerKeyAndACompositeOne() throws WriteException {
        for (long i = 1; i <= 300; i++) {
            put("s", "trades", TRADES, 5, new Object[] {i, new BigDecimal("1.00"), "buy"});
            put("s", "quotes", BY_NAME, 5, new Object[] {"v" + i % 3, i, i * 0.5});
        }
        for (long i = 1; i <= 300; i++) {
            long version = i % 10 == 1 ? 6 : i % 10 == 2 ? 4 : 5;
            String side = i % 10 == 3 ? "sell" : "buy";
            if (i % 10 != 4) {
                put("t", "trades", WIDER, version, new Object[] {null, side, new BigDecimal("1.0000"), i});
                put("t", "quotes", BY_NAME, version, new Object[] {"v" + i % 3, i, i % 10 == 3 ? 7.0 : i * 0.5});
            }
        }
        put("t", "trades", WIDER, 1, new Object[] {null, "buy", new BigDecimal("1.00"), -7L});
        put("t", "quotes", BY_NAME, 1, new Object[] {"only here", -7L, 1.0});
        TableReader s = new ReferenceDigests(reader("s"));
        TableReader t = new ReferenceDigests(reader("t"));
        for (String table : List.of("trades", "quotes")) {
            Verification streamed = Verifier.verify(table, RowFilter.all(), s, t, 7, false);
            Verification digested = Verifier.verify(table, RowFilter.all(), s, t, 7);
            assertThat(counts(streamed)).as(table).isEqualTo(List.of(300L, 271L, 180L, 30L, 30L, 30L, 30L));
            assertThat(counts(digested)).as(table).isEqualTo(counts(streamed));
            assertThat(digested.byDigests()).isTrue();
            assertThat(digested.rowsRead()).as(table).isLessThan(streamed.rowsRead()).isGreaterThanOrEqualTo(120L + 91);
        }
    }

    @Test
    void aFailureOfOneEndsDigestsFailsTheVerificationWithItsOwnError() throws WriteException {
        put("s", "trades", TRADES, 5, new Object[] {1L, new BigDecimal("1.00"), "buy"});
        put("t", "trades", TRADES, 5, new Object[] {1L, new BigDecimal("1.00"), "buy"});
        TableReader source = spy(new ReferenceDigests(reader("s")));
        doThrow(WriteException.retryable("destination s: connection reset while digesting rows", null))
                .when(source).bucketDigests(anyString(), any(), anyInt());
        assertThatThrownBy(() -> Verifier.verify("trades", RowFilter.all(), source, new ReferenceDigests(reader("t")), 7))
                .isInstanceOf(WriteException.class).hasMessageContaining("connection reset while digesting rows");

        TableReader target = spy(new ReferenceDigests(reader("t")));
        doThrow(new IllegalStateException("the target's drill-down broke")).when(target).rowDigests(anyString(), any(), anyInt(), any(), any());
        put("s", "trades", TRADES, 5, new Object[] {2L, new BigDecimal("1.00"), "buy"});
        assertThatThrownBy(() -> Verifier.verify("trades", RowFilter.all(), new ReferenceDigests(reader("s")), target, 7))
                .isInstanceOf(IllegalStateException.class).hasMessage("the target's drill-down broke");
    }

    @Test
    void aReaderThatDeclinesTheTableIsStreamed() throws WriteException {
        put("s", "trades", TRADES, 5, new Object[] {1L, new BigDecimal("1.00"), "buy"});
        put("t", "trades", TRADES, 5, new Object[] {1L, new BigDecimal("1.00"), "sell"});
        TableReader target = spy(new ReferenceDigests(reader("t")));
        doThrow(new AssertionError("no drill-down after a decline")).when(target).rowDigests(anyString(), any(), anyInt(), any(), any());
        doReturn(Optional.empty()).when(target).bucketDigests(anyString(), any(), anyInt());
        Verification v = Verifier.verify("trades", RowFilter.all(), new ReferenceDigests(reader("s")), target, 7);
        assertThat(v.byDigests()).isFalse();
        assertThat(counts(v)).isEqualTo(List.of(1L, 1L, 0L, 0L, 0L, 0L, 1L));
    }
}
