package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/fanout dlq compact} from the unpacked tarball: rows of two tables parked because the
 * topology routes them nowhere, one record replayed once the topology has a default destination, then
 * the store compacted — the replayed table's file shrinks to its live records, the untouched one keeps
 * its size, {@code dlq list} shows the same before and after, and a replay that empties the store
 * removes its files.
 */
class DlqCompactCommandTest {

    private static Installation installation;

    @TempDir
    Path work;

    @BeforeAll
    static void unpack() throws Exception {
        installation = Installation.unpack();
    }

    @Test
    void compactShrinksAReplayedTableToItsLiveRecords() throws Exception {
        Path topology = work.resolve("t.yaml");
        Files.writeString(topology, """
                version: 1
                destinations:
                  main_db: { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: orders }, to: main_db }
                tables:
                  orders: { primary_key: [id] }
                  quotes: { primary_key: [id] }
                  bars: { primary_key: [id] }
                dlq: { path: data/dlq }
                """);
        for (String table : new String[] {"orders", "quotes", "bars"}) {
            StringBuilder csv = new StringBuilder("id,amount\n");
            for (int i = 0; i < 100; i++) {
                csv.append(i).append(',').append(i).append(".5\n");
            }
            Files.writeString(work.resolve(table + ".csv"), csv);
        }
        Map<String, String> env = SampleWork.environment(null);

        Installation.Run ingest = installation.fanout(work, env, "ingest", "--no-progress", "--packet-rows", "10",
                "--topology", "t.yaml", "orders.csv", "quotes.csv", "bars.csv");
        assertThat(ingest.code()).as(ingest.output()).isEqualTo(1);
        assertThat(ingest.out()).as(ingest.output()).contains("20 packets (200 rows) not fully committed: 20 dead-lettered, 0 failed");
        assertThat(ingest.err()).contains("parked rows: fanout dlq list --topology t.yaml");
        Matcher id = Pattern.compile("bars\\.csv data rows 1-10 \\(packet [^)]*\\): dead-lettered as ([^:,\\s]+)").matcher(ingest.err());
        assertThat(id.find()).as(ingest.err()).isTrue();

        Files.writeString(topology, Files.readString(topology).replace("routes:", "default: main_db\nroutes:"));
        Installation.Run one = installation.fanout(work, env, "dlq", "replay", "--no-progress", "--topology", "t.yaml", "--id", id.group(1));
        assertThat(one.code()).as(one.output()).isZero();
        Path bars = work.resolve("data/dlq/bars.dlq");
        Path quotes = work.resolve("data/dlq/quotes.dlq");
        long barsBefore = Files.size(bars);
        long quotesBefore = Files.size(quotes);
        Installation.Run listBefore = installation.fanout(work, env, "dlq", "list", "--topology", "t.yaml");
        assertThat(listBefore.out()).as(listBefore.output()).containsPattern("bars +9 +90 ").containsPattern("quotes +10 +100 ");

        Installation.Run compact = installation.fanout(work, env, "dlq", "compact", "--topology", "t.yaml");

        assertThat(compact.code()).as(compact.output()).isZero();
        String b = String.format("%,d", quotesBefore);
        assertThat(compact.out()).containsPattern("quotes +10 +10 +" + b + " +" + b + " +rewritten")
                .containsPattern("compacted 2 tables in .*data/dlq: 21 → 19 records, ");
        Matcher barsRow = Pattern.compile("bars +11 +9 +" + String.format("%,d", barsBefore) + " +([\\d,]+) +rewritten")
                .matcher(compact.out());
        assertThat(barsRow.find()).as(compact.out()).isTrue();
        long barsAfter = Installation.number(barsRow.group(1));
        assertThat(Files.size(bars)).isEqualTo(barsAfter).isLessThan(barsBefore);
        assertThat(Files.size(quotes)).isEqualTo(quotesBefore);
        Installation.Run again = installation.fanout(work, env, "dlq", "compact", "--topology", "t.yaml", "--table", "bars");
        assertThat(again.out()).as("only live records are left to copy")
                .contains(String.format(": 9 → 9 records, %,d → %,d bytes (0 bytes reclaimed)", barsAfter, barsAfter));
        Installation.Run listAfter = installation.fanout(work, env, "dlq", "list", "--topology", "t.yaml");
        assertThat(listAfter.out()).isEqualTo(listBefore.out());

        Installation.Run rest = installation.fanout(work, env, "dlq", "replay", "--no-progress", "--topology", "t.yaml");
        assertThat(rest.code()).as(rest.output()).isZero();
        assertThat(rest.out()).containsPattern("every dead letter of tables bars, quotes replayed; their files in .*data/dlq are removed\n");
        assertThat(bars).doesNotExist();
        assertThat(quotes).doesNotExist();
    }
}
