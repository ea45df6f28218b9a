package dev.fanout.core.routing;

import java.util.Objects;

/**
 * A packet, or some of its rows, has nowhere to go: no route matches and the topology has no
 * default, or a range route compares a column the packet lacks or that is not a date or timestamp,
 * or holds a value of the wrong type. A data problem of that packet, not of the router: the
 * dispatcher parks the packet and carries on. The message names the table and what to change.
 */
public class UnroutableException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String table;

    public UnroutableException(String table, String message) {
        super(message);
        this.table = Objects.requireNonNull(table, "table is null");
    }

    /** The table of the packet that could not be routed. */
    public String table() {
        return table;
    }
}
