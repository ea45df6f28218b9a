package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.cli.DuckDbFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One DuckDB file under two names (a hard link) from the unpacked tarball: {@code bin/fanout
 * validate} refuses the pair naming both destinations (exit 2), and {@code bin/fanout ingest} parks
 * the later destination's packets with that reason (exit 1) while the earlier one commits — the file
 * holds exactly the earlier destination's table with every row, nothing written through the link.
 */
class HardLinkedFileTest {

    private static final int TRADES = 500;
    private static final int QUOTES = 70;

    private static Installation installation;

    @TempDir
    Path work;

    @BeforeAll
    static void unpack() throws Exception {
        installation = Installation.unpack();
    }

    @Test
    void validateRefusesAndIngestParksTheSecondNameOfOneFile() throws Exception {
        Map<String, String> env = SampleWork.environment(null);
        Files.writeString(work.resolve("one.yaml"), """
                version: 1
                destinations:
                  a: { uri: "duckdb:data/a.duckdb" }
                default: a
                """);
        Installation.Run created = installation.fanout(work, env, "validate", "--connect", "one.yaml");
        assertThat(created.code()).as(created.output()).isZero();
        Files.createLink(work.resolve("data/h.duckdb"), work.resolve("data/a.duckdb"));
        Files.writeString(work.resolve("linked.yaml"), """
                version: 1
                destinations:
                  a: { uri: "duckdb:data/a.duckdb" }
                  h: { uri: "duckdb:data/h.duckdb" }
                routes:
                  - { match: { table: trades }, to: a }
                  - { match: { table: quotes }, to: h }
                tables:
                  trades: { primary_key: [trade_id], version_column: v }
                  quotes: { primary_key: [symbol], version_column: v }
                dlq: { path: data/dlq }
                """);
        DuckDbFiles.tradesAndQuotes(work, TRADES, QUOTES);

        Installation.Run validate = installation.fanout(work, env, "validate", "linked.yaml");

        assertThat(validate.code()).as(validate.output()).isEqualTo(2);
        assertThat(validate.err()).as(validate.output()).contains("linked.yaml:", "destinations 'a' and 'h' are one DuckDB file (device ",
                "point one of them elsewhere");

        Installation.Run ingest = installation.fanout(work, env, "ingest", "--no-progress", "--topology", "linked.yaml",
                "trades.csv", "quotes.csv");

        assertThat(ingest.code()).as(ingest.output()).isEqualTo(1);
        assertThat(ingest.out()).as(ingest.output()).containsPattern("a +up ").containsPattern("h +down ");
        assertThat(ingest.err()).as(ingest.output()).contains("destinations 'a' and 'h' are one DuckDB file", "fanout dlq replay");
        assertThat(DuckDbFiles.rowCounts(work.resolve("data/a.duckdb"))).isEqualTo(Map.of("trades", (long) TRADES));

        Installation.Run parked = installation.fanout(work, env, "dlq", "list", "--topology", "linked.yaml");
        assertThat(parked.code()).as(parked.output()).isZero();
        assertThat(parked.out()).as(parked.output()).contains("quotes").contains(Integer.toString(QUOTES))
                .doesNotContain("trades");
    }
}
