package dev.fanout.core.dispatch;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.Router.RoutedPart;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The table and column names this dispatcher has sent to each destination whose engine compares names
 * case-insensitively ({@link IdentifierComparison#CASE_INSENSITIVE}), so that a packet naming
 * something the engine cannot tell apart from an earlier name is refused before anything is written:
 * a table that differs only by case from a table sent there, a schema holding two columns that differ
 * only by case, a column that differs only by case from one sent earlier for that table. The first
 * name submitted wins and stays intact. Destinations comparing names {@link IdentifierComparison#EXACT
 * exactly} are not tracked: nothing is refused there.
 *
 * <p>Names are claimed when a packet passes, before flow control admits it: a packet that is later
 * refused by flow control, or parked, still holds its names for the run, so submission order alone
 * decides. Thread-safe: one packet's parts are checked and claimed together.
 */
final class SentNames {

    /** Why a packet was refused: the destination it clashed at and the reason, naming both names. */
    record Clash(String destination, String reason) {
    }

    /** The names sent to one destination: table key → its first spelling and its columns' first spellings by key. */
    private static final class Sent {
        final Map<String, String> tables = new HashMap<>();
        final Map<String, Map<String, String>> columns = new HashMap<>();
    }

    private final Map<String, IdentifierComparison> comparisons;
    /** Whether any destination compares names case-insensitively; when none does, nothing is tracked or locked. */
    private final boolean tracking;
    private final Map<String, Sent> sent = new HashMap<>();

    /** @param comparisons destination name → how its engine compares names; a destination missing here is {@link IdentifierComparison#EXACT} */
    SentNames(Map<String, IdentifierComparison> comparisons) {
        this.comparisons = Map.copyOf(comparisons);
        this.tracking = this.comparisons.values().stream().anyMatch(c -> c != IdentifierComparison.EXACT);
    }

    /**
     * Checks every part of a packet against the names sent to its destination, and claims the names
     * of each part that does not clash at its destination; a part that clashes claims nothing.
     *
     * @return the clash of each part that clashes, by its index in {@code parts}; empty when every
     *     part may be written
     */
    Map<Integer, Clash> claim(List<RoutedPart> parts) {
        if (!tracking) {
            return Map.of();
        }
        synchronized (sent) {
            return claimLocked(parts);
        }
    }

    private Map<Integer, Clash> claimLocked(List<RoutedPart> parts) {
        Map<Integer, Clash> clashes = new HashMap<>();
        for (int i = 0; i < parts.size(); i++) {
            Clash clash = clash(parts.get(i).destination(), parts.get(i).packet());
            if (clash != null) {
                clashes.put(i, clash);
            }
        }
        for (int i = 0; i < parts.size(); i++) {
            RoutedPart part = parts.get(i);
            IdentifierComparison comparison = comparisons.get(part.destination());
            if (clashes.containsKey(i) || comparison == null || comparison == IdentifierComparison.EXACT) {
                continue;
            }
            Sent names = sent.computeIfAbsent(part.destination(), d -> new Sent());
            String table = part.packet().table();
            String tableKey = comparison.key(table);
            names.tables.putIfAbsent(tableKey, table);
            Map<String, String> columns = names.columns.computeIfAbsent(tableKey, t -> new HashMap<>());
            for (Column c : part.packet().schema().columns()) {
                columns.putIfAbsent(comparison.key(c.name()), c.name());
            }
        }
        return clashes;
    }

    private Clash clash(String destination, FramePacket packet) {
        IdentifierComparison comparison = comparisons.get(destination);
        if (comparison == null || comparison == IdentifierComparison.EXACT) {
            return null;
        }
        String table = packet.table();
        String why = "destination " + destination + " compares names case-insensitively, so ";
        Map<String, String> inSchema = new HashMap<>();
        for (Column c : packet.schema().columns()) {
            String other = inSchema.putIfAbsent(comparison.key(c.name()), c.name());
            if (other != null) {
                return new Clash(destination, "table " + table + ": columns '" + other + "' and '" + c.name()
                        + "' differ only by case, and " + why + "it would store them as one column — rename one of them"
                        + " in the producer, or route table " + table + " to a destination that tells them apart");
            }
        }
        Sent names = sent.get(destination);
        if (names == null) {
            return null;
        }
        String tableKey = comparison.key(table);
        String earlierTable = names.tables.get(tableKey);
        if (earlierTable == null) {
            return null;
        }
        if (!earlierTable.equals(table)) {
            return new Clash(destination, "table '" + table + "' differs only by case from table '" + earlierTable
                    + "', which this run sent to destination " + destination + " first; " + why + "'" + table
                    + "' would be written into '" + earlierTable + "' — rename one of the two tables, or route '" + table
                    + "' to another destination");
        }
        Map<String, String> earlierColumns = names.columns.getOrDefault(tableKey, Map.of());
        for (Column c : packet.schema().columns()) {
            String earlier = earlierColumns.get(comparison.key(c.name()));
            if (earlier != null && !earlier.equals(c.name())) {
                return new Clash(destination, "table " + table + ": column '" + c.name() + "' differs only by case from column '"
                        + earlier + "', which this run sent to destination " + destination + " first; " + why + "'" + c.name()
                        + "' would be written into '" + earlier + "' — rename one of the two columns, or route table " + table
                        + " to another destination");
            }
        }
        return null;
    }
}
