package dev.fanout.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramePacketVersionsTest {

    private static final Schema WITH_VERSION_COLUMN = Schema.of(List.of(
            new Column("id", LogicalType.INT64, false),
            new Column("ts", LogicalType.TIMESTAMP, true)), List.of("id"), "ts");

    @Test
    void explicitRowVersionsWinOverTheVersionColumnAndSurviveSelection() {
        FramePacket p = FramePacket.builder("t", WITH_VERSION_COLUMN)
                .addVersionedRow(7, 1L, Instant.ofEpochSecond(100))
                .addVersionedRow(5, 2L, Instant.ofEpochSecond(200))
                .addVersionedRow(9, 3L, null)
                .build();

        assertThat(p.hasRowVersions()).isTrue();
        assertThat(List.of(p.rowVersion(0), p.rowVersion(1), p.rowVersion(2))).containsExactly(7L, 5L, 9L);
        FramePacket selected = p.selectRows(new int[] {2, 0});
        assertThat(selected.hasRowVersions()).isTrue();
        assertThat(List.of(selected.rowVersion(0), selected.rowVersion(1))).containsExactly(9L, 7L);
    }

    @Test
    void withoutExplicitVersionsTheVersionColumnDecides() {
        FramePacket p = FramePacket.builder("t", WITH_VERSION_COLUMN).addRow(1L, Instant.ofEpochSecond(1, 5_000)).build();

        assertThat(p.hasRowVersions()).isFalse();
        assertThat(p.rowVersion(0)).isEqualTo(1_000_005L);
    }

    @Test
    void rowsWithAndWithoutExplicitVersionsDoNotMix() {
        assertThatThrownBy(() -> FramePacket.builder("t", WITH_VERSION_COLUMN)
                .addRow(1L, null).addVersionedRow(3, 2L, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("addRow");
        assertThatThrownBy(() -> FramePacket.builder("t", WITH_VERSION_COLUMN)
                .addVersionedRow(3, 2L, null).addRow(1L, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("addVersionedRow");
    }
}
