package dev.fanout.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseTables;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped sample and what fanout must make of it, computed here from the input files alone
 * (plain Java parsing, not DuckDB): per key the row with the highest version wins, ties to the later
 * row; columns added by a later file are NULL in rows that file did not win.
 */
public final class Examples {

    public static final Path DIR = Path.of("..", "examples").toAbsolutePath().normalize();
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS]");
    private static final LocalDate ARCHIVE_BEFORE = LocalDate.parse("2026-01-01");

    /** The key under which {@link Tables} holds the tables of a ClickHouse database ({@link #readClickHouse}). */
    public static final String CLICKHOUSE = "clickhouse";
    private static final Map<String, List<String>> KEYS = Map.of("trades", List.of("trade_id"), "quotes_us", List.of("symbol"),
            "quotes_eu", List.of("symbol"), "bars", List.of("symbol", "day"), "instruments", List.of("symbol"));

    /** DuckDB file name (or {@link #CLICKHOUSE}) → table → key → column → value. */
    public static final class Tables extends TreeMap<String, Map<String, Map<List<Object>, Map<String, Object>>>> {
        private static final long serialVersionUID = 1L;
    }

    private Examples() {
    }

    /**
     * Asserts that {@code actual} holds exactly the files, tables, keys and rows of {@code expected},
     * and that each row's {@code _fanout_version} is its version column in microseconds.
     */
    public static void assertMatches(Tables expected, Tables actual) {
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (String file : expected.keySet()) {
            assertThat(actual.get(file).keySet()).as("tables in " + file).isEqualTo(expected.get(file).keySet());
            for (String table : expected.get(file).keySet()) {
                Map<List<Object>, Map<String, Object>> want = expected.get(file).get(table);
                Map<List<Object>, Map<String, Object>> got = actual.get(file).get(table);
                assertThat(got.keySet()).as(file + "/" + table + " keys").isEqualTo(want.keySet());
                String versionColumn = table.startsWith("quotes_") ? "ts" : "updated_at";
                for (List<Object> key : want.keySet()) {
                    Map<String, Object> row = new HashMap<>(got.get(key));
                    LocalDateTime versionValue = (LocalDateTime) want.get(key).get(versionColumn);
                    long micros = versionValue.toEpochSecond(ZoneOffset.UTC) * 1_000_000 + versionValue.getNano() / 1000;
                    assertThat(row.remove("_fanout_version")).as(file + "/" + table + " version of " + key).isEqualTo(micros);
                    assertThat(row).as(file + "/" + table + " row " + key).isEqualTo(want.get(key));
                }
            }
        }
    }

    /** The sample's input files of the given days, in the order the README ingests them. */
    public static List<Path> inputs(String... days) throws IOException {
        List<Path> inputs = new ArrayList<>();
        for (String day : days) {
            try (var files = Files.list(DIR.resolve("input").resolve(day))) {
                files.sorted().forEach(inputs::add);
            }
        }
        return inputs;
    }

    // ---- expectation from the input files, parsed here ----

    public static Tables expectation(List<Path> inputs) throws IOException {
        Tables files = new Tables();
        // trades: key trade_id, version updated_at
        Map<List<Object>, Versioned> trades = new LinkedHashMap<>();
        long seq = 0;
        for (Path f : inputsNamed(inputs, "trades.csv")) {
            for (Map<String, Object> r : csv(f, Map.of("executed_at", IngestTypes::ts, "updated_at", IngestTypes::ts,
                    "price", Double::parseDouble, "quantity", Long::parseLong))) {
                merge(trades, List.of(r.get("trade_id")), r, ((LocalDateTime) r.get("updated_at")), seq++);
            }
        }
        files.computeIfAbsent("trades.duckdb", k -> new TreeMap<>()).put("trades", rows(trades, "venue"));
        // quotes: key symbol, version ts
        for (String table : List.of("quotes_us", "quotes_eu")) {
            Map<List<Object>, Versioned> quotes = new LinkedHashMap<>();
            for (Path f : inputsNamed(inputs, table + ".ndjson")) {
                ObjectMapper json = new ObjectMapper();
                for (String line : Files.readAllLines(f)) {
                    JsonNode n = json.readTree(line);
                    Map<String, Object> r = quote(n);
                    merge(quotes, List.of(r.get("symbol")), r, (LocalDateTime) r.get("ts"), seq++);
                }
            }
            files.computeIfAbsent("quotes.duckdb", k -> new TreeMap<>()).put(table, rows(quotes));
        }
        // bars: key (symbol, day), version updated_at; split by day at the new year
        Map<List<Object>, Versioned> bars = new LinkedHashMap<>();
        for (Path f : inputsNamed(inputs, "bars.csv")) {
            for (Map<String, Object> r : csv(f, Map.of("day", LocalDate::parse, "open", Double::parseDouble,
                    "high", Double::parseDouble, "low", Double::parseDouble, "close", Double::parseDouble,
                    "volume", Long::parseLong, "updated_at", IngestTypes::ts))) {
                merge(bars, List.of(r.get("symbol"), r.get("day")), r, (LocalDateTime) r.get("updated_at"), seq++);
            }
        }
        Map<List<Object>, Versioned> archive = new LinkedHashMap<>();
        Map<List<Object>, Versioned> recent = new LinkedHashMap<>();
        bars.forEach((k, v) -> (((LocalDate) k.get(1)).isBefore(ARCHIVE_BEFORE) ? archive : recent).put(k, v));
        files.computeIfAbsent("bars_2025.duckdb", k -> new TreeMap<>()).put("bars", rows(archive));
        files.computeIfAbsent("bars.duckdb", k -> new TreeMap<>()).put("bars", rows(recent));
        // instruments: default destination
        Map<List<Object>, Versioned> instruments = new LinkedHashMap<>();
        for (Path f : inputsNamed(inputs, "instruments.csv")) {
            for (Map<String, Object> r : csv(f, Map.of("lot_size", Long::parseLong, "listed", Boolean::parseBoolean,
                    "updated_at", IngestTypes::ts))) {
                merge(instruments, List.of(r.get("symbol")), r, (LocalDateTime) r.get("updated_at"), seq++);
            }
        }
        files.computeIfAbsent("main.duckdb", k -> new TreeMap<>()).put("instruments", rows(instruments));
        return files;
    }

    /**
     * What each phase-2 destination's writer must count of {@code inputs} ingested in one run into
     * empty files: rows received, and of them applied — inserted, or replacing a stored row of a lower
     * version, or of the same version with other values — the rest skipped. Each input file is one
     * packet per destination; the packets of one table at a destination in {@code coalesced} share one
     * batch (rows superseded within it are skipped), elsewhere each is a batch of its own.
     *
     * @return destination → {received, applied}
     */
    public static Map<String, long[]> counts(List<Path> inputs, java.util.Set<String> coalesced) throws IOException {
        Map<String, Map<String, List<List<Keyed>>>> packets = new TreeMap<>();
        for (Path f : inputs) {
            Map<String, List<Keyed>> byDestination = new TreeMap<>();
            for (Keyed r : keyedRows(f)) {
                byDestination.computeIfAbsent(destinationOf(r), d -> new ArrayList<>()).add(r);
            }
            byDestination.forEach((d, rows) -> packets.computeIfAbsent(d, k -> new TreeMap<>())
                    .computeIfAbsent(rows.get(0).table(), t -> new ArrayList<>()).add(rows));
        }
        Map<String, long[]> out = new TreeMap<>();
        packets.forEach((destination, tables) -> {
            long[] c = out.computeIfAbsent(destination, d -> new long[2]);
            tables.forEach((table, tablePackets) -> {
                List<List<Keyed>> batches = coalesced.contains(destination)
                        ? List.of(tablePackets.stream().flatMap(List::stream).toList()) : tablePackets;
                Map<List<Object>, Keyed> stored = new HashMap<>();
                for (List<Keyed> batch : batches) {
                    Map<List<Object>, Keyed> winners = new LinkedHashMap<>();
                    for (Keyed r : batch) {
                        c[0]++;
                        Keyed old = winners.get(r.key());
                        if (old == null || r.version().compareTo(old.version()) >= 0) {
                            winners.put(r.key(), r);
                        }
                    }
                    for (Keyed w : winners.values()) {
                        Keyed old = stored.get(w.key());
                        int newer = old == null ? 1 : w.version().compareTo(old.version());
                        if (newer > 0 || newer == 0 && !w.row().equals(old.row())) {
                            c[1]++;
                            stored.put(w.key(), w);
                        }
                    }
                }
            });
        });
        return out;
    }

    /** A row of an input file with its table, key and version; later columns the file lacks are null in {@code row}. */
    private record Keyed(String table, List<Object> key, LocalDateTime version, Map<String, Object> row) {
    }

    private static String destinationOf(Keyed r) {
        return switch (r.table()) {
            case "trades" -> "trades_db";
            case "quotes_us", "quotes_eu" -> "quotes_db";
            case "bars" -> ((LocalDate) r.key().get(1)).isBefore(ARCHIVE_BEFORE) ? "bars_archive" : "bars_db";
            default -> "main_db";
        };
    }

    /** The rows of one input file, parsed as {@link #expectation} parses them. */
    private static List<Keyed> keyedRows(Path f) throws IOException {
        String name = f.getFileName().toString();
        List<Keyed> out = new ArrayList<>();
        if (name.equals("trades.csv")) {
            for (Map<String, Object> r : csv(f, Map.of("executed_at", IngestTypes::ts, "updated_at", IngestTypes::ts,
                    "price", Double::parseDouble, "quantity", Long::parseLong))) {
                r.putIfAbsent("venue", null);
                out.add(new Keyed("trades", List.of(r.get("trade_id")), (LocalDateTime) r.get("updated_at"), r));
            }
        } else if (name.endsWith(".ndjson")) {
            String table = name.substring(0, name.length() - ".ndjson".length());
            ObjectMapper json = new ObjectMapper();
            for (String line : Files.readAllLines(f)) {
                JsonNode n = json.readTree(line);
                Map<String, Object> r = quote(n);
                out.add(new Keyed(table, List.of(r.get("symbol")), (LocalDateTime) r.get("ts"), r));
            }
        } else if (name.equals("bars.csv")) {
            for (Map<String, Object> r : csv(f, Map.of("day", LocalDate::parse, "open", Double::parseDouble,
                    "high", Double::parseDouble, "low", Double::parseDouble, "close", Double::parseDouble,
                    "volume", Long::parseLong, "updated_at", IngestTypes::ts))) {
                out.add(new Keyed("bars", List.of(r.get("symbol"), r.get("day")), (LocalDateTime) r.get("updated_at"), r));
            }
        } else if (name.equals("instruments.csv")) {
            for (Map<String, Object> r : csv(f, Map.of("lot_size", Long::parseLong, "listed", Boolean::parseBoolean,
                    "updated_at", IngestTypes::ts))) {
                out.add(new Keyed("instruments", List.of(r.get("symbol")), (LocalDateTime) r.get("updated_at"), r));
            }
        } else {
            throw new IllegalArgumentException("not an input of the sample: " + f);
        }
        return out;
    }

    /**
     * The phase-2 expectation ({@link #expectation}) placed as {@code phase-3.yaml} places it: trades,
     * both quotes tables and the bars from 2026-01-01 in ClickHouse; the 2025 bars in
     * {@code bars_2025.duckdb} and the instruments in {@code main.duckdb}, as in phase 2.
     */
    public static Tables phase3(Tables phase2) {
        Tables out = new Tables();
        Map<String, Map<List<Object>, Map<String, Object>>> clickhouse = new TreeMap<>();
        clickhouse.put("trades", phase2.get("trades.duckdb").get("trades"));
        clickhouse.putAll(phase2.get("quotes.duckdb"));
        clickhouse.put("bars", phase2.get("bars.duckdb").get("bars"));
        out.put(CLICKHOUSE, clickhouse);
        out.put("bars_2025.duckdb", phase2.get("bars_2025.duckdb"));
        out.put("main.duckdb", phase2.get("main.duckdb"));
        return out;
    }

    /** The phase-2 expectation placed as {@code phase-4.yaml} places it: every table in ClickHouse, bars of both years in one. */
    public static Tables phase4(Tables phase2) {
        Map<String, Map<List<Object>, Map<String, Object>>> clickhouse = new TreeMap<>();
        phase2.forEach((file, tables) -> tables.forEach((table, rows) ->
                clickhouse.computeIfAbsent(table, t -> new HashMap<>()).putAll(rows)));
        Tables out = new Tables();
        out.put(CLICKHOUSE, clickhouse);
        return out;
    }

    private record Versioned(LocalDateTime version, long seq, Map<String, Object> row) {
    }

    private static void merge(Map<List<Object>, Versioned> table, List<Object> key, Map<String, Object> row,
                              LocalDateTime version, long seq) {
        Versioned old = table.get(key);
        if (old == null || version.compareTo(old.version()) >= 0) {
            table.put(key, new Versioned(version, seq, row));
        }
    }

    private static Map<List<Object>, Map<String, Object>> rows(Map<List<Object>, Versioned> table, String... laterColumns) {
        Map<List<Object>, Map<String, Object>> out = new HashMap<>();
        table.forEach((k, v) -> {
            Map<String, Object> r = new HashMap<>(v.row());
            for (String c : laterColumns) {
                r.putIfAbsent(c, null);
            }
            out.put(k, r);
        });
        return out;
    }

    private static List<Path> inputsNamed(List<Path> inputs, String name) {
        return inputs.stream().filter(p -> p.getFileName().toString().equals(name)).toList();
    }

    private static List<Map<String, Object>> csv(Path file, Map<String, Function<String, Object>> types) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String[] header = lines.get(0).split(",");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            Map<String, Object> r = new LinkedHashMap<>();
            for (int i = 0; i < header.length; i++) {
                String cell = cells[i].replace("\"", "");
                r.put(header[i], types.getOrDefault(header[i], s -> s).apply(cell));
            }
            rows.add(r);
        }
        return rows;
    }

    /** Parsers for the sample's text values. */
    static final class IngestTypes {
        static Object ts(String s) {
            return LocalDateTime.parse(s, TS);
        }
    }

    // ---- what fanout wrote ----

    public static Tables readAll(Path dataDir) throws Exception {
        Tables files = new Tables();
        try (var list = Files.list(dataDir)) {
            for (Path db : list.filter(p -> p.toString().endsWith(".duckdb")).toList()) {
                Map<String, Map<List<Object>, Map<String, Object>>> tables = new TreeMap<>();
                try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db, readOnly());
                     Statement s = c.createStatement()) {
                    List<String> names = new ArrayList<>();
                    try (ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")) {
                        while (rs.next()) {
                            names.add(rs.getString(1));
                        }
                    }
                    for (String name : names) {
                        Map<List<Object>, Map<String, Object>> rows = new HashMap<>();
                        try (ResultSet rs = s.executeQuery("SELECT * FROM \"" + name + "\"")) {
                            ResultSetMetaData md = rs.getMetaData();
                            while (rs.next()) {
                                Map<String, Object> r = new HashMap<>();
                                for (int i = 1; i <= md.getColumnCount(); i++) {
                                    Object v = rs.getObject(i);
                                    if (v instanceof java.sql.Timestamp || v instanceof LocalDateTime) {
                                        v = rs.getObject(i, LocalDateTime.class);
                                    } else if (v instanceof java.sql.Date || v instanceof LocalDate) {
                                        v = rs.getObject(i, LocalDate.class);
                                    } else if (v instanceof Integer n) {
                                        v = n.longValue();
                                    }
                                    r.put(md.getColumnName(i), v);
                                }
                                List<Object> key = KEYS.get(name).stream().map(r::get).toList();
                                assertThat(rows.put(key, r)).as("duplicate key " + key + " in " + db + "/" + name).isNull();
                            }
                        }
                        tables.put(name, rows);
                    }
                }
                files.put(db.getFileName().toString(), tables);
            }
        }
        return files;
    }

    /**
     * Every table of a ClickHouse database, read with {@code FINAL} by the harness's reader (the
     * server's own HTTP interface, not the writer's client), values as {@link #readAll} gives them:
     * timestamps (µs since the epoch on 18.16, {@code DateTime64} on newer servers) as UTC
     * {@link LocalDateTime}, dates as {@link LocalDate}, 32-bit integers widened to long.
     */
    public static Map<String, Map<List<Object>, Map<String, Object>>> readClickHouse(ClickHouseServer server, String database)
            throws IOException {
        Map<String, Map<List<Object>, Map<String, Object>>> tables = new TreeMap<>();
        for (String[] t : server.rows("SELECT name FROM system.tables WHERE database = '" + database + "'")) {
            String name = t[0];
            Map<List<Object>, Map<String, Object>> rows = new HashMap<>();
            for (Map<String, Object> stored : ClickHouseTables.rows(server, database, name)) {
                Map<String, Object> r = new HashMap<>();
                stored.forEach((column, v) -> r.put(column, v instanceof Instant i ? LocalDateTime.ofInstant(i, ZoneOffset.UTC)
                        : v instanceof Integer n ? (Object) n.longValue() : v));
                List<Object> key = KEYS.get(name).stream().map(r::get).toList();
                assertThat(rows.put(key, r)).as("duplicate key " + key + " in " + database + "." + name + " FINAL").isNull();
            }
            tables.put(name, rows);
        }
        return tables;
    }

    private static java.util.Properties readOnly() {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("duckdb.read_only", "true");
        return p;
    }

    /** A quote of the input's NDJSON files as its row: symbol, ts, bid, ask, bid_size, ask_size. */
    private static Map<String, Object> quote(JsonNode n) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("symbol", n.get("symbol").asText());
        r.put("ts", IngestTypes.ts(n.get("ts").asText()));
        r.put("bid", n.get("bid").asDouble());
        r.put("ask", n.get("ask").asDouble());
        r.put("bid_size", n.get("bid_size").asLong());
        r.put("ask_size", n.get("ask_size").asLong());
        return r;
    }
}
