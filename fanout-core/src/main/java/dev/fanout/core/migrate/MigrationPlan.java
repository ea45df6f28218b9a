package dev.fanout.core.migrate;

import dev.fanout.api.Destination;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.routing.RoutePlan;
import dev.fanout.core.topology.RouteRule;
import dev.fanout.core.topology.Topology;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which stored rows must follow a topology change: every part of a table ({@link RoutePlan#compare})
 * whose destination's physical target differs between FROM and TO. A rename (same target under
 * another name) is not a move; rows either topology refuses have nowhere to come from or go to.
 */
public final class MigrationPlan {

    private MigrationPlan() {
    }

    /**
     * The tables either topology names: its {@code tables:} keys, then the exact (non-glob) table
     * names of its routes, in that order. Tables reached only through globs, domains or the default
     * are found at the sources instead ({@link dev.fanout.api.TableReader#tables()}).
     */
    public static Set<String> namedTables(Topology from, Topology to) {
        Set<String> tables = new LinkedHashSet<>(from.tables().keySet());
        tables.addAll(to.tables().keySet());
        for (Topology t : new Topology[] {from, to}) {
            for (RouteRule rule : t.routes()) {
                String glob = rule.match().tableGlob();
                if (glob != null && glob.indexOf('*') < 0 && glob.indexOf('?') < 0) {
                    tables.add(glob);
                }
            }
        }
        return tables;
    }

    /** The moves of {@code tables} from {@code from} to {@code to}, table by table in the given order, parts in bound order. */
    public static List<Move> moves(Topology from, Topology to, Collection<String> tables, WriterRegistry registry) {
        Objects.requireNonNull(registry, "registry is null");
        List<Move> moves = new ArrayList<>();
        for (String table : tables) {
            for (RoutePlan.Change change : RoutePlan.compare(from, to, table)) {
                if (change.from().isEmpty() || change.to().isEmpty()) {
                    continue;
                }
                String source = target(from, change.from().get(), registry);
                String target = target(to, change.to().get(), registry);
                if (!source.equals(target)) {
                    moves.add(new Move(table, change.rows(), change.from().get(), change.to().get(), source, target));
                }
            }
        }
        return List.copyOf(moves);
    }

    /**
     * The identity of destination {@code name}'s physical target, {@code scheme:target}: equal
     * identities hold the same rows, whatever the destinations are called.
     */
    public static String target(Topology topology, String name, WriterRegistry registry) {
        Destination d = topology.destination(name, registry);
        return d.scheme() + ":" + registry.provider(d.scheme())
                .orElseThrow(() -> new IllegalStateException("no writer plugin for scheme '" + d.scheme() + "'"))
                .physicalTarget(d);
    }
}
