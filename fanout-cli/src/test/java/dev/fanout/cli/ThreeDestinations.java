package dev.fanout.cli;

import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The topology and expectation of the "a destination that cannot be opened" tests, written once:
 * trades to a destination of the test's choosing (the one it breaks), the quotes tables to
 * {@code data/quotes.duckdb}, everything else to {@code data/main.duckdb}, the dead letters in
 * {@code data/dlq}, two attempts per batch so a broken destination parks quickly. Public for the
 * distribution tests (this module's test-jar), which run the same case from the unpacked tarball.
 */
public final class ThreeDestinations {

    private ThreeDestinations() {
    }

    /**
     * Writes {@code file} under {@code work}: the trades destination is {@code tradesName} with the
     * YAML flow mapping {@code tradesDestination} (e.g. <code>{ uri: "duckdb:data/trades.duckdb" }</code>).
     */
    public static Path topology(Path work, String file, String tradesName, String tradesDestination) throws IOException {
        return Files.writeString(work.resolve(file), """
                version: 1
                destinations:
                  %s: %s
                  quotes_db: { uri: "duckdb:data/quotes.duckdb" }
                  main_db:   { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: %s }
                  - { match: { table: "quotes_*" }, to: quotes_db }
                default: main_db
                tables:
                  trades:      { primary_key: [trade_id], version_column: updated_at }
                  quotes_us:   { primary_key: [symbol], version_column: ts }
                  quotes_eu:   { primary_key: [symbol], version_column: ts }
                  bars:        { primary_key: [symbol, day], version_column: updated_at }
                  instruments: { primary_key: [symbol], version_column: updated_at }
                batch: { max_rows: 50000, max_age: 200ms }
                retry: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 5ms }
                dlq: { path: data/dlq }
                """.formatted(tradesName, tradesDestination, tradesName));
    }

    /**
     * The phase-2 expectation ({@link Examples#expectation}) placed as this topology places it: the
     * trades under {@code tradesStore} (a DuckDB file name, or {@link Examples#CLICKHOUSE}), the quotes
     * in quotes.duckdb, both bars files' rows and the instruments in main.duckdb.
     */
    public static Examples.Tables expectation(List<Path> inputs, String tradesStore) throws IOException {
        Examples.Tables phase2 = Examples.expectation(inputs);
        Examples.Tables expected = new Examples.Tables();
        expected.put(tradesStore, new TreeMap<>(Map.of("trades", phase2.get("trades.duckdb").get("trades"))));
        expected.put("quotes.duckdb", phase2.get("quotes.duckdb"));
        Map<String, Map<List<Object>, Map<String, Object>>> main = new TreeMap<>(phase2.get("main.duckdb"));
        Map<List<Object>, Map<String, Object>> bars = new HashMap<>(phase2.get("bars.duckdb").get("bars"));
        bars.putAll(phase2.get("bars_2025.duckdb").get("bars"));
        main.put("bars", bars);
        expected.put("main.duckdb", main);
        return expected;
    }

    /** The expectation without the trades destination's store: what the two healthy ones must hold. */
    public static Examples.Tables withoutTrades(Examples.Tables expected, String tradesStore) {
        Examples.Tables others = new Examples.Tables();
        others.putAll(expected);
        others.remove(tradesStore);
        return others;
    }

    /** The arguments of {@code fanout ingest --no-progress --topology TOPOLOGY FLAGS... INPUTS...}. */
    public static String[] ingest(Path topology, List<Path> inputs, String... flags) {
        List<String> args = new ArrayList<>(List.of("ingest", "--no-progress", "--topology", topology.toString()));
        args.addAll(List.of(flags));
        inputs.forEach(p -> args.add(p.toString()));
        return args.toArray(String[]::new);
    }

    /** The data rows of the trades files: what a broken trades destination's parked packets hold. */
    public static long tradeRows(List<Path> inputs) throws IOException {
        long rows = 0;
        for (Path p : inputs) {
            if (p.getFileName().toString().equals("trades.csv")) {
                rows += Files.readAllLines(p).size() - 1;
            }
        }
        return rows;
    }

    /** Every dead letter under {@code dlq}, of every table. */
    public static List<DeadLetter> parked(Path dlq) throws IOException {
        List<DeadLetter> all = new ArrayList<>();
        try (DeadLetterStore store = DeadLetterStore.openReadOnly(dlq)) {
            for (String table : store.tables()) {
                all.addAll(store.records(table));
            }
        }
        return all;
    }
}
