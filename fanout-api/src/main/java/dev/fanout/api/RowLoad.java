package dev.fanout.api;

import java.io.InputStream;
import java.util.Map;

/**
 * A writer's load of rows in the fanout row stream format ({@link RowExport} specifies it), for a
 * migration between two engines ({@link Capability#LOAD_ROWS}): the rows another plugin's
 * {@link RowExport} writes go into the target's bulk insert as bytes, without becoming
 * {@link FramePacket}s. Only the migration uses it; ingest never does.
 *
 * <p><b>Guarantees</b>, those of {@link BaseWriter#write}: the table is created or evolved first
 * with the writer's own rules (new columns nullable, widening only); every row keeps the version it
 * carries, and replaces a stored row only when that version is greater or equal; a value the target
 * cannot store (a null in a non-null column, a date out of its range) fails the load permanently,
 * naming table and column. A failed load may leave part of its rows visible, each with its own key and
 * version, so loading the same rows again converges to the same state — as a replayed write does.
 *
 * <p><b>Threading</b>: called on the writer's thread, between {@link BaseWriter#open()} and
 * {@link BaseWriter#close()}, while another thread writes the stream.
 */
public interface RowLoad {

    /**
     * Reads {@code rows}, a row stream for {@code schema}, to its end and upserts every row into
     * {@code table}, with the TO topology's {@code tableOptions} for a table it creates. Does not
     * close {@code rows}.
     *
     * @return the rows loaded
     * @throws WriteException retryable when the target cannot be reached for now, permanent for a
     *                        value it cannot store or a broken stream; when reading {@code rows}
     *                        fails, with that {@link java.io.IOException} as the cause
     */
    long load(String table, Schema schema, Map<String, String> tableOptions, InputStream rows) throws WriteException;
}
