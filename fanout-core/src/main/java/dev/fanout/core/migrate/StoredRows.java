package dev.fanout.core.migrate;

import dev.fanout.api.Schema;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.routing.RoutePlan;
import dev.fanout.core.routing.RowRange;
import dev.fanout.core.topology.Topology;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a topology's destinations store now, read through their writers' readers — the same reads,
 * counts and masking as {@code fanout plan} ({@link Migration#reading}): each physical target is
 * opened once and so takes its lock, a local file that does not exist holds nothing and is not
 * created, ClickHouse is read {@code FINAL} (one row per key, the newest). A destination that cannot
 * be read does not stop the others: its parts carry the reason instead of a count.
 *
 * <p>No row is written (opening a ClickHouse destination creates its database when it is missing,
 * as its writer always does). Not thread-safe; close it to close every writer it opened.
 */
public final class StoredRows implements AutoCloseable {

    /** Rows per scan batch. */
    private static final int BATCH_ROWS = 10_000;

    /**
     * The rows of {@code table} inside {@code rows} stored at {@code destination}.
     *
     * @param routed false for a destination that holds the table although the topology sends none of
     *               its rows there (left behind by a migration without {@code --delete-source}); then
     *               {@code rows} is every row
     */
    public record Part(String table, RowRange rows, String destination, boolean routed, SourceCount count) {
        public Part {
            Objects.requireNonNull(table, "table is null");
            Objects.requireNonNull(rows, "rows is null");
            Objects.requireNonNull(destination, "destination is null");
            Objects.requireNonNull(count, "count is null");
        }
    }

    /** Receives a table's rows in primary-key order: {@link #columns} once, before the first row. */
    public interface RowSink {
        void columns(List<String> names);

        void row(List<Object> values);
    }

    private final Topology topology;
    private final Migration reading;
    /** Destination → the tables it stores; computed once. */
    private Map<String, List<String>> stored;
    /** Destination → why its tables could not be listed. */
    private final Map<String, String> unreadable = new LinkedHashMap<>();

    private StoredRows(Topology topology, WriterRegistry registry) {
        this.topology = Objects.requireNonNull(topology, "topology is null");
        this.reading = Migration.reading(topology, registry);
    }

    /** The rows stored under {@code topology} (checked). Opens nothing until asked. */
    public static StoredRows of(Topology topology, WriterRegistry registry) {
        return new StoredRows(topology, registry);
    }

    /**
     * The tables: those the topology names, then those stored at any destination, in that order. Lists
     * every destination's tables, so afterwards {@link #unreadable()} holds those that could not be read.
     */
    public Set<String> tables() {
        Set<String> tables = new LinkedHashSet<>(MigrationPlan.namedTables(topology, topology));
        stored().values().forEach(tables::addAll);
        return tables;
    }

    /** The destinations whose tables could not be listed, each with why (secrets masked), in topology order. */
    public Map<String, String> unreadable() {
        stored();
        return Collections.unmodifiableMap(unreadable);
    }

    private Map<String, List<String>> stored() {
        if (stored == null) {
            stored = new LinkedHashMap<>();
            for (String destination : topology.destinations().keySet()) {
                try {
                    stored.put(destination, reading.storedTables(destination));
                } catch (MigrationException e) {
                    unreadable.put(destination, e.getMessage());
                }
            }
        }
        return stored;
    }

    /**
     * The parts of {@code table}, counted: each part of the routing plan at the destination it is
     * routed to (rows the topology refuses have no part), in bound order, then each destination that
     * stores the table where no part is routed.
     */
    public List<Part> parts(String table) {
        List<Part> parts = new ArrayList<>();
        Set<String> routedTo = new LinkedHashSet<>();
        for (RoutePlan.Placement p : RoutePlan.placements(topology, table)) {
            if (p.destination().isPresent()) {
                String d = p.destination().get();
                routedTo.add(d);
                parts.add(new Part(table, p.rows(), d, true, reading.count(d, table, p.rows().toFilter())));
            }
        }
        stored().forEach((d, tables) -> {
            if (tables.contains(table) && !routedTo.contains(d)) {
                parts.add(new Part(table, RowRange.all(), d, false, reading.count(d, table, RowRange.all().toFilter())));
            }
        });
        return List.copyOf(parts);
    }

    /**
     * The current rows of {@code table} — each routed part read at its destination — in primary-key
     * order, at most {@code limit}. A table in one part streams; one split across destinations is
     * merged in memory (at most {@code limit} rows of each part are held). Columns are the union of
     * the parts' columns, by name, in order of first appearance; a column a part lacks reads null there.
     * Nothing is sent to {@code sink} for a table no destination stores.
     *
     * @throws MigrationException naming a destination that cannot be read, secrets masked
     */
    public void rows(String table, long limit, RowSink sink) {
        List<RoutePlan.Placement> parts = RoutePlan.placements(topology, table).stream()
                .filter(p -> p.destination().isPresent()).toList();
        if (parts.size() == 1) {
            stream(table, parts.get(0), limit, sink);
            return;
        }
        List<String> columns = new ArrayList<>();
        List<KeyedRow> rows = new ArrayList<>();
        for (RoutePlan.Placement p : parts) {
            long[] taken = {0};
            reading.scan(p.destination().get(), table, p.rows().toFilter(), BATCH_ROWS, packet -> {
                Schema schema = packet.schema();
                int[] at = positions(schema, columns);
                for (int r = 0; r < packet.rowCount() && taken[0] < limit; r++, taken[0]++) {
                    rows.add(new KeyedRow(KeyOrder.key(packet, r, schema.keyIndexes()), packet.row(r), at));
                }
                return taken[0] < limit;
            });
        }
        if (rows.isEmpty()) {
            return;
        }
        rows.sort(Comparator.comparing(KeyedRow::key, KeyOrder.INSTANCE));
        sink.columns(List.copyOf(columns));
        for (int i = 0; i < Math.min(limit, rows.size()); i++) {
            sink.row(rows.get(i).aligned(columns.size()));
        }
    }

    private void stream(String table, RoutePlan.Placement part, long limit, RowSink sink) {
        long[] taken = {0};
        List<String> columns = new ArrayList<>();
        reading.scan(part.destination().get(), table, part.rows().toFilter(), BATCH_ROWS, packet -> {
            if (columns.isEmpty()) {
                packet.schema().columns().forEach(c -> columns.add(c.name()));
                sink.columns(List.copyOf(columns));
            }
            for (int r = 0; r < packet.rowCount() && taken[0] < limit; r++, taken[0]++) {
                sink.row(packet.row(r));
            }
            return taken[0] < limit;
        });
    }

    /** Where each of {@code schema}'s columns sits in {@code columns}, appending those not there yet. */
    private static int[] positions(Schema schema, List<String> columns) {
        int[] at = new int[schema.width()];
        for (int i = 0; i < at.length; i++) {
            String name = schema.column(i).name();
            int j = columns.indexOf(name);
            if (j < 0) {
                columns.add(name);
                j = columns.size() - 1;
            }
            at[i] = j;
        }
        return at;
    }

    /** A row held for the merge, with its key and where its values go among the union of columns. */
    private record KeyedRow(List<Object> key, List<Object> values, int[] at) {
        List<Object> aligned(int width) {
            Object[] out = new Object[width];
            for (int i = 0; i < at.length; i++) {
                out[at[i]] = values.get(i);
            }
            return Arrays.asList(out);
        }
    }

    /** Closes every writer opened. */
    @Override
    public void close() {
        reading.close();
    }
}
