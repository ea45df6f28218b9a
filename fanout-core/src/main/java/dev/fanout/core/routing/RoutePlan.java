package dev.fanout.core.routing;

import dev.fanout.core.topology.RangeBound;
import dev.fanout.core.topology.RouteRule;
import dev.fanout.core.topology.TableSpec;
import dev.fanout.core.topology.Topology;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where a table's rows go under a topology, stated as row ranges instead of rows: what
 * {@code fanout plan} prints and what a migration copies when a table's destination changes.
 *
 * <p>The rows considered are those of packets without a domain (domain rules cannot be evaluated for
 * a table name alone; callers report them separately). Destinations come from the router's own rule
 * evaluation ({@link RulePlan}): rules in file order, the first whose range holds a row's value wins,
 * rows no range takes (also those with a null value) go to the first applicable rule without a range
 * or else to the default. Each column a range rule compares is cut at every bound the rules use;
 * each piece is routed through those rules by a representative value, so a plan cannot disagree with
 * the router; adjacent pieces with the same outcome are merged again. Key columns of the table (its
 * {@code primary_key} in the topologies) hold no nulls, so no part is made for their nulls.
 */
public final class RoutePlan {

    /** More pieces than this means a table split on many columns at many bounds: refused rather than printed. */
    static final int MAX_PIECES = 4096;

    /**
     * The rows of a table in {@code rows} go to {@code destination}.
     *
     * @param destination empty when no rule takes them and there is no default (such rows are refused)
     */
    public record Placement(RowRange rows, Optional<String> destination) {
        public Placement {
            Objects.requireNonNull(rows, "rows is null");
            Objects.requireNonNull(destination, "destination is null");
        }
    }

    /**
     * The rows of a table in {@code rows} go to {@code from} under one topology and to {@code to}
     * under the other; each empty when that topology refuses them.
     */
    public record Change(RowRange rows, Optional<String> from, Optional<String> to) {
        public Change {
            Objects.requireNonNull(rows, "rows is null");
            Objects.requireNonNull(from, "from is null");
            Objects.requireNonNull(to, "to is null");
        }
    }

    private RoutePlan() {
    }

    /** Where the rows of {@code table} go under {@code topology}: disjoint ranges covering every row, in bound order. */
    public static List<Placement> placements(Topology topology, String table) {
        return parts(List.of(topology), table).stream().map(p -> new Placement(p.rows, p.destinations.get(0))).toList();
    }

    /**
     * The rows of {@code table} by where they go under {@code from} and under {@code to}: where the two
     * split the table at different bounds the ranges are intersected, so each part has one old and one
     * new destination. Disjoint, covering every row, in bound order.
     */
    public static List<Change> compare(Topology from, Topology to, String table) {
        return parts(List.of(from, to), table).stream()
                .map(p -> new Change(p.rows, p.destinations.get(0), p.destinations.get(1))).toList();
    }

    private record Part(RowRange rows, List<Optional<String>> destinations) {
    }

    /** A column cut into pieces: below the first bound, between consecutive bounds, from the last on, and null (unless a key column). */
    private record Axis(String column, List<RangeBound> bounds, boolean nullable) {
        int pieces() {
            return bounds.size() + 1 + (nullable ? 1 : 0);
        }

        /** A value in piece {@code p}; null for the null piece. */
        Instant representative(int p) {
            if (p == 0) {
                return Instant.MIN;
            }
            return p <= bounds.size() ? bounds.get(p - 1).instant() : null;
        }

        /** Pieces {@code lo..hi} as a range; null when that is every row. */
        ColumnRange range(int lo, int hi) {
            if (lo == 0 && hi == pieces() - 1) {
                return null;
            }
            int n = bounds.size();
            boolean values = lo <= n;
            boolean nulls = nullable && hi == n + 1;
            if (!values) {
                return new ColumnRange(column, null, null, false, true);
            }
            int top = Math.min(hi, n);
            return new ColumnRange(column, lo == 0 ? null : bounds.get(lo - 1), top == n ? null : bounds.get(top), true, nulls);
        }
    }

    /** Pieces {@code lo[a]..hi[a]} of each axis {@code a}, and where those rows go under each topology. */
    private record Box(int[] lo, int[] hi, List<Optional<String>> destinations) {
    }

    private static List<Part> parts(List<Topology> topologies, String table) {
        Objects.requireNonNull(table, "table is null");
        List<RulePlan> plans = topologies.stream().map(t -> RulePlan.of(Objects.requireNonNull(t, "topology is null"), table, Optional.empty())).toList();
        List<Axis> axes = axes(topologies, plans, table);
        List<int[]> axisOfRule = plans.stream().map(plan -> plan.rangeRules().stream()
                .mapToInt(rule -> indexOf(axes, rule.match().column())).toArray()).toList();
        long cells = 1;
        for (Axis axis : axes) {
            cells *= axis.pieces();
            if (cells > MAX_PIECES) {
                throw new IllegalArgumentException("table '" + table + "' is split on too many columns at too many bounds to plan ("
                        + axes.stream().map(Axis::column).toList() + ")");
            }
        }
        List<Box> boxes = new ArrayList<>();
        int[] piece = new int[axes.size()];
        for (long c = 0; c < cells; c++) {
            List<Optional<String>> destinations = new ArrayList<>(plans.size());
            for (int t = 0; t < plans.size(); t++) {
                int[] axisOf = axisOfRule.get(t);
                destinations.add(Optional.ofNullable(plans.get(t).destination(k -> axes.get(axisOf[k]).representative(piece[axisOf[k]]))));
            }
            boxes.add(new Box(piece.clone(), piece.clone(), List.copyOf(destinations)));
            for (int a = axes.size() - 1; a >= 0 && ++piece[a] == axes.get(a).pieces(); a--) {
                piece[a] = 0;
            }
        }
        int count;
        do {
            count = boxes.size();
            for (int a = 0; a < axes.size(); a++) {
                boxes = merge(boxes, a);
            }
        } while (boxes.size() < count);
        boxes.sort((x, y) -> Arrays.compare(x.lo, y.lo));
        List<Part> parts = new ArrayList<>(boxes.size());
        for (Box box : boxes) {
            List<ColumnRange> ranges = new ArrayList<>();
            for (int a = 0; a < axes.size(); a++) {
                ColumnRange r = axes.get(a).range(box.lo[a], box.hi[a]);
                if (r != null) {
                    ranges.add(r);
                }
            }
            parts.add(new Part(new RowRange(ranges), box.destinations));
        }
        return List.copyOf(parts);
    }

    /** One axis per column any applicable range rule compares, in order of first use, cut at every bound used on it. */
    private static List<Axis> axes(List<Topology> topologies, List<RulePlan> plans, String table) {
        Set<String> keyColumns = new HashSet<>();
        for (Topology t : topologies) {
            t.table(table).map(TableSpec::primaryKey).ifPresent(keyColumns::addAll);
        }
        Map<String, TreeMap<Instant, RangeBound>> bounds = new LinkedHashMap<>();
        for (RulePlan plan : plans) {
            for (RouteRule rule : plan.rangeRules()) {
                TreeMap<Instant, RangeBound> cuts = bounds.computeIfAbsent(rule.match().column(), c -> new TreeMap<>());
                for (RangeBound b : new RangeBound[] {rule.match().from(), rule.match().before()}) {
                    if (b != null) {
                        cuts.putIfAbsent(b.instant(), b);
                    }
                }
            }
        }
        List<Axis> axes = new ArrayList<>();
        bounds.forEach((column, cuts) -> axes.add(new Axis(column, List.copyOf(cuts.values()), !keyColumns.contains(column))));
        return axes;
    }

    private static int indexOf(List<Axis> axes, String column) {
        for (int a = 0; a < axes.size(); a++) {
            if (axes.get(a).column().equals(column)) {
                return a;
            }
        }
        throw new IllegalStateException("no axis for column " + column);
    }

    /** Joins boxes adjacent along {@code axis} that agree on every other axis and on their destinations. */
    private static List<Box> merge(List<Box> boxes, int axis) {
        Map<List<Object>, List<Box>> lines = new LinkedHashMap<>();
        for (Box b : boxes) {
            List<Object> key = new ArrayList<>();
            key.add(b.destinations);
            for (int a = 0; a < b.lo.length; a++) {
                if (a != axis) {
                    key.add(b.lo[a]);
                    key.add(b.hi[a]);
                }
            }
            lines.computeIfAbsent(key, k -> new ArrayList<>()).add(b);
        }
        List<Box> merged = new ArrayList<>();
        for (List<Box> line : lines.values()) {
            line.sort((x, y) -> Integer.compare(x.lo[axis], y.lo[axis]));
            Box run = line.get(0);
            for (Box next : line.subList(1, line.size())) {
                if (run.hi[axis] + 1 == next.lo[axis]) {
                    int[] hi = run.hi.clone();
                    hi[axis] = next.hi[axis];
                    run = new Box(run.lo, hi, run.destinations);
                } else {
                    merged.add(run);
                    run = next;
                }
            }
            merged.add(run);
        }
        return merged;
    }
}
