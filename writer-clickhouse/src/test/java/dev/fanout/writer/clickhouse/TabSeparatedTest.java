package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TabSeparatedTest {

    @Test
    void escapesNullsAndEmptyFieldsDecode() {
        byte[] body = "a\\tb\\\\c\\n\t\\N\t\t\\0x\\'\n2\t\\Nope\t\\x41\t\n".getBytes(StandardCharsets.UTF_8);

        List<String[]> rows = TabSeparated.rows(body);

        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).containsExactly("a\tb\\c\n", null, "", "\0x'");
        assertThat(rows.get(1)).containsExactly("2", "Nope", "A", "");
    }

    @Test
    void rawBytesComeBackByteForByte() {
        byte[] body = {(byte) 0xff, (byte) 0x80, '\\', '0', '\\', 'n', '\n'};

        assertThat(TabSeparated.rawRows(body).get(0)[0]).containsExactly((byte) 0xff, (byte) 0x80, 0, '\n');
        assertThat(TabSeparated.rawRows(new byte[0])).isEmpty();
    }

    @Test
    void theStreamingReaderDecodesAsTheWholeBodyDecoderDoes() {
        List<String> bodies = List.of("a\\tb\\\\c\\n\t\\N\t\t\\0x'\n2\tNope\tA\t\n", "1\t\\N\n\\N\t2", "x\\x41y\t\\", "\n\n", "");
        for (String text : bodies) {
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            List<byte[][]> streamed = new ArrayList<>();
            try (TabSeparated.RowReader reader = new TabSeparated.RowReader(new ByteArrayInputStream(body), null)) {
                byte[][] row;
                while ((row = reader.next()) != null) {
                    streamed.add(row);
                }
            }
            assertThat(streamed).as(text).usingRecursiveComparison().isEqualTo(TabSeparated.rawRows(body));
        }
    }
}
