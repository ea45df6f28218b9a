package dev.fanout.cli;

import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterStore;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import dev.fanout.writer.clickhouse.ClickHouseTables;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Names that differ only by case, through {@code fanout ingest}: DuckDB compares identifiers
 * case-insensitively, so {@code Trades} and {@code trades} (or columns {@code Price} and
 * {@code price}) would be one table (one column) there — the later name is refused and parked naming
 * both, the earlier stays intact, the run exits 1 — within one run (the dispatcher refuses it) and
 * against a name an earlier run stored (the writer refuses it). ClickHouse tells them apart, so both
 * are stored, intact, and the run exits 0.
 */
@ExtendWith(ClickHouseServerExtension.class)
@Timeout(300)
class IdentifierCaseTest {

    @TempDir
    Path work;

    /** A CSV file {@code dir/name} with columns {@code id, <price>, v}: ids 1..rows, price id × factor, every version {@code version}. */
    private Path csv(String dir, String name, String priceColumn, int rows, double factor, long version) throws IOException {
        StringBuilder text = new StringBuilder("id," + priceColumn + ",v\n");
        for (int id = 1; id <= rows; id++) {
            text.append(id).append(',').append(id * factor).append(',').append(version).append('\n');
        }
        Path file = work.resolve(dir).resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private Path topology(String destinationUri) throws IOException {
        return Files.writeString(work.resolve("case.yaml"), """
                version: 1
                destinations:
                  main_db: { uri: "%s" }
                default: main_db
                tables:
                  Trades: { primary_key: [id], version_column: v }
                  trades: { primary_key: [id], version_column: v }
                  quotes: { primary_key: [id], version_column: v }
                batch: { max_rows: 50000, max_age: 50ms }
                retry: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 5ms }
                dlq: { path: data/dlq }
                """.formatted(destinationUri));
    }

    private static CliRun ingest(Path topology, Path... files) {
        List<String> args = new ArrayList<>(List.of("ingest", "--no-progress", "--topology", topology.toString()));
        for (Path f : files) {
            args.add(f.toString());
        }
        return fanout(args.toArray(String[]::new));
    }

    private List<DeadLetter> parked() throws IOException {
        List<DeadLetter> all = new ArrayList<>();
        try (DeadLetterStore store = DeadLetterStore.openReadOnly(work.resolve("data/dlq"))) {
            for (String table : store.tables()) {
                all.addAll(store.records(table));
            }
        }
        return all;
    }

    /** Table → id → column → value, every table of the DuckDB file, names as stored. */
    private static Map<String, Map<Long, Map<String, Object>>> duckDb(Path file) throws Exception {
        Map<String, Map<Long, Map<String, Object>>> tables = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            for (String name : names) {
                Map<Long, Map<String, Object>> rows = new TreeMap<>();
                try (ResultSet rs = s.executeQuery("SELECT * FROM \"" + name.replace("\"", "\"\"") + "\"")) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        Map<String, Object> row = new HashMap<>();
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            row.put(md.getColumnName(i), rs.getObject(i));
                        }
                        rows.put(((Number) row.get("id")).longValue(), row);
                    }
                }
                tables.put(name, rows);
            }
        }
        return tables;
    }

    /** Table → id → column → value, every table of the ClickHouse database, read with FINAL. */
    private static Map<String, Map<Long, Map<String, Object>>> clickHouse(ClickHouseServer server, String database) throws IOException {
        Map<String, Map<Long, Map<String, Object>>> tables = new TreeMap<>();
        for (String[] t : server.rows("SELECT name FROM system.tables WHERE database = '" + database + "'")) {
            Map<Long, Map<String, Object>> rows = new TreeMap<>();
            for (Map<String, Object> row : ClickHouseTables.rows(server, database, t[0])) {
                rows.put(((Number) row.get("id")).longValue(), row);
            }
            tables.put(t[0], rows);
        }
        return tables;
    }

    @Test
    void duckDbKeepsTheFirstOfTwoTablesDifferingOnlyByCaseAndParksTheSecondNamingBoth() throws Exception {
        Path upper = csv("in", "Trades.csv", "price", 100, 1.0, 5);
        Path lower = csv("in", "trades.csv", "price", 50, 100.0, 1);

        CliRun run = ingest(topology("duckdb:data/main.duckdb"), upper, lower);

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(1);
        Map<String, Map<Long, Map<String, Object>>> stored = duckDb(work.resolve("data/main.duckdb"));
        assertThat(stored.keySet()).containsExactly("Trades");
        assertThat(stored.get("Trades")).hasSize(100).allSatisfy((id, row) -> {
            assertThat(row).containsEntry("price", id * 1.0).containsEntry("v", 5L);
        });
        List<DeadLetter> parked = parked();
        assertThat(parked).isNotEmpty().allSatisfy(d -> {
            assertThat(d.packet().table()).isEqualTo("trades");
            assertThat(d.destination()).isEqualTo("main_db");
            assertThat(d.retryable()).isFalse();
            assertThat(d.message()).contains("'trades'", "'Trades'", "main_db", "case");
        });
        assertThat(parked.stream().mapToLong(d -> d.packet().rowCount()).sum()).isEqualTo(50);
        assertThat(run.err()).contains("trades").contains("Trades").contains("fanout dlq replay");
    }

    @Test
    void duckDbRefusesATableDifferingOnlyByCaseFromOneAnEarlierRunStored() throws Exception {
        Path topology = topology("duckdb:data/main.duckdb");
        CliRun first = ingest(topology, csv("in", "Trades.csv", "price", 100, 1.0, 5));
        assertThat(first.code()).as(first.out() + first.err()).isZero();

        CliRun second = ingest(topology, csv("in", "trades.csv", "price", 50, 100.0, 9));

        assertThat(second.code()).as(second.out() + second.err()).isEqualTo(1);
        Map<String, Map<Long, Map<String, Object>>> stored = duckDb(work.resolve("data/main.duckdb"));
        assertThat(stored.keySet()).containsExactly("Trades");
        assertThat(stored.get("Trades")).hasSize(100).allSatisfy((id, row) -> assertThat(row).containsEntry("v", 5L));
        List<DeadLetter> parked = parked();
        assertThat(parked).isNotEmpty().allSatisfy(d -> {
            assertThat(d.packet().table()).isEqualTo("trades");
            assertThat(d.retryable()).isFalse();
            assertThat(d.message()).contains("'trades'", "'Trades'", "main_db", "stored");
        });
        assertThat(parked.stream().mapToLong(d -> d.packet().rowCount()).sum()).isEqualTo(50);
    }

    @Test
    void duckDbKeepsTheFirstOfTwoColumnsDifferingOnlyByCaseAndParksThePacketsOfTheSecond() throws Exception {
        Path upper = csv("a", "quotes.csv", "Price", 30, 1.0, 1);
        Path lower = csv("b", "quotes.csv", "price", 20, 100.0, 2);

        CliRun run = ingest(topology("duckdb:data/main.duckdb"), upper, lower);

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(1);
        Map<String, Map<Long, Map<String, Object>>> stored = duckDb(work.resolve("data/main.duckdb"));
        assertThat(stored.keySet()).containsExactly("quotes");
        assertThat(stored.get("quotes")).hasSize(30).allSatisfy((id, row) -> {
            assertThat(row).containsOnlyKeys("id", "Price", "v", "_fanout_version").containsEntry("Price", id * 1.0).containsEntry("v", 1L);
        });
        List<DeadLetter> parked = parked();
        assertThat(parked).isNotEmpty().allSatisfy(d -> {
            assertThat(d.packet().table()).isEqualTo("quotes");
            assertThat(d.packet().schema().column("price")).isPresent();
            assertThat(d.message()).contains("'price'", "'Price'", "main_db", "case");
        });
        assertThat(parked.stream().mapToLong(d -> d.packet().rowCount()).sum()).isEqualTo(20);
    }

    @Test
    void clickHouseStoresTwoTablesDifferingOnlyByCaseBothIntact(ClickHouseServer server) throws Exception {
        String database = "case_tables";
        Path lower = csv("in", "trades.csv", "price", 50, 100.0, 1);
        Path upper = csv("in", "Trades.csv", "price", 100, 1.0, 5);

        CliRun run = ingest(topology(server.uri(database)), lower, upper);

        assertThat(run.code()).as(run.out() + run.err()).isZero();
        Map<String, Map<Long, Map<String, Object>>> stored = clickHouse(server, database);
        assertThat(stored.keySet()).containsExactlyInAnyOrder("Trades", "trades");
        assertThat(stored.get("trades")).hasSize(50).allSatisfy((id, row) -> assertThat(row).containsEntry("price", id * 100.0));
        assertThat(stored.get("Trades")).hasSize(100).allSatisfy((id, row) -> assertThat(row).containsEntry("price", id * 1.0));
        assertThat(parked()).isEmpty();
    }

    @Test
    void clickHouseStoresTwoColumnsDifferingOnlyByCaseBothIntact(ClickHouseServer server) throws Exception {
        String database = "case_columns";
        Path upper = csv("a", "quotes.csv", "Price", 30, 1.0, 1);
        Path lower = csv("b", "quotes.csv", "price", 20, 100.0, 2);

        CliRun run = ingest(topology(server.uri(database)), upper, lower);

        assertThat(run.code()).as(run.out() + run.err()).isZero();
        Map<Long, Map<String, Object>> quotes = clickHouse(server, database).get("quotes");
        assertThat(quotes).hasSize(30).allSatisfy((id, row) -> {
            assertThat(row).containsKeys("Price", "price");
            if (id <= 20) {
                assertThat(row).containsEntry("price", id * 100.0).containsEntry("Price", null).containsEntry("v", 2L);
            } else {
                assertThat(row).containsEntry("Price", id * 1.0).containsEntry("price", null).containsEntry("v", 1L);
            }
        });
        assertThat(parked()).isEmpty();
    }
}
