package dev.fanout.cli;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Router;
import dev.fanout.api.Schema;
import dev.fanout.core.dispatch.Dispatcher;
import dev.fanout.core.dispatch.DispatcherSettings;
import dev.fanout.core.dispatch.PacketOutcome;
import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterStore;
import dev.fanout.writer.duckdb.DuckDbWriterProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One DuckDB file under two names that no path normalisation joins — a hard link — is one physical
 * target: {@code fanout validate} refuses the pair naming both destinations, an ingest parks the
 * packets of the later destination in the topology with that reason and writes nothing through its
 * name while the earlier one commits, and a file created by one writer of this process is refused to
 * a second name opened afterwards.
 */
@Timeout(180)
class HardLinkedDestinationsTest {

    private static final int TRADES = 300;
    private static final int QUOTES = 120;

    @TempDir
    Path work;

    private Path data() {
        return work.resolve("data");
    }

    /** data/a.duckdb, an empty DuckDB database, and data/h.duckdb, a hard link to it. */
    private void hardLinkedPair() throws Exception {
        Files.createDirectories(data());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + data().resolve("a.duckdb"))) {
            assertThat(c.isValid(1)).isTrue();
        }
        Files.createLink(data().resolve("h.duckdb"), data().resolve("a.duckdb"));
    }

    private Path topology() throws IOException {
        return Files.writeString(work.resolve("linked.yaml"), """
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
                batch: { max_rows: 100, max_age: 50ms }
                retry: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 5ms }
                dlq: { path: data/dlq }
                """);
    }

    @Test
    void validateRefusesTheHardLinkedPairNamingBoth() throws Exception {
        hardLinkedPair();

        CliRun run = fanout("validate", topology().toString());

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(2);
        assertThat(run.err()).contains("destinations 'a'", "and 'h'", "one DuckDB file", "device ", "inode ");
        assertThat(run.err()).contains("point one of them elsewhere", "a hard link");
    }

    @Test
    void ingestParksTheSecondNameAndWritesNothingThroughIt() throws Exception {
        hardLinkedPair();
        Path topology = topology();

        CliRun run = fanout(List.of("ingest", "--no-progress", "--topology", topology.toString(),
                DuckDbFiles.tradesAndQuotes(work.resolve("in"), TRADES, QUOTES).get(0).toString(), DuckDbFiles.tradesAndQuotes(work.resolve("in"), TRADES, QUOTES).get(1).toString()).toArray(String[]::new));

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(DuckDbFiles.rowCounts(data().resolve("a.duckdb"))).isEqualTo(Map.of("trades", (long) TRADES));
        List<DeadLetter> parked;
        try (DeadLetterStore store = DeadLetterStore.openReadOnly(data().resolve("dlq"))) {
            assertThat(store.tables()).containsExactly("quotes");
            parked = store.records("quotes");
        }
        assertThat(parked).isNotEmpty().allSatisfy(d -> {
            assertThat(d.destination()).isEqualTo("h");
            assertThat(d.retryable()).isFalse();
            assertThat(d.message()).contains("destinations 'a' and 'h' are one DuckDB file (device ", "inode ");
        });
        assertThat(parked.stream().mapToLong(d -> d.packet().rowCount()).sum()).isEqualTo(QUOTES);
        assertThat(run.out()).containsPattern("a +up ").containsPattern("h +down ");
    }

    /**
     * A migration whose source and target are one file under two names is refused at open, naming
     * both: copying the table onto itself and then deleting it "at the source" would empty it.
     */
    @Test
    void migrateRefusesASourceAndTargetThatAreOneFileAndDeletesNothing() throws Exception {
        Files.createDirectories(data());
        Path from = Files.writeString(work.resolve("from.yaml"), """
                version: 1
                destinations:
                  old: { uri: "duckdb:data/a.duckdb" }
                default: old
                tables:
                  trades: { primary_key: [trade_id], version_column: v }
                """);
        Path to = Files.writeString(work.resolve("to.yaml"), """
                version: 1
                destinations:
                  new: { uri: "duckdb:data/h.duckdb" }
                default: new
                tables:
                  trades: { primary_key: [trade_id], version_column: v }
                """);
        CliRun loaded = fanout("ingest", "--no-progress", "--topology", from.toString(), DuckDbFiles.tradesAndQuotes(work.resolve("in"), TRADES, QUOTES).get(0).toString());
        assertThat(loaded.code()).as(loaded.out() + loaded.err()).isEqualTo(0);
        Files.createLink(data().resolve("h.duckdb"), data().resolve("a.duckdb"));

        CliRun run = fanout("migrate", "--from", from.toString(), "--to", to.toString(), "--delete-source",
                "--state", work.resolve("state").toString());

        assertThat(run.code()).as(run.out() + run.err()).isNotEqualTo(0);
        assertThat(run.out() + run.err()).contains("destinations 'old' and 'new' are one DuckDB file", "nothing of this move was copied or deleted");
        assertThat(DuckDbFiles.rowCounts(data().resolve("a.duckdb"))).isEqualTo(Map.of("trades", (long) TRADES));
    }

    /**
     * The file does not exist when the first writer is created; once its dispatcher has opened it, a
     * hard link to it is made and a second dispatcher of this process gets the link: its destination
     * is refused at open and nothing reaches the file through it, though nothing refused it by name.
     */
    @Test
    void aFileCreatedByOneWriterIsRefusedToASecondNameInThisProcess() throws Exception {
        DuckDbWriterProvider duckdb = new DuckDbWriterProvider();
        Path first = data().resolve("new.duckdb");
        Path second = data().resolve("alias.duckdb");
        assertThat(first).doesNotExist();
        Schema schema = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.required("v", LogicalType.INT64)),
                List.of("id"), "v");
        Router toFirst = p -> List.of(new Router.RoutedPart("first", p));
        Router toSecond = p -> List.of(new Router.RoutedPart("second", p));
        DispatcherSettings settings = DispatcherSettings.DEFAULT;

        Map<String, BaseWriter> firstWriters = new LinkedHashMap<>();
        firstWriters.put("first", duckdb.create(Destination.of("first", "duckdb:" + first, work)));
        try (Dispatcher one = Dispatcher.start(toFirst, firstWriters, settings, new MetricRegistry())) {
            assertThat(one.submit(packet("trades", schema, 10)).join().status()).isEqualTo(PacketOutcome.Status.COMMITTED);
            Files.createLink(second, first);
            Map<String, BaseWriter> secondWriters = new LinkedHashMap<>();
            secondWriters.put("second", duckdb.create(Destination.of("second", "duckdb:" + second, work)));
            try (Dispatcher two = Dispatcher.start(toSecond, secondWriters, settings, new MetricRegistry())) {
                PacketOutcome refused = two.submit(packet("other", schema, 5)).join();

                assertThat(refused.status()).isEqualTo(PacketOutcome.Status.FAILED);
                assertThat(refused.reason()).get().asString().contains("'first'", "'second'", "one DuckDB file");
            }
        }
        assertThat(tablesOf(first)).isEqualTo(Map.of("trades", 10L));
    }

    private static FramePacket packet(String table, Schema schema, int rows) {
        FramePacket.Builder packet = FramePacket.builder(table, schema).version(1);
        for (long i = 0; i < rows; i++) {
            packet.addRow(i, 1L);
        }
        return packet.build();
    }

    private static Map<String, Long> tablesOf(Path file) throws Exception {
        Map<String, Long> tables = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT table_name FROM duckdb_tables()")) {
            List<String> names = new ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            for (String name : names) {
                try (ResultSet count = s.executeQuery("SELECT count(*) FROM \"" + name + "\"")) {
                    count.next();
                    tables.put(name, count.getLong(1));
                }
            }
        }
        return tables;
    }
}
