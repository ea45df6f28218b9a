package dev.fanout.core.routing;

import dev.fanout.core.topology.RouteRule;
import dev.fanout.core.topology.Topology;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rules of a topology that apply to one (table, domain): its range rules in file order up to the
 * first rule without a range, and the fallback that takes the rows none of them takes — that rule's
 * destination, or else the default. The router and {@link RoutePlan} both decide a row's destination
 * here, so a plan never disagrees with what ingest does.
 *
 * @param rangeRules the applicable range rules, in file order
 * @param fallback   where the other rows go; null when nowhere (no such rule and no default)
 */
record RulePlan(List<RouteRule> rangeRules, String fallback) {

    static RulePlan of(Topology topology, String table, Optional<String> domain) {
        List<RouteRule> ranges = new ArrayList<>();
        for (RouteRule rule : topology.routes()) {
            if (rule.match().appliesTo(table, domain)) {
                if (!rule.match().hasRange()) {
                    return new RulePlan(List.copyOf(ranges), rule.to());
                }
                ranges.add(rule);
            }
        }
        return new RulePlan(List.copyOf(ranges), topology.defaultDestination().orElse(null));
    }

    /** Where a row goes: the first range rule whose range holds the row's value, else the fallback (null: nowhere). */
    String destination(RangeValues row) {
        for (int k = 0; k < rangeRules.size(); k++) {
            RouteRule rule = rangeRules.get(k);
            Instant value = row.value(k);
            if (value != null && rule.match().contains(value)) {
                return rule.to();
            }
        }
        return fallback;
    }

    /** A row's values as seen by the range rules. */
    @FunctionalInterface
    interface RangeValues {
        /** The row's value in the column range rule {@code rule} compares; null for SQL NULL. */
        Instant value(int rule);
    }
}
