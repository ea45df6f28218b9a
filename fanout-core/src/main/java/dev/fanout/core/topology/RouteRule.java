package dev.fanout.core.topology;

import java.util.Objects;

/**
 * One entry of {@code routes}: rows matching {@link #match()} go to destination {@link #to()}.
 * Rules are tried in file order and the first match wins, row by row.
 *
 * @param match the condition
 * @param to    a destination defined in the same topology
 * @param where where the route entry starts
 */
public record RouteRule(RouteMatch match, String to, SourceLocation where) {
    public RouteRule {
        Objects.requireNonNull(match, "match is null");
        Objects.requireNonNull(to, "to is null");
        Objects.requireNonNull(where, "where is null");
    }

    @Override
    public String toString() {
        return "route " + match + " -> " + to + " at " + where;
    }
}
