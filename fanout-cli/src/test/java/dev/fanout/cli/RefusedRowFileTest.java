package dev.fanout.cli;

import dev.fanout.cli.input.StrictCsvFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A row file is a unit: one that cannot be read whole — a malformed line wherever it is, an empty
 * file, duplicate header names, bytes that are not UTF-8 — is refused before any of its rows moves,
 * the summary says which and why, the run exits 1, and the other files of the same ingest are
 * committed. A path that is no row file at all (a directory) is a mistake on the command line: exit 2,
 * nothing run.
 */
@Timeout(180)
class RefusedRowFileTest {

    @TempDir
    Path work;

    private Path topology() throws IOException {
        return Files.writeString(work.resolve("t.yaml"), """
                version: 1
                destinations:
                  main: { uri: "duckdb:data/main.duckdb" }
                default: main
                tables:
                  good:   { primary_key: [id], version_column: v }
                  bad50:  { primary_key: [id], version_column: v }
                  bad30k: { primary_key: [id], version_column: v }
                  header: { primary_key: [id], version_column: v }
                batch: { max_rows: 1000, max_age: 50ms }
                """);
    }

    private Path file(String name, String text) throws IOException {
        return Files.writeString(work.resolve(name), text);
    }

    private CliRun ingest(Path... files) throws IOException {
        List<String> args = new ArrayList<>(List.of("ingest", "--no-progress", "--packet-rows", "1000", "--topology", topology().toString()));
        for (Path f : files) {
            args.add(f.toString());
        }
        return fanout(args.toArray(String[]::new));
    }

    private Path good() throws IOException {
        return file("good.csv", StrictCsvFiles.allQuoted(200, 0));
    }

    @Test
    void aMalformedQuoteInsideAndPastTheSniffingWindowRefusesThoseFilesAndCommitsTheOthers() throws Exception {
        Path good = good();
        Path bad50 = file("bad50.csv", StrictCsvFiles.allQuoted(100, 50));
        Path bad30k = file("bad30k.csv", StrictCsvFiles.allQuoted(40_000, 30_000));

        CliRun run = ingest(bad50, good, bad30k);

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.out()).contains("2 files refused:",
                bad50 + ": line 51: unterminated quote", bad30k + ": line 30001: unterminated quote", "none of its rows was submitted");
        assertThat(run.err()).contains("refused " + bad50 + ": line 51", "refused " + bad30k + ": line 30001");
        assertThat(DuckDbFiles.rowCounts(work.resolve("data/main.duckdb"))).containsExactly(Map.entry("good", 200L));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + work.resolve("data/main.duckdb"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM good WHERE id = 50")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("name 50");
        }
    }

    @Test
    void anEmptyFileRaggedRowsDuplicateNamesAndNonUtf8AreEachRefusedSayingWhy() throws Exception {
        Path good = good();
        Path empty = file("bad50.csv", "");
        Path ragged = file("header.csv", "id,name,v\n1,a,1\n2,b\n");
        Path duplicate = file("header.tsv", "id\tv\tV\n1\t1\t2\n");
        Path latin1 = Files.write(work.resolve("header.txt"), "id,name,v\n1,caf\u00e9,1\n".getBytes(StandardCharsets.ISO_8859_1));

        CliRun run = ingest(empty, good, ragged, duplicate, latin1);

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.out()).contains("4 files refused:", empty + ": is empty",
                ragged + ": line 3: 2 fields where the header names 3", duplicate + ": line 1 (the header): columns 2 and 3",
                latin1 + ": line 2: not utf-8 encoded");
        assertThat(DuckDbFiles.rowCounts(work.resolve("data/main.duckdb"))).containsExactly(Map.entry("good", 200L));
    }

    @Test
    void aDirectoryGivenAsAFileIsAUsageErrorSayingItIsADirectory() throws Exception {
        Path folder = Files.createDirectories(work.resolve("day1"));

        CliRun run = ingest(good(), folder);

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(2);
        assertThat(run.err()).contains(folder + ": is a directory, not a row file; name the files in it instead")
                .doesNotContain("no such file");
        assertThat(Files.exists(work.resolve("data/main.duckdb"))).isFalse();
    }

    @Test
    void aHeaderOnlyFileIsAnEmptyInputNotAnError() throws Exception {
        Path good = good();
        Path header = file("header.csv", "\"id\",\"name\",\"v\"\n");

        CliRun run = ingest(header, good);

        assertThat(run.code()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("submitted " + header + ": 0 rows as table header").doesNotContain("refused");
        assertThat(DuckDbFiles.rowCounts(work.resolve("data/main.duckdb"))).containsExactly(Map.entry("good", 200L));
    }

    @Test
    void aHeaderOnlyFileWithoutTheKeyColumnIsAConfigurationProblem() throws Exception {
        Path header = file("header.csv", "name,v\n");

        CliRun run = ingest(good(), header);

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(2);
        assertThat(run.err()).contains(header + " (table header): primary key column 'id' is not among the columns [name, v]");
    }
}
