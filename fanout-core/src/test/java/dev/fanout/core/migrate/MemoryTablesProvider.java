package dev.fanout.core.migrate;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fakes a readable engine in memory for the migration's unit tests: {@code rows:<name>} is a set of
 * tables kept in key order with the writers' upsert rule (a row replaces the stored one when its
 * version is greater or equal). Faults are switched on per target: {@link Target#failPermanentlyAfter}
 * batches, {@link Target#retryableFailures} refused writes, {@link Target#dropLastRow} of each batch.
 * Scheme {@code blind:<name>} is the same without {@link Capability#READ}.
 */
final class MemoryTablesProvider implements WriterProvider {

    static final Map<String, Target> TARGETS = new ConcurrentHashMap<>();

    record Stored(long version, Object[] values) {
    }

    /** One fake database: tables by name, and its faults. */
    static final class Target {
        final Map<String, Schema> schemas = new TreeMap<>();
        final Map<String, TreeMap<List<Object>, Stored>> tables = new TreeMap<>();
        final AtomicInteger batches = new AtomicInteger();
        final AtomicInteger retryableFailures = new AtomicInteger();
        int failPermanentlyAfter = Integer.MAX_VALUE;
        boolean dropLastRow;
        int opens;

        TreeMap<List<Object>, Stored> table(String name) {
            return tables.computeIfAbsent(name, n -> new TreeMap<>(KeyOrder.INSTANCE));
        }

        void upsert(FramePacket p) {
            schemas.putIfAbsent(p.table(), p.schema());
            TreeMap<List<Object>, Stored> t = table(p.table());
            for (int r = 0; r < p.rowCount(); r++) {
                List<Object> key = KeyOrder.key(p, r, p.schema().keyIndexes());
                Stored old = t.get(key);
                if (old == null || p.rowVersion(r) >= old.version()) {
                    t.put(key, new Stored(p.rowVersion(r), p.row(r).toArray()));
                }
            }
        }
    }

    static Target target(String name) {
        return TARGETS.computeIfAbsent(name, n -> new Target());
    }

    private final String scheme;

    MemoryTablesProvider() {
        this("rows");
    }

    MemoryTablesProvider(String scheme) {
        this.scheme = scheme;
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public Set<Capability> capabilities() {
        return scheme.equals("rows") ? Set.of(Capability.READ) : Set.of();
    }

    @Override
    public List<String> validate(Destination destination) {
        return List.of();
    }

    @Override
    public String physicalTarget(Destination destination) {
        return destination.schemeSpecificPart();
    }

    @Override
    public BaseWriter create(Destination destination) {
        Target target = target(destination.schemeSpecificPart());
        TableReader reader = new TableReader() {
            @Override
            public List<String> tables() {
                return List.copyOf(target.tables.keySet());
            }

            @Override
            public Optional<Schema> schema(String table) {
                return Optional.ofNullable(target.schemas.get(table));
            }

            @Override
            public long count(String table, RowFilter rows) {
                return selected(table, rows, Optional.empty()).size();
            }

            @Override
            public void scan(String table, RowFilter rows, Optional<List<Object>> afterKey, int batchRows, PacketSink sink)
                    throws WriteException {
                List<Stored> all = selected(table, rows, afterKey);
                for (int i = 0; i < all.size(); i += batchRows) {
                    FramePacket.Builder b = FramePacket.builder(table, target.schemas.get(table));
                    for (Stored s : all.subList(i, Math.min(all.size(), i + batchRows))) {
                        b.addVersionedRow(s.version(), s.values());
                    }
                    if (!sink.accept(b.build())) {
                        return;
                    }
                }
            }

            @Override
            public long delete(String table, RowFilter rows) {
                List<List<Object>> keys = new ArrayList<>();
                Schema schema = target.schemas.get(table);
                target.table(table).forEach((k, s) -> {
                    if (inside(schema, s, rows)) {
                        keys.add(k);
                    }
                });
                keys.forEach(target.table(table)::remove);
                return keys.size();
            }

            private List<Stored> selected(String table, RowFilter rows, Optional<List<Object>> afterKey) {
                Schema schema = target.schemas.get(table);
                if (schema == null) {
                    return List.of();
                }
                TreeMap<List<Object>, Stored> t = target.table(table);
                Map<List<Object>, Stored> tail = afterKey.isPresent() ? t.tailMap(afterKey.get(), false) : t;
                return tail.values().stream().filter(s -> inside(schema, s, rows)).toList();
            }
        };
        return new BaseWriter() {
            @Override
            public void open() {
                target.opens++;
            }

            @Override
            public void write(WriteBatch batch) throws WriteException {
                if (target.retryableFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw WriteException.retryable("destination " + destination.name() + ": injected timeout", null);
                }
                if (target.batches.get() >= target.failPermanentlyAfter) {
                    throw WriteException.permanent("destination " + destination.name() + ": injected crash", null);
                }
                target.batches.incrementAndGet();
                for (FramePacket p : batch.packets()) {
                    if (target.dropLastRow && p.rowCount() > 0) {
                        int[] kept = new int[p.rowCount() - 1];
                        for (int i = 0; i < kept.length; i++) {
                            kept[i] = i;
                        }
                        p = p.selectRows(kept);
                    }
                    target.upsert(p);
                }
            }

            @Override
            public Optional<TableReader> reader() {
                return scheme.equals("rows") ? Optional.of(reader) : Optional.empty();
            }

            @Override
            public void close() {
            }
        };
    }

    private static boolean inside(Schema schema, Stored s, RowFilter rows) {
        for (RowFilter.Bound b : rows.columns()) {
            Object v = s.values()[schema.indexOf(b.column())];
            Instant at = v instanceof LocalDate d ? d.atStartOfDay(ZoneOffset.UTC).toInstant() : (Instant) v;
            if (!b.contains(at)) {
                return false;
            }
        }
        return true;
    }
}
