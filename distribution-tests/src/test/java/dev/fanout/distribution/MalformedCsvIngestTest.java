package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.cli.input.StrictCsvFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/fanout ingest} from the unpacked tarball with a good CSV file and one whose line 51
 * opens a quote it never closes: exit 1, the malformed file refused naming its line, and only the
 * good file's rows in the DuckDB destination, stored without quote characters.
 */
class MalformedCsvIngestTest {

    private static Installation installation;

    @TempDir
    Path work;

    @BeforeAll
    static void unpack() throws Exception {
        installation = Installation.unpack();
    }

    @Test
    void theMalformedFileIsRefusedNamingItsLineAndTheGoodOneIsCommitted() throws Exception {
        Files.writeString(work.resolve("t.yaml"), """
                version: 1
                destinations:
                  main: { uri: "duckdb:data/main.duckdb" }
                default: main
                tables:
                  good: { primary_key: [id], version_column: v }
                  bad:  { primary_key: [id], version_column: v }
                """);
        Files.writeString(work.resolve("good.csv"), StrictCsvFiles.allQuoted(200, 0));
        Files.writeString(work.resolve("bad.csv"), StrictCsvFiles.allQuoted(100, 50));

        Installation.Run r = installation.fanout(work, Map.of(), "ingest", "--no-progress", "--topology", "t.yaml", "bad.csv", "good.csv");

        assertThat(r.code()).as(r.output()).isEqualTo(1);
        assertThat(r.out()).as(r.output()).contains("200 rows committed", "1 file refused:",
                "bad.csv: line 51: unterminated quote", "none of its rows was submitted");
        assertThat(r.err()).as(r.output()).contains("refused bad.csv: line 51: unterminated quote");
        Properties readOnly = new Properties();
        readOnly.setProperty("duckdb.read_only", "true");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + work.resolve("data/main.duckdb"), readOnly);
             Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables ORDER BY table_name")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            assertThat(tables).containsExactly("good");
            try (ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE name LIKE '%\"%'), max(name) FROM good")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(200);
                assertThat(rs.getLong(2)).as("values stored with quote characters").isZero();
                assertThat(rs.getString(3)).isEqualTo("name 99");
            }
        }
    }
}
