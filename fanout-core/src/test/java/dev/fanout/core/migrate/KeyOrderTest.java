package dev.fanout.core.migrate;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Keys ordered as DuckDB and ClickHouse order them in a key-ordered scan. */
class KeyOrderTest {

    @Test
    void stringsCompareByUtf8BytesNotByJavaChars() {
        String fullwidthA = "\uFF21";
        String emoji = "😀";
        assertThat(emoji.compareTo(fullwidthA)).as("Java's UTF-16 order").isNegative();
        assertThat(KeyOrder.INSTANCE.compare(List.of(fullwidthA), List.of(emoji))).as("UTF-8 byte order").isNegative();
        assertThat(KeyOrder.INSTANCE.compare(List.of("Z"), List.of("a"))).isNegative();
    }

    @Test
    void stringOrderEqualsTheOrderOfTheirUtf8Bytes() {
        List<String> samples = List.of("", "a", "ab", "b", "Z", "é", "\u07FF", "\u0800", "\uD7FF", "\uE000", "\uFFFF", "😀", "😀a",
                "\uD83D\uDE00\uD83D\uDE01", "𝄞", "a😀", "a\uFFFF", "ÄRM", "\uFF21");
        for (String x : samples) {
            for (String y : samples) {
                int bytes = java.util.Arrays.compareUnsigned(x.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        y.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                assertThat(Integer.signum(KeyOrder.compareUtf8(x, y))).as(x + " vs " + y).isEqualTo(Integer.signum(bytes));
            }
        }
    }

    @Test
    void compositeKeysCompareColumnByColumnAndNumbersByValue() {
        List<List<Object>> keys = new ArrayList<>(List.of(
                List.of("b", LocalDate.parse("2025-01-01")), List.of("a", LocalDate.parse("2026-01-01")),
                List.of("a", LocalDate.parse("2025-12-31"))));
        keys.sort(KeyOrder.INSTANCE);
        assertThat(keys).containsExactly(List.of("a", LocalDate.parse("2025-12-31")), List.of("a", LocalDate.parse("2026-01-01")),
                List.of("b", LocalDate.parse("2025-01-01")));
        assertThat(KeyOrder.INSTANCE.compare(List.of(2), List.of(10L))).isNegative();
        assertThat(KeyOrder.INSTANCE.compare(List.of(-1L), List.of(1L))).isNegative();
    }
}
