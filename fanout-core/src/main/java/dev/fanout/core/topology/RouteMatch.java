package dev.fanout.core.topology;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The condition of a route. A packet is a candidate when its table matches {@code tableGlob} and its
 * domain equals {@code domain} (each only when given). With a {@code column}, the route takes only
 * the rows whose value in that date or timestamp column lies in {@code [from, before)}; a null
 * value lies in no range.
 *
 * @param tableGlob table name pattern: {@code *} any run of characters, {@code ?} one character,
 *                  everything else literal; null matches every table
 * @param domain    the packet's domain must equal this; null matches every packet
 * @param column    the date or timestamp column compared with the bounds; null for no range
 * @param before    exclusive upper bound, or null
 * @param from      inclusive lower bound, or null
 */
public record RouteMatch(String tableGlob, String domain, String column, RangeBound before, RangeBound from) {
    public RouteMatch {
        if (tableGlob == null && domain == null && column == null) {
            throw new IllegalArgumentException("a route match needs a table, a domain or a column range");
        }
        if ((column == null) != (before == null && from == null)) {
            throw new IllegalArgumentException("a column range needs both a column and at least one of before/from");
        }
        if (before != null && from != null && from.compareTo(before) >= 0) {
            throw new IllegalArgumentException("empty range: from " + from + " is not before " + before);
        }
    }

    /** Matches every packet of tables matching {@code tableGlob}. */
    public static RouteMatch table(String tableGlob) {
        return new RouteMatch(tableGlob, null, null, null, null);
    }

    /** Whether this match splits packets by a column's values. */
    public boolean hasRange() {
        return column != null;
    }

    /** Whether a packet of {@code table} with {@code packetDomain} is a candidate, before any range. */
    public boolean appliesTo(String table, Optional<String> packetDomain) {
        return (tableGlob == null || globMatches(tableGlob, table))
                && (domain == null || packetDomain.filter(domain::equals).isPresent());
    }

    /** Whether {@code value} lies in {@code [from, before)}; true for every value without a range. */
    public boolean contains(Instant value) {
        return (from == null || value.compareTo(from.instant()) >= 0)
                && (before == null || value.compareTo(before.instant()) < 0);
    }

    /** Whether {@code text} matches {@code glob} as a whole: {@code *} any run, {@code ?} one character. */
    public static boolean globMatches(String glob, String text) {
        int g = 0;
        int t = 0;
        int starG = -1;
        int starT = 0;
        while (t < text.length()) {
            if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == text.charAt(t)) && glob.charAt(g) != '*') {
                g++;
                t++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                starG = g++;
                starT = t;
            } else if (starG >= 0) {
                g = starG + 1;
                t = ++starT;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }

    /** As written in YAML, e.g. {@code {table: bars, column: ts, before: 2026-01-01}}. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (tableGlob != null) {
            parts.add("table: " + tableGlob);
        }
        if (domain != null) {
            parts.add("domain: " + domain);
        }
        if (column != null) {
            parts.add("column: " + column);
        }
        if (from != null) {
            parts.add("from: " + from);
        }
        if (before != null) {
            parts.add("before: " + before);
        }
        return "{" + String.join(", ", parts) + "}";
    }
}
