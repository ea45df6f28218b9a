package dev.fanout.cli.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CSV and TSV are read with one fixed dialect and DuckDB's strict mode: a malformed line is refused
 * naming its file and line wherever it is, and nothing guessed from a sample changes how other lines
 * are read.
 */
class StrictCsvTest {

    @TempDir
    Path dir;

    private Path file(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private static String refusal(Path file) throws Exception {
        try (RowFileReader reader = new RowFileReader()) {
            RowFileException e = catchThrowableOfType(() -> reader.describe(file), RowFileException.class);
            assertThat(e).as("describe(%s) refuses it", file).isNotNull();
            return e.getMessage();
        }
    }

    private static List<List<Object>> readAll(Path file) throws Exception {
        List<FramePacket> packets = new ArrayList<>();
        try (RowFileReader reader = new RowFileReader()) {
            RowFileReader.FileShape shape = reader.describe(file);
            Schema schema = Schema.of(shape.columns(), List.of(shape.columns().get(0).name()));
            reader.read(shape, schema, "t", null, 1000, packets::add);
        }
        List<List<Object>> rows = new ArrayList<>();
        for (FramePacket p : packets) {
            for (int r = 0; r < p.rowCount(); r++) {
                rows.add(p.row(r));
            }
        }
        return rows;
    }

    @Test
    void anUnterminatedQuoteInsideTheSniffingWindowIsRefusedNamingItsLine() throws Exception {
        Path file = file("quoted.csv", StrictCsvFiles.allQuoted(100, 50));

        assertThat(refusal(file)).contains(file.toString(), "line 51", "unterminated quote");
    }

    @Test
    void anUnterminatedQuotePastTheSniffingWindowIsRefusedAtDescribeNamingItsLine() throws Exception {
        Path file = file("long.csv", StrictCsvFiles.allQuoted(30_000, 29_999));

        assertThat(refusal(file)).contains(file.toString(), "line 30000", "unterminated quote");
    }

    @Test
    void aWellQuotedFileIsStoredWithoutItsQuotes() throws Exception {
        List<List<Object>> rows = readAll(file("quoted.csv", StrictCsvFiles.allQuoted(100, 0)));

        assertThat(rows).hasSize(100);
        assertThat(rows.get(49)).containsExactly(50L, "name 50", 50L);
    }

    @Test
    void aValueThatDoesNotFitTheSampledTypeLateInTheFileMakesTheColumnText() throws Exception {
        StringBuilder b = new StringBuilder("id,x\n");
        for (int i = 1; i <= 30_000; i++) {
            b.append(i).append(',').append(i).append('\n');
        }
        b.append("30001,abc\n");
        Path file = file("late.csv", b.toString());

        List<List<Object>> rows = readAll(file);

        assertThat(rows).hasSize(30_001);
        assertThat(rows.get(0)).containsExactly(1L, "1");
        assertThat(rows.get(30_000)).containsExactly(30_001L, "abc");
    }

    @Test
    void duplicateHeaderNamesAreRefusedNotRenamed() throws Exception {
        Path file = file("dup.csv", "id,name,Name\n1,a,b\n");

        assertThat(refusal(file)).contains(file.toString(), "line 1", "'name'", "'Name'", "columns 2 and 3");
    }

    @Test
    void aLineWithMoreFieldsThanTheHeaderIsRefusedNamingItsLine() throws Exception {
        Path file = file("more.csv", "id,name\n1,a\n2,b,c\n3,d\n");

        assertThat(refusal(file)).contains(file.toString(), "line 3", "3 fields", "header names 2");
    }

    @Test
    void aLineWithFewerFieldsThanTheHeaderIsRefusedNamingItsLine() throws Exception {
        Path file = file("fewer.csv", "id,name,v\n1,a,1\n2,b\n3,d,3\n");

        assertThat(refusal(file)).contains(file.toString(), "line 3", "2 fields", "header names 3");
    }

    @Test
    void anEmptyFileIsRefusedAsEmpty() throws Exception {
        Path file = file("empty.csv", "");

        assertThat(refusal(file)).contains(file.toString(), "is empty", "header");
    }

    @Test
    void aHeaderOnlyFileIsZeroRowsOfItsColumns() throws Exception {
        Path file = file("header.csv", "id,name,v\n");

        try (RowFileReader reader = new RowFileReader()) {
            RowFileReader.FileShape shape = reader.describe(file);
            assertThat(shape.rows()).isZero();
            assertThat(shape.columns()).extracting(Column::name).containsExactly("id", "name", "v");
        }
    }

    @Test
    void aFileThatIsNotUtf8IsRefusedSayingSo() throws Exception {
        Path file = Files.write(dir.resolve("latin1.csv"), "id,name\n1,caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

        assertThat(refusal(file)).contains(file.toString(), "not utf-8 encoded");
    }

    @Test
    void aDirectoryIsRefusedAsADirectory() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("day1.csv"));

        assertThat(refusal(folder)).contains(folder.toString(), "is a directory").doesNotContain("no such file");
    }

    @Test
    void aTsvFileIsSplitOnTabsOnlyAndQuotesAreDoubled() throws Exception {
        Path file = file("t.tsv", "id\tname\n1\ta,b\n2\t\"x\"\"y\"\n");

        List<List<Object>> rows = readAll(file);

        assertThat(rows).containsExactly(List.of(1L, "a,b"), List.of(2L, "x\"y"));
    }

    @Test
    void aLineStartingWithAHashIsDataNotAComment() throws Exception {
        Path file = file("hash.csv", "name,n\n#1,1\n#2,2\n");

        List<List<Object>> rows = readAll(file);

        assertThat(rows).containsExactly(List.of("#1", 1L), List.of("#2", 2L));
    }

    @Test
    void dayFirstDatesAndCrLfLinesAreReadAsTheSnifferFoundThemOverTheWholeFile() throws Exception {
        Path file = file("dates.csv", "id,day,note\r\n1,05/01/2026,\"a\r\nb\"\r\n2,31/01/2026,c\r\n");

        List<List<Object>> rows = readAll(file);

        assertThat(rows).containsExactly(List.of(1L, java.time.LocalDate.of(2026, 1, 5), "a\r\nb"),
                List.of(2L, java.time.LocalDate.of(2026, 1, 31), "c"));
    }

    @Test
    void aFileChangedAfterItWasDescribedFailsItsReadNamingTheLineInsteadOfBeingReadAnew() throws Exception {
        Path file = file("changed.csv", "id,n\n1,1\n2,2\n");
        try (RowFileReader reader = new RowFileReader()) {
            RowFileReader.FileShape shape = reader.describe(file);
            Files.writeString(file, "id,n\n1,1\n2,two\n");
            Schema schema = Schema.of(shape.columns(), List.of("id"));

            RowFileException e = catchThrowableOfType(() -> reader.read(shape, schema, "t", null, 1, p -> { }), RowFileException.class);

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).contains(file + ": read failed after ", "line 3", "\"two\"", "BIGINT");
        }
    }

    @Test
    void headerNamesLoseTheirSurroundingBlanksAsDuckDbNamesTheColumns() throws Exception {
        try (RowFileReader reader = new RowFileReader()) {
            assertThat(reader.describe(file("spaced.csv", "id, name ,\" v \"\n1,a,2\n")).columns()).extracting(Column::name)
                    .containsExactly("id", "name", "v");
            assertThat(reader.describe(file("spaced-header.csv", "id, name \n")).columns()).extracting(Column::name)
                    .containsExactly("id", "name");
        }
    }

    @Test
    void aHeaderThatLooksSplitOnAnotherDelimiterIsRefusedSayingWhichDelimiterIsRead() throws Exception {
        Path semicolons = file("semi.csv", "id;name\n1;a\n");
        Path commas = file("commas.tsv", "id,name\n1,a\n");

        assertThat(refusal(semicolons)).contains(semicolons + ": line 1 (the header): one column named 'id;name'", "split on ';'",
                "fanout splits a .csv or .txt file on ','");
        assertThat(refusal(commas)).contains("split on ','", "a .tsv file on tabs");
    }
}
