package dev.fanout.core.migrate;

import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The merge-join verification on two in-memory tables ({@link MemoryTablesProvider}). */
class VerifierTest {

    private static final Schema TRADES = Schema.of(List.of(Column.required("id", LogicalType.INT64),
            Column.of("price", LogicalType.decimal(10, 2)), Column.of("side", LogicalType.STRING)), List.of("id"));
    private static final Schema WIDER = Schema.of(List.of(Column.of("venue", LogicalType.STRING),
            Column.of("side", LogicalType.STRING), Column.of("price", LogicalType.decimal(12, 4)),
            Column.required("id", LogicalType.INT64)), List.of("id"));

    private final String id = UUID.randomUUID().toString();

    private TableReader reader(String name) throws WriteException {
        return new MemoryTablesProvider().create(Destination.of(name, "rows:" + name + id, Path.of("."))).reader().orElseThrow();
    }

    private void put(String name, Schema schema, long version, Object[]... rows) {
        FramePacket.Builder b = FramePacket.builder("trades", schema);
        for (Object[] r : rows) {
            b.addVersionedRow(version, r);
        }
        MemoryTablesProvider.target(name + id).upsert(b.build());
    }

    private Verification verify(int batchRows) throws WriteException {
        return Verifier.verify("trades", RowFilter.all(), reader("s"), reader("t"), batchRows);
    }

    @Test
    void identicalPartsAgreeWhateverTheColumnOrderTrailingZerosAndNullColumnsAtTheTarget() throws WriteException {
        for (long i = 1; i <= 100; i++) {
            put("s", TRADES, 5, new Object[] {i, new BigDecimal("1.50"), "buy"});
            put("t", WIDER, 5, new Object[] {null, "buy", new BigDecimal("1.5000"), i});
        }
        Verification v = verify(7);
        assertThat(v.passed()).isTrue();
        assertThat(v.equal()).isEqualTo(100);
        assertThat(v.sourceChecksum()).isEqualTo(v.targetChecksum()).isEqualTo(verify(100).sourceChecksum());
    }

    @Test
    void missingOlderAndChangedRowsFailWhileNewerAndExtraRowsAreTolerated() throws WriteException {
        for (long i = 1; i <= 10; i++) {
            put("s", TRADES, 5, new Object[] {i, new BigDecimal("1.00"), "buy"});
        }
        put("t", TRADES, 5, new Object[] {1L, new BigDecimal("1.00"), "buy"});
        put("t", TRADES, 6, new Object[] {2L, new BigDecimal("9.00"), "sell"});
        put("t", TRADES, 4, new Object[] {3L, new BigDecimal("1.00"), "buy"});
        put("t", TRADES, 5, new Object[] {4L, new BigDecimal("1.00"), "sell"});
        put("t", TRADES, 1, new Object[] {99L, new BigDecimal("1.00"), "buy"});
        Verification v = verify(3);
        assertThat(v).extracting(Verification::sourceRows, Verification::targetRows, Verification::equal,
                Verification::newerAtTarget, Verification::older, Verification::different, Verification::missing,
                Verification::onlyAtTarget).containsExactly(10L, 5L, 1L, 1L, 1L, 1L, 6L, 1L);
        assertThat(v.passed()).isFalse();
        assertThat(v.mismatched()).isEqualTo(8);
    }

    @Test
    void aTargetKeyedInAnotherColumnOrderIsRefusedRatherThanMergedOutOfStep() {
        Schema ab = Schema.of(List.of(Column.required("a", LogicalType.INT64), Column.required("b", LogicalType.INT64),
                Column.of("side", LogicalType.STRING)), List.of("a", "b"));
        Schema ba = Schema.of(ab.columns(), List.of("b", "a"));
        put("s", ab, 5, new Object[] {1L, 2L, "buy"});
        // Not the source's row (a=1, b=2), but its key in the target's order (b, a) reads [1, 2] too.
        put("t", ba, 9, new Object[] {2L, 1L, "sell"});
        assertThatThrownBy(() -> verify(10)).isInstanceOf(WriteException.class)
                .hasMessageContaining("table trades").hasMessageContaining("[b, a]").hasMessageContaining("[a, b]");
    }

    @Test
    void valuesWhoseCharactersOrBytesOffsetEachOtherAreStillDifferent() throws WriteException {
        Schema blobs = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("side", LogicalType.STRING),
                Column.of("raw", LogicalType.BYTES)), List.of("id"));
        // 'A'+1 = 'B' and 'a'-31 = 'B': equal under a base-31 polynomial hash, as String.hashCode() has them
        put("s", blobs, 5, new Object[] {1L, "Aa", new byte[] {1, 2}}, new Object[] {2L, "x", new byte[] {65, 97}});
        put("t", blobs, 5, new Object[] {1L, "BB", new byte[] {1, 2}}, new Object[] {2L, "x", new byte[] {66, 66}});
        Verification v = verify(10);
        assertThat(v.different()).isEqualTo(2);
        assertThat(v.passed()).isFalse();
    }

    @Test
    void aColumnWidenedToFloat64AtTheTargetAgreesWhileItsValuesAreEqual() throws WriteException {
        Schema ints = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("qty", LogicalType.INT64)), List.of("id"));
        Schema doubles = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("qty", LogicalType.FLOAT64)), List.of("id"));
        put("s", ints, 5, new Object[] {1L, 0L}, new Object[] {2L, -7L}, new Object[] {3L, 1L << 53}, new Object[] {4L, 3L});
        put("t", doubles, 5, new Object[] {1L, -0.0}, new Object[] {2L, -7.0}, new Object[] {3L, (double) (1L << 53)},
                new Object[] {4L, 3.5});
        Verification v = verify(10);
        assertThat(v.equal()).isEqualTo(3);
        assertThat(v.different()).as("3 against 3.5").isEqualTo(1);
    }
}
