package dev.fanout.writer.motherduck;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriteOutcome;
import dev.fanout.writer.duckdb.DuckDbWriter;
import java.util.Objects;
import java.util.Optional;

/**
 * The DuckDB writer on a {@link MotherDuckTarget}, plus the one-table form's rule: a destination
 * written {@code md://database.schema/table} takes packets of that table only, and any other table
 * routed to it fails permanently naming both — a routing mistake no retry can fix. Its reader is the
 * DuckDB writer's, over the same connection; the one-table form lists and reads that table only.
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

    /**
     * In test mode the local file's identity (a DuckDB destination on that file is the same target);
     * for MotherDuck itself empty: its database name ({@code physicalTarget}) is all fanout can tell.
     */
    @Override
    public Optional<String> targetIdentity() throws WriteException {
        return writer.targetIdentity();
    }

    @Override
    public void write(WriteBatch batch) throws WriteException {
        writeCounted(batch);
    }

    /** The DuckDB writer's counts, after refusing a table a one-table destination does not take. */
    @Override
    public WriteOutcome writeCounted(WriteBatch batch) throws WriteException {
        Objects.requireNonNull(batch, "batch is null");
        String table = batch.table();
        if (!destination.takes(table)) {
            throw WriteException.permanent(table, null, "destination " + destination.name() + " takes only table "
                    + destination.table() + " (its URI " + destination.uri() + " names it), but a packet of table " + table
                    + " was routed to it — route " + table + " to another destination, or use " + destination.wholeDatabaseUri()
                    + " for every table of the database");
        }
        return writer.writeCounted(batch);
    }

    /** The DuckDB writer's reader; a one-table destination lists and reads its table only. */
    @Override
    public Optional<TableReader> reader() {
        return writer.reader();
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
