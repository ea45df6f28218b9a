package dev.fanout.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaKeyValuesTest {

    private static final Schema BARS = Schema.of(List.of(
            Column.required("symbol", LogicalType.STRING), Column.required("day", LogicalType.DATE),
            Column.of("close", LogicalType.FLOAT64)), List.of("symbol", "day"));

    @Test
    void aKeyOfTheRightWidthAndClassesIsCopied() {
        assertThat(BARS.keyValues("bars", List.of("AAPL", LocalDate.of(2026, 1, 2))))
                .containsExactly("AAPL", LocalDate.of(2026, 1, 2));
    }

    @Test
    void aKeyOfAnotherWidthOrClassNamesTheTableAndColumn() {
        assertThatThrownBy(() -> BARS.keyValues("bars", List.of("AAPL")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("table bars").hasMessageContaining("has 1 values");
        assertThatThrownBy(() -> BARS.keyValues("bars", List.of("AAPL", "2026-01-02")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key column day is not a LocalDate");
    }
}
