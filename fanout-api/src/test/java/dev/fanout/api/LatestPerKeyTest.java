package dev.fanout.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatestPerKeyTest {

    private static final Schema BY_ID = Schema.of(
            List.of(Column.of("id", LogicalType.INT64), Column.of("v", LogicalType.STRING)), List.of("id"));
    private static final Schema BY_ID_VERSIONED = Schema.of(
            List.of(Column.of("id", LogicalType.INT64), Column.of("v", LogicalType.STRING), Column.of("seq", LogicalType.INT64)),
            List.of("id"), "seq");

    private static FramePacket packet(Schema schema, long version, Object[]... rows) {
        FramePacket.Builder b = FramePacket.builder("t", schema).version(version);
        for (Object[] r : rows) {
            b.addRow(r);
        }
        return b.build();
    }

    private static WriteBatch batch(FramePacket... packets) {
        return new WriteBatch("t", packets[0].schema(), List.of(packets));
    }

    private static List<Object> winningValues(LatestPerKey winners, int column) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < winners.size(); i++) {
            out.add(winners.packet(i).value(winners.rowIndex(i), column));
        }
        return out;
    }

    @Test
    void distinctKeysAllWinInFirstSeenOrder() {
        LatestPerKey w = LatestPerKey.of(batch(packet(BY_ID, 1, new Object[] {3L, "c"}, new Object[] {1L, "a"}, new Object[] {2L, "b"})));

        assertThat(w.size()).isEqualTo(3);
        assertThat(winningValues(w, 1)).containsExactly("c", "a", "b");
    }

    @Test
    void higherPacketVersionWinsEvenWhenItCameFirst() {
        WriteBatch b = batch(packet(BY_ID, 5, new Object[] {1L, "new"}), packet(BY_ID, 4, new Object[] {1L, "old"}));

        LatestPerKey w = LatestPerKey.of(b);

        assertThat(w.size()).isEqualTo(1);
        assertThat(winningValues(w, 1)).containsExactly("new");
        assertThat(w.version(0)).isEqualTo(5);
    }

    @Test
    void tiesGoToTheLaterRowAcrossPacketsAndWithinAPacket() {
        WriteBatch b = batch(
                packet(BY_ID, 7, new Object[] {1L, "first"}, new Object[] {2L, "x1"}, new Object[] {2L, "x2"}),
                packet(BY_ID, 7, new Object[] {1L, "second"}));

        LatestPerKey w = LatestPerKey.of(b);

        assertThat(winningValues(w, 1)).containsExactly("second", "x2");
    }

    @Test
    void versionColumnDecidesPerRow() {
        WriteBatch b = batch(packet(BY_ID_VERSIONED, 1,
                new Object[] {1L, "v9", 9L}, new Object[] {1L, "v3", 3L}, new Object[] {1L, "v9-later", 9L}, new Object[] {2L, "only", 1L}));

        LatestPerKey w = LatestPerKey.of(b);

        assertThat(winningValues(w, 1)).containsExactly("v9-later", "only");
        assertThat(w.version(0)).isEqualTo(9);
        assertThat(w.packet(0).packetId()).isEqualTo(b.packets().get(0).packetId());
    }

    @Test
    void compositeKeysCompareByValueIncludingDecimalsAndBytes() {
        Schema s = Schema.of(List.of(Column.of("d", LogicalType.decimal(10, 3)), Column.of("b", LogicalType.BYTES),
                Column.of("v", LogicalType.STRING)), List.of("d", "b"));
        WriteBatch b = batch(packet(s, 1,
                new Object[] {new BigDecimal("1.5"), new byte[] {1, 2}, "a"},
                new Object[] {new BigDecimal("1.500"), new byte[] {1, 2}, "b"},
                new Object[] {new BigDecimal("1.5"), new byte[] {1, 3}, "c"}));

        LatestPerKey w = LatestPerKey.of(b);

        assertThat(winningValues(w, 2)).containsExactly("b", "c");
    }

    @Test
    void singleDecimalAndBytesKeysCompareByValue() {
        Schema dec = Schema.of(List.of(Column.of("d", LogicalType.decimal(10, 3)), Column.of("v", LogicalType.STRING)), List.of("d"));
        Schema bytes = Schema.of(List.of(Column.of("b", LogicalType.BYTES), Column.of("v", LogicalType.STRING)), List.of("b"));

        LatestPerKey d = LatestPerKey.of(batch(packet(dec, 1,
                new Object[] {new BigDecimal("2.10"), "a"}, new Object[] {new BigDecimal("2.1"), "b"},
                new Object[] {BigDecimal.ZERO, "z1"}, new Object[] {new BigDecimal("0.000"), "z2"})));
        LatestPerKey b = LatestPerKey.of(batch(packet(bytes, 1, new Object[] {new byte[] {9}, "a"}, new Object[] {new byte[] {9}, "b"})));

        assertThat(winningValues(d, 1)).containsExactly("b", "z2");
        assertThat(winningValues(b, 1)).containsExactly("b");
    }

    @Test
    void differentJavaValuesOfEqualStringsAreOneKey() {
        Schema s = Schema.of(List.of(Column.of("k", LogicalType.STRING), Column.of("v", LogicalType.INT32)), List.of("k"));
        String built = new StringBuilder("ke").append('y').toString();

        LatestPerKey w = LatestPerKey.of(batch(packet(s, 1, new Object[] {"key", 1}, new Object[] {built, 2})));

        assertThat(winningValues(w, 1)).containsExactly(2);
    }

    @Test
    void integerKeysIncludingZeroNegativeAndExtremesCompareByValue() {
        Schema ints = Schema.of(List.of(Column.of("k", LogicalType.INT32), Column.of("v", LogicalType.STRING)), List.of("k"));

        LatestPerKey w = LatestPerKey.of(batch(packet(ints, 1,
                new Object[] {0, "a"}, new Object[] {-1, "b"}, new Object[] {Integer.MIN_VALUE, "c"}, new Object[] {0, "d"},
                new Object[] {Integer.MAX_VALUE, "e"}, new Object[] {-1, "f"})));
        LatestPerKey longs = LatestPerKey.of(batch(packet(BY_ID, 1,
                new Object[] {Long.MIN_VALUE, "a"}, new Object[] {Long.MAX_VALUE, "b"}, new Object[] {Long.MIN_VALUE, "c"})));

        assertThat(winningValues(w, 1)).containsExactly("d", "f", "c", "e");
        assertThat(winningValues(longs, 1)).containsExactly("c", "b");
    }

    @Test
    void nullOrMistypedIntegerKeysAreKeysLikeAnyOther() {
        LatestPerKey w = LatestPerKey.of(batch(packet(BY_ID, 1,
                new Object[] {1L, "a"}, new Object[] {null, "b"}, new Object[] {"1", "c"}, new Object[] {null, "d"}, new Object[] {1L, "e"})));

        assertThat(winningValues(w, 1)).containsExactly("e", "d", "c");
    }

    @Test
    void forEachVisitsWinnersWithTheirVersions() {
        WriteBatch b = batch(packet(BY_ID, 2, new Object[] {1L, "a"}), packet(BY_ID, 3, new Object[] {2L, "b"}));
        List<String> seen = new ArrayList<>();

        LatestPerKey.of(b).forEach((packet, row, version) -> seen.add(packet.value(row, 1) + "@" + version));

        assertThat(seen).containsExactly("a@2", "b@3");
    }

    @Test
    void nullVersionColumnFailsNamingTheColumn() {
        WriteBatch b = batch(packet(BY_ID_VERSIONED, 1, new Object[] {1L, "x", null}));

        assertThatThrownBy(() -> LatestPerKey.of(b)).isInstanceOf(IllegalStateException.class).hasMessageContaining("seq");
    }

    @Test
    void indexOutsideTheWinnersIsRejected() {
        LatestPerKey w = LatestPerKey.of(batch(packet(BY_ID, 1, new Object[] {1L, "a"})));

        assertThatThrownBy(() -> w.rowIndex(1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void twoMillionRowsWithHalfTheKeysRepeated() {
        Object[][] rows = new Object[1_000_000][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {(long) i, "v"};
        }
        FramePacket first = packet(BY_ID, 1, rows);
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {(long) (i % 500_000), "w"};
        }
        FramePacket second = packet(BY_ID, 2, rows);

        LatestPerKey w = LatestPerKey.of(batch(first, second));

        assertThat(w.size()).isEqualTo(1_000_000);
        assertThat(w.version(0)).isEqualTo(2);
        assertThat(w.version(499_999)).isEqualTo(2);
        assertThat(w.version(500_000)).isEqualTo(1);
        assertThat(w.packet(0).value(w.rowIndex(0), 1)).isEqualTo("w");
    }
}
