package dev.fanout.cli;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.core.Fanout;
import dev.fanout.core.dispatch.PacketOutcome;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterStore;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.TreeSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random table and column names — mixed case, unicode, quotes, spaces — in random packet orders with
 * replays, over two runs on one real DuckDB file, against a reference model of what must be stored:
 * the DuckDB file equals the model, and every packet the model refuses is in the dead-letter queue,
 * as often as it was refused, with a reason naming both names; nothing else is parked. So a name that
 * differs only by case is never a silent difference.
 *
 * <p>The model: DuckDB compares names with ASCII letters folded ({@link IdentifierComparison#CASE_INSENSITIVE}).
 * Within a run the first spelling submitted claims a table, and each of its columns; a later packet
 * with another spelling, or a schema with two spellings of one column, is refused before writing.
 * Against the file the spelling stored by an earlier run wins: another spelling is refused by the
 * writer. A packet that passes replaces each of its keys' stored rows whole when its version is equal
 * or higher.
 */
class IdentifierCasePropertyTest {

    private static final String DESTINATION = "main_db";
    private static final String VERSION = "_fanout_version";
    private static final List<String> TABLE_BASES = List.of("trades", "quotes", "ünï 列", "it's \"q\"", "é b");
    private static final List<String> COLUMN_BASES = List.of("price", "qty", "ä Ö", "say \"hi\"", "x");

    /** One packet to be: a table, columns beside the key {@code id}, rows of (id, values…), a version. */
    record Spec(String table, List<String> columns, List<Long[]> rows, long version) {
        FramePacket packet() {
            List<Column> cols = new ArrayList<>();
            cols.add(Column.required("id", LogicalType.INT64));
            columns.forEach(c -> cols.add(Column.of(c, LogicalType.INT64)));
            FramePacket.Builder b = FramePacket.builder(table, Schema.of(cols, List.of("id"))).version(version);
            rows.forEach(r -> b.addRow((Object[]) r));
            return b.build();
        }
    }

    /** Packets and the order they are submitted in (indexes, repeats are replays), split into two runs at {@code split}. */
    record Scenario(List<Spec> specs, List<Integer> order, int split) {
    }

    @Property(tries = 30, shrinking = ShrinkingMode.BOUNDED)
    void duckDbEqualsTheModelOrTheRefusedPacketsAreParkedNamingBothNames(@ForAll("scenarios") Scenario scenario) throws Exception {
        Path dir = Files.createTempDirectory("fanout-case-property");
        try {
            check(scenario, dir);
        } finally {
            delete(dir);
        }
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /**
     * A few packets over one or two table names and two or three column names, each spelt with a random
     * case per packet, so that most scenarios hold names that differ only by case; then an order of
     * submission with replays, cut into two runs of at least one packet each.
     */
    @Provide
    Arbitrary<Scenario> scenarios() {
        return scenarioArbitrary();
    }

    /** The scenarios of {@link #scenarios()}, for other properties of this kind. */
    static Arbitrary<Scenario> scenarioArbitrary() {
        Arbitrary<List<String>> tableBases = Arbitraries.of(TABLE_BASES).list().ofMinSize(1).ofMaxSize(2).uniqueElements();
        Arbitrary<List<String>> columnBases = Arbitraries.of(COLUMN_BASES).list().ofMinSize(2).ofMaxSize(3).uniqueElements();
        return Combinators.combine(tableBases, columnBases).flatAs((tables, columns) -> {
            Arbitrary<Spec> spec = Combinators.combine(
                    spelling(tables),
                    spelling(columns).list().ofMinSize(1).ofMaxSize(3).uniqueElements(),
                    Arbitraries.longs().between(1, 4).array(Long[].class).ofSize(3).list().ofMinSize(1).ofMaxSize(3),
                    Arbitraries.longs().between(1, 4)
            ).as((table, cols, rows, version) -> new Spec(table, cols, rows.stream().map(r -> row(r, cols.size())).toList(), version));
            return spec.list().ofMinSize(1).ofMaxSize(6);
        }).flatMap(specs -> {
            Arbitrary<List<Integer>> order = Arbitraries.integers().between(0, specs.size() - 1).list().ofMinSize(2).ofMaxSize(12);
            return order.flatMap(o -> Arbitraries.integers().between(1, o.size() - 1).map(split -> new Scenario(specs, o, split)));
        });
    }

    /** A row of {@code width} values after the key, from {@code drawn}: the key and values from 1–4, a 4 standing for null. */
    private static Long[] row(Long[] drawn, int width) {
        Long[] r = new Long[width + 1];
        r[0] = drawn[0];
        for (int i = 1; i <= width; i++) {
            long v = drawn[i % drawn.length] * 10 + i;
            r[i] = drawn[i % drawn.length] == 4 ? null : v;
        }
        return r;
    }

    /** One of {@code bases} with a random case for each ASCII letter. */
    private static Arbitrary<String> spelling(List<String> bases) {
        return Combinators.combine(Arbitraries.of(bases), Arbitraries.integers().between(0, 3)).as((base, mask) -> {
            StringBuilder b = new StringBuilder(base);
            int letter = 0;
            for (int i = 0; i < b.length(); i++) {
                char c = b.charAt(i);
                if (c >= 'a' && c <= 'z' && letter++ < 2 && (mask & (1 << (letter - 1))) != 0) {
                    b.setCharAt(i, (char) (c - 32));
                }
            }
            return b.toString();
        });
    }

    /** How a test reads a destination back: table → [sorted column names, id → column → value]. */
    interface StoredTables {
        Map<String, Object> read() throws Exception;
    }

    private static void check(Scenario scenario, Path dir) throws Exception {
        Path file = dir.resolve("data/main.duckdb");
        check(scenario, dir, "duckdb:data/main.duckdb", IdentifierComparison.CASE_INSENSITIVE, () -> stored(file));
    }

    /**
     * Runs {@code scenario} through a one-destination topology on {@code uri} (whose engine compares
     * names as {@code comparison} says) in two runs, then checks the destination, read by
     * {@code stored}, and the dead-letter queue against the model.
     */
    static void check(Scenario scenario, Path dir, String uri, IdentifierComparison comparison, StoredTables stored) throws Exception {
        Path topology = Files.writeString(dir.resolve("t.yaml"), """
                version: 1
                destinations:
                  main_db: { uri: "%s" }
                default: main_db
                batch: { max_rows: 1000, max_age: 5ms }
                retry: { max_attempts: 1, initial_backoff: 1ms, max_backoff: 1ms }
                dlq: { path: data/dlq }
                """.formatted(uri));
        List<FramePacket> packets = scenario.specs().stream().map(Spec::packet).toList();
        Model model = new Model(comparison);
        List<Integer> order = scenario.order();
        runOnce(topology, dir, packets, order.subList(0, scenario.split()), model);
        runOnce(topology, dir, packets, order.subList(scenario.split(), order.size()), model);
        Statistics.label("refused before writing").collect(model.claimRefusals > 0);
        Statistics.label("refused by the writer (a name stored by the first run)").collect(model.storedRefusals > 0);
        Statistics.label("tables stored").collect(model.tables().size());

        assertThat(stored.read()).as("the destination against the model").isEqualTo(model.tables());
        Map<String, List<String>> parked = new TreeMap<>();
        try (DeadLetterStore store = DeadLetterStore.open(dir.resolve("data/dlq"))) {
            for (String table : store.tables()) {
                for (DeadLetter d : store.records(table)) {
                    parked.computeIfAbsent(d.packet().packetId(), p -> new ArrayList<>()).add(d.message());
                }
            }
        }
        assertThat(parked.keySet()).as("packets parked").isEqualTo(model.refusals.keySet());
        model.refusals.forEach((packetId, names) -> {
            List<String> messages = parked.get(packetId);
            assertThat(messages).as("records of packet " + packetId).hasSameSizeAs(names);
            for (String[] pair : names) {
                assertThat(messages).as("a reason naming '" + pair[0] + "' and '" + pair[1] + "'")
                        .anySatisfy(m -> assertThat(m).contains("'" + pair[0] + "'", "'" + pair[1] + "'", DESTINATION));
            }
        });
    }

    /** Submits {@code packets} in {@code order} through one Fanout on the topology, then closes it; the model follows. */
    private static void runOnce(Path topology, Path dir, List<FramePacket> packets, List<Integer> order, Model model) throws Exception {
        if (order.isEmpty()) {
            return;
        }
        model.startRun();
        List<CompletableFuture<PacketOutcome>> outcomes = new ArrayList<>();
        List<Boolean> expectedRefused = new ArrayList<>();
        try (DeadLetterStore store = DeadLetterStore.open(dir.resolve("data/dlq"))) {
            try (Fanout fanout = Fanout.builder().topology(topology).registry(WriterRegistry.fromContextClassLoader())
                    .deadLetters(store).build()) {
                for (int i : order) {
                    outcomes.add(fanout.submit(packets.get(i)));
                    expectedRefused.add(!model.submit(packets.get(i)));
                }
                fanout.flush();
            }
        }
        for (int k = 0; k < outcomes.size(); k++) {
            PacketOutcome outcome = outcomes.get(k).join();
            assertThat(outcome.status()).as("outcome of packet " + outcome.packetId() + ": " + outcome)
                    .isEqualTo(expectedRefused.get(k) ? PacketOutcome.Status.DEAD_LETTERED : PacketOutcome.Status.COMMITTED);
        }
    }

    /** Table → its column names (sorted) and rows (id → column → value), as the file holds them. */
    private static Map<String, Object> stored(Path file) throws Exception {
        Map<String, Object> tables = new TreeMap<>();
        if (!Files.exists(file)) {
            return tables;
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            for (String name : names) {
                List<String> columns = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT column_name FROM information_schema.columns "
                        + "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position")) {
                    ps.setString(1, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            columns.add(rs.getString(1));
                        }
                    }
                }
                Map<Long, Map<String, Object>> rows = new TreeMap<>();
                try (ResultSet rs = s.executeQuery("SELECT * FROM \"" + name.replace("\"", "\"\"") + "\"")) {
                    while (rs.next()) {
                        Map<String, Object> row = new TreeMap<>();
                        for (int i = 1; i <= columns.size(); i++) {
                            row.put(columns.get(i - 1), rs.getObject(i));
                        }
                        rows.put((Long) row.get("id"), row);
                    }
                }
                tables.put(name, List.of(new TreeSet<>(columns), rows));
            }
        }
        return tables;
    }

    /** What fanout must do with each packet, and what the destination must hold. */
    private static final class Model {
        private final IdentifierComparison names;

        Model(IdentifierComparison names) {
            this.names = names;
        }

        /** A stored table: its name, columns by folded name, rows by id. */
        private static final class Table {
            final String name;
            final Map<String, String> columns = new LinkedHashMap<>();
            final Map<Long, Map<String, Object>> rows = new TreeMap<>();

            Table(String name) {
                this.name = name;
            }
        }

        private final Map<String, Table> stored = new HashMap<>();
        /** This run's claims: folded table → spelling, folded table → folded column → spelling. */
        private final Map<String, String> claimedTables = new HashMap<>();
        private final Map<String, Map<String, String>> claimedColumns = new HashMap<>();
        /** Packet id → the two names of each refusal. */
        final Map<String, List<String[]>> refusals = new TreeMap<>();
        /** Refusals before writing (this run's claims) and by the writer (names stored by an earlier run). */
        int claimRefusals;
        int storedRefusals;

        void startRun() {
            claimedTables.clear();
            claimedColumns.clear();
        }

        /** Applies {@code p}; false when it must be refused. */
        boolean submit(FramePacket p) {
            String table = p.table();
            String tableKey = names.key(table);
            List<String> columns = p.schema().columns().stream().map(Column::name).toList();
            Map<String, String> inSchema = new HashMap<>();
            for (String c : columns) {
                String other = inSchema.putIfAbsent(names.key(c), c);
                if (other != null) {
                    return refuse(true, p, other, c);
                }
            }
            String claimed = claimedTables.get(tableKey);
            if (claimed != null && !claimed.equals(table)) {
                return refuse(true, p, table, claimed);
            }
            Map<String, String> claimedCols = claimedColumns.getOrDefault(tableKey, Map.of());
            for (String c : columns) {
                String earlier = claimedCols.get(names.key(c));
                if (earlier != null && !earlier.equals(c)) {
                    return refuse(true, p, c, earlier);
                }
            }
            claimedTables.putIfAbsent(tableKey, table);
            Map<String, String> claim = claimedColumns.computeIfAbsent(tableKey, t -> new HashMap<>());
            columns.forEach(c -> claim.putIfAbsent(names.key(c), c));

            Table t = stored.get(tableKey);
            if (t != null && !t.name.equals(table)) {
                return refuse(false, p, table, t.name);
            }
            if (t != null) {
                for (String c : columns) {
                    String s = t.columns.get(names.key(c));
                    if (s != null && !s.equals(c)) {
                        return refuse(false, p, c, s);
                    }
                }
            }
            if (t == null) {
                t = new Table(table);
                stored.put(tableKey, t);
            }
            for (String c : columns) {
                t.columns.putIfAbsent(names.key(c), c);
            }
            Map<Long, Map<String, Object>> winners = new LinkedHashMap<>();
            for (int r = 0; r < p.rowCount(); r++) {
                Map<String, Object> row = new HashMap<>();
                for (int i = 0; i < columns.size(); i++) {
                    row.put(columns.get(i), p.value(r, i));
                }
                winners.put((Long) p.value(r, 0), row);
            }
            for (Map.Entry<Long, Map<String, Object>> w : winners.entrySet()) {
                Map<String, Object> old = t.rows.get(w.getKey());
                if (old == null || (Long) old.get(VERSION) <= p.version()) {
                    Map<String, Object> row = new HashMap<>(w.getValue());
                    row.put(VERSION, p.version());
                    t.rows.put(w.getKey(), row);
                }
            }
            return true;
        }

        private boolean refuse(boolean beforeWriting, FramePacket p, String name, String other) {
            if (beforeWriting) {
                claimRefusals++;
            } else {
                storedRefusals++;
            }
            refusals.computeIfAbsent(p.packetId(), id -> new ArrayList<>()).add(new String[] {name, other});
            return false;
        }

        /** The expected file, in the form {@link #stored} reads. */
        Map<String, Object> tables() {
            Map<String, Object> out = new TreeMap<>();
            for (Table t : stored.values()) {
                Set<String> columns = new TreeSet<>(t.columns.values());
                columns.add(VERSION);
                Map<Long, Map<String, Object>> rows = new TreeMap<>();
                t.rows.forEach((id, row) -> {
                    Map<String, Object> full = new TreeMap<>();
                    columns.forEach(c -> full.put(c, row.get(c)));
                    rows.put(id, full);
                });
                out.put(t.name, List.of(columns, rows));
            }
            return out;
        }
    }
}
