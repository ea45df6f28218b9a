package dev.fanout.cli;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.cli.testplugin.UnlinkedDuckDbProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin missing a library: its writer's {@code open()} throws {@code NoClassDefFoundError}
 * ({@link UnlinkedDuckDbProvider}). Every command that opens writers reports that destination with
 * the class that could not be loaded, in its documented form, instead of dying with an uncaught
 * error or a message that hides the cause.
 */
@Timeout(120)
class UnloadableWriterTest {

    private static final String MISSING = UnlinkedDuckDbProvider.MISSING_CLASS.replace('/', '.');
    private static final String CAUSE = "class " + MISSING + " is missing (java.lang.NoClassDefFoundError); add the jar that contains "
            + MISSING + " to the writer's plugin directory";

    @TempDir
    Path dir;

    private Path topology() throws IOException {
        return Files.writeString(dir.resolve("t.yaml"), """
                version: 1
                destinations:
                  hot: { uri: "unlinked:data/hot.duckdb" }
                  main_db: { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: hot }
                default: main_db
                tables:
                  trades: { primary_key: [id] }
                  orders: { primary_key: [id] }
                """);
    }

    @Test
    void validateConnectPrintsTheDestinationsLineWithTheMissingClassAndExitsTwo() throws IOException {
        CliRun r = fanout("validate", "--connect", topology().toString());

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.out()).contains("connecting:\n  hot: failed: " + CAUSE + "\n  main_db: ok\n");
        assertThat(r.err()).isEqualTo("1 of 2 destinations could not be opened\n");
    }

    @Test
    void ingestNamesTheMissingClassAsTheReasonTheDestinationIsDownAndTheOthersWrite() throws IOException {
        Path t = topology();
        Path trades = Files.writeString(dir.resolve("trades.csv"), "id,price\n1,2.5\n");
        Path orders = Files.writeString(dir.resolve("orders.csv"), "id,amount\n1,3.5\n");

        CliRun r = fanout("ingest", "--no-progress", "--topology", t.toString(), trades.toString(), orders.toString());

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("hot is down, its writer did not open: " + CAUSE + "\n").containsPattern("main_db +up +1 ");
        assertThat(r.err()).contains("table trades: 1 rows in packets not fully committed").contains(CAUSE);

        CliRun strict = fanout("ingest", "--no-progress", "--require-all-destinations", "--topology", t.toString(),
                trades.toString(), orders.toString());

        assertThat(strict.code()).as(strict.out() + strict.err()).isEqualTo(2);
        assertThat(strict.err()).isEqualTo("fanout ingest: could not open 1 destination: destination hot: " + CAUSE + "\n");
    }

    @Test
    void migrateFailsTheMovesToThatDestinationNamingTheMissingClassAndCompletesTheOthers() throws IOException {
        Path from = Files.writeString(dir.resolve("from.yaml"), """
                version: 1
                destinations:
                  market: { uri: "duckdb:data/market.duckdb" }
                default: market
                tables:
                  trades: { primary_key: [id] }
                  orders: { primary_key: [id] }
                """);
        Path trades = Files.writeString(dir.resolve("trades.csv"), "id,price\n1,2.5\n2,3.5\n");
        Path orders = Files.writeString(dir.resolve("orders.csv"), "id,amount\n1,3.5\n");
        CliRun ingest = fanout("ingest", "--no-progress", "--topology", from.toString(), trades.toString(), orders.toString());
        assertThat(ingest.code()).as(ingest.out() + ingest.err()).isEqualTo(0);

        CliRun r = fanout("migrate", "--no-progress", "--from", from.toString(), "--to", topology().toString());

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err()).contains("table trades (all rows, market -> hot)").contains("destination hot: " + CAUSE);
        assertThat(r.out()).contains("1 of 2 moves verified");
    }
}
