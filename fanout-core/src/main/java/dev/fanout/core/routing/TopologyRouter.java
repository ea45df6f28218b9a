package dev.fanout.core.routing;

import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Router;
import dev.fanout.core.topology.RouteRule;
import dev.fanout.core.topology.Topology;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routes packets by a topology's rules: tried in file order, first match wins, row by row.
 *
 * <p>A rule applies to a packet when its table glob and domain (each if given) match; a rule with a
 * column range then takes only the rows whose value lies in the range (dates count as midnight
 * UTC; null lies in no range). Rows no rule takes go to the default destination. The result has one
 * part per destination, in the order their first rows appear, each keeping the packet's row order;
 * when every row goes to one destination that part is the packet itself, not a copy. A packet
 * without rows goes whole where rows no range takes would go (or, lacking that, to the first range
 * rule's destination), so it is acknowledged like any other.
 *
 * <p>Per (table, domain) the applicable rules are worked out once and cached, so a packet whose
 * first applicable rule has no range costs one map lookup. Immutable and thread-safe.
 */
public final class TopologyRouter implements Router {

    private static final int MAX_CACHED_PLANS = 10_000;

    private final Topology topology;
    private final Map<PlanKey, RulePlan> plans = new ConcurrentHashMap<>();

    public TopologyRouter(Topology topology) {
        this.topology = Objects.requireNonNull(topology, "topology is null");
    }

    /**
     * @throws UnroutableException for rows no rule takes when there is no default, and for a range
     *         rule on a column the packet lacks, that is not a date or timestamp, or holds another type
     */
    @Override
    public List<RoutedPart> route(FramePacket packet) {
        Objects.requireNonNull(packet, "packet is null");
        RulePlan plan = plan(packet.table(), packet.domain());
        if (plan.rangeRules().isEmpty()) {
            if (plan.fallback() == null) {
                throw unroutable(packet, null);
            }
            return List.of(new RoutedPart(plan.fallback(), packet));
        }
        if (packet.rowCount() == 0) {
            String to = plan.fallback() != null ? plan.fallback() : plan.rangeRules().get(0).to();
            return List.of(new RoutedPart(to, packet));
        }
        return split(packet, plan);
    }

    private RulePlan plan(String table, Optional<String> domain) {
        PlanKey key = new PlanKey(table, domain.orElse(null));
        RulePlan plan = plans.get(key);
        if (plan == null) {
            plan = RulePlan.of(topology, table, domain);
            if (plans.size() < MAX_CACHED_PLANS) {
                plans.putIfAbsent(key, plan);
            }
        }
        return plan;
    }

    private List<RoutedPart> split(FramePacket packet, RulePlan plan) {
        List<RouteRule> rules = plan.rangeRules();
        int ruleCount = rules.size();
        int[] columns = new int[ruleCount];
        for (int k = 0; k < ruleCount; k++) {
            columns[k] = rangeColumn(packet, rules.get(k));
        }
        int rows = packet.rowCount();
        List<String> destinations = new ArrayList<>(4);
        int[] slotOfRow = new int[rows];
        int[] rowsInSlot = new int[ruleCount + 1];
        for (int r = 0; r < rows; r++) {
            int row = r;
            String to = plan.destination(k -> instant(packet, row, columns[k], rules.get(k)));
            if (to == null) {
                throw unroutable(packet, r);
            }
            int slot = destinations.indexOf(to);
            if (slot < 0) {
                slot = destinations.size();
                destinations.add(to);
            }
            slotOfRow[r] = slot;
            rowsInSlot[slot]++;
        }
        if (destinations.size() == 1) {
            return List.of(new RoutedPart(destinations.get(0), packet));
        }
        int[][] selection = new int[destinations.size()][];
        for (int s = 0; s < selection.length; s++) {
            selection[s] = new int[rowsInSlot[s]];
        }
        int[] filled = new int[destinations.size()];
        for (int r = 0; r < rows; r++) {
            int s = slotOfRow[r];
            selection[s][filled[s]++] = r;
        }
        List<RoutedPart> parts = new ArrayList<>(destinations.size());
        for (int s = 0; s < selection.length; s++) {
            parts.add(new RoutedPart(destinations.get(s), packet.selectRows(selection[s])));
        }
        return List.copyOf(parts);
    }

    private static int rangeColumn(FramePacket packet, RouteRule rule) {
        String column = rule.match().column();
        int index = packet.schema().indexOf(column);
        if (index < 0) {
            throw new UnroutableException(packet.table(), "table '" + packet.table() + "' has no column '" + column
                    + "', which the route at " + rule.where() + " compares; add the column to the packet or narrow"
                    + " the route's table pattern");
        }
        LogicalType.Kind kind = packet.schema().column(index).type().kind();
        if (kind != LogicalType.Kind.DATE && kind != LogicalType.Kind.TIMESTAMP) {
            throw new UnroutableException(packet.table(), "column '" + column + "' of table '" + packet.table() + "' is "
                    + packet.schema().column(index).type() + ", but the route at " + rule.where()
                    + " compares it with a date: it must be date or timestamp");
        }
        return index;
    }

    private static Instant instant(FramePacket packet, int row, int column, RouteRule rule) {
        Object v = packet.value(row, column);
        if (v == null) {
            return null;
        }
        if (v instanceof Instant t) {
            return t;
        }
        if (v instanceof LocalDate d) {
            return Instant.ofEpochSecond(d.toEpochDay() * 86_400L);
        }
        throw new UnroutableException(packet.table(), "row " + row + " of table '" + packet.table() + "' holds a "
                + v.getClass().getSimpleName() + " in column '" + rule.match().column() + "', which the route at "
                + rule.where() + " compares with a date; send a LocalDate or Instant there");
    }

    private UnroutableException unroutable(FramePacket packet, Integer row) {
        String what = row == null ? "no route matches table '" + packet.table() + "'"
                : "no route matches row " + row + " of table '" + packet.table() + "'";
        return new UnroutableException(packet.table(), what
                + packet.domain().map(d -> " (domain '" + d + "')").orElse("") + " and " + topology.file()
                + " has no default; add a route for it under 'routes' or a 'default' destination");
    }

    private record PlanKey(String table, String domain) {
    }
}
