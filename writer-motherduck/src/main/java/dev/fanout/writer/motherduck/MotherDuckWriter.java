package dev.fanout.writer.motherduck;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.writer.duckdb.DuckDbWriter;
import java.util.Objects;

/**
 * The DuckDB writer on a {@link MotherDuckTarget}, plus the one-table form's rule: a destination
 * written {@code md://database.schema/table} takes packets of that table only, and any other table
 * routed to it fails permanently naming both — a routing mistake no retry can fix.
 */
final class MotherDuckWriter implements BaseWriter {

    private final MotherDuckDestination destination;
    private final DuckDbWriter writer;

    MotherDuckWriter(MotherDuckDestination destination) {
        this.destination = Objects.requireNonNull(destination, "destination is null");
        this.writer = new DuckDbWriter(destination.name(), new MotherDuckTarget(destination));
    }

    @Override
    public void open() throws WriteException {
        writer.open();
    }

    @Override
    public void write(WriteBatch batch) throws WriteException {
        Objects.requireNonNull(batch, "batch is null");
        String table = batch.table();
        if (destination.table() != null && !sameIdentifier(destination.table(), table)) {
            throw WriteException.permanent(table, null, "destination " + destination.name() + " takes only table "
                    + destination.table() + " (its URI " + destination.uri() + " names it), but a packet of table " + table
                    + " was routed to it — route " + table + " to another destination, or use " + destination.wholeDatabaseUri()
                    + " for every table of the database");
        }
        writer.write(batch);
    }

    /** DuckDB matches identifiers case-insensitively (ASCII letters), also when quoted. */
    private static boolean sameIdentifier(String a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y && !(x < 128 && y < 128 && Character.toLowerCase(x) == Character.toLowerCase(y))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws WriteException {
        writer.close();
    }

    @Override
    public String toString() {
        return "MotherDuckWriter[" + destination.name() + ", " + destination.uri() + "]";
    }
}
