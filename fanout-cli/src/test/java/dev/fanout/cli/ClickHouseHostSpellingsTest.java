package dev.fanout.cli;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterStore;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One ClickHouse server under two host spellings ({@code localhost} and {@code 127.0.0.1}) is one
 * target once the writers have reached it: the same database under both is refused — at
 * {@code validate --connect} (exit 2, both names) and during an ingest, where the later destination's
 * packets are parked with that reason while the earlier one commits — and two databases under the
 * two spellings are two targets.
 */
@ExtendWith(ClickHouseServerExtension.class)
@Timeout(300)
class ClickHouseHostSpellingsTest {

    private static final int TRADES = 200;
    private static final int QUOTES = 80;

    @TempDir
    Path work;

    private Path topology(ClickHouseServer server, String firstDatabase, String secondDatabase) throws IOException {
        return Files.writeString(work.resolve("spellings.yaml"), """
                version: 1
                destinations:
                  by_name: { uri: "ch://localhost:%d/%s" }
                  by_ip:   { uri: "ch://127.0.0.1:%d/%s" }
                routes:
                  - { match: { table: trades }, to: by_name }
                  - { match: { table: quotes }, to: by_ip }
                tables:
                  trades: { primary_key: [trade_id], version_column: v }
                  quotes: { primary_key: [symbol], version_column: v }
                batch: { max_rows: 100, max_age: 50ms }
                retry: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 5ms }
                dlq: { path: data/dlq }
                """.formatted(server.httpPort(), firstDatabase, server.httpPort(), secondDatabase));
    }

    private String[] ingest(Path topology) throws IOException {
        List<Path> inputs = DuckDbFiles.tradesAndQuotes(work.resolve("in"), TRADES, QUOTES);
        return new String[] {"ingest", "--no-progress", "--topology", topology.toString(), inputs.get(0).toString(),
                inputs.get(1).toString()};
    }

    @Test
    void validateConnectRefusesOneDatabaseUnderTwoHostSpellings(ClickHouseServer server) throws IOException {
        Path topology = topology(server, "spelled_validate", "spelled_validate");
        assertThat(fanout("validate", topology.toString()).code()).as("the names differ: the static checks pass").isEqualTo(0);

        CliRun run = fanout("validate", "--connect", topology.toString());

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(2);
        assertThat(run.out() + run.err()).contains("destinations 'by_name' and 'by_ip' are one ClickHouse database",
                "spelled_validate");
    }

    @Test
    void ingestParksTheLaterSpellingWhileTheFirstCommits(ClickHouseServer server) throws Exception {
        String database = "spelled_ingest";
        CliRun run = fanout(ingest(topology(server, database, database)));

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(server.scalar("SELECT count() FROM " + database + ".trades FINAL")).isEqualTo(String.valueOf(TRADES));
        assertThat(server.scalar("SELECT count() FROM system.tables WHERE database = '" + database + "' AND name = 'quotes'"))
                .as("nothing written through the second spelling").isEqualTo("0");
        List<DeadLetter> parked;
        try (DeadLetterStore store = DeadLetterStore.openReadOnly(work.resolve("data/dlq"))) {
            assertThat(store.tables()).containsExactly("quotes");
            parked = store.records("quotes");
        }
        assertThat(parked).isNotEmpty().allSatisfy(d -> {
            assertThat(d.destination()).isEqualTo("by_ip");
            assertThat(d.retryable()).isFalse();
            assertThat(d.message()).contains("destinations 'by_name' and 'by_ip' are one ClickHouse database");
        });
        assertThat(parked.stream().mapToLong(d -> d.packet().rowCount()).sum()).isEqualTo(QUOTES);
    }

    @Test
    void twoDatabasesUnderTwoSpellingsAreTwoTargets(ClickHouseServer server) throws Exception {
        CliRun run = fanout(ingest(topology(server, "spelled_one", "spelled_two")));

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(0);
        assertThat(server.scalar("SELECT count() FROM spelled_one.trades FINAL")).isEqualTo(String.valueOf(TRADES));
        assertThat(server.scalar("SELECT count() FROM spelled_two.quotes FINAL")).isEqualTo(String.valueOf(QUOTES));
        assertThat(fanout("validate", "--connect", work.resolve("spellings.yaml").toString()).code()).isEqualTo(0);
    }
}
