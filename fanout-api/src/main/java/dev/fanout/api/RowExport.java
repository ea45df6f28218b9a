package dev.fanout.api;

import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * A reader's export of stored rows as bytes in the <b>fanout row stream</b> format, for a migration
 * between two engines ({@link Capability#EXPORT_ROWS}): {@link TableReader#scan} hands over every
 * value as a Java object in a {@link FramePacket}, which the target's writer then encodes again; a
 * source that writes the bytes its engine returns straight into a stream that the target's
 * {@link RowLoad} reads saves both steps and every per-row allocation. Only the migration uses it;
 * ingest never does. A migration uses it only when the source's plugin declares
 * {@link Capability#EXPORT_ROWS} and the target's {@link Capability#LOAD_ROWS}; otherwise it scans.
 *
 * <h2>The fanout row stream, version 1</h2>
 *
 * The rows of one table, for one {@link Schema} given beside the stream (the source's
 * {@link TableReader#schema}): no header, no trailer, rows one after another until the stream ends.
 * All integers are little-endian, two's complement. Each row is, for each column of the schema in
 * schema order:
 * <ul>
 *   <li>one byte: {@code 0} when a value follows, {@code 1} for null (nothing follows);</li>
 *   <li>the value, by the column's logical type:
 *     <table>
 *       <caption>Values in a row stream</caption>
 *       <tr><th>type</th><th>bytes</th></tr>
 *       <tr><td>boolean</td><td>1 byte: {@code 0} false, {@code 1} true</td></tr>
 *       <tr><td>int32</td><td>4 bytes</td></tr>
 *       <tr><td>int64</td><td>8 bytes</td></tr>
 *       <tr><td>float64</td><td>8 bytes: the IEEE 754 binary64 bits as stored ({@link Double#doubleToRawLongBits}):
 *           NaN, ±infinity and -0.0 travel as they are</td></tr>
 *       <tr><td>decimal(p,s)</td><td>16 bytes: the unscaled value at scale s (value × 10<sup>s</sup>)</td></tr>
 *       <tr><td>string, json</td><td>the length in bytes as an unsigned LEB128 varint (7 bits a byte, low
 *           bits first, high bit set on every byte but the last), then that many bytes of UTF-8</td></tr>
 *       <tr><td>bytes</td><td>the length as for a string, then the bytes</td></tr>
 *       <tr><td>date</td><td>4 bytes: days since 1970-01-01, negative before</td></tr>
 *       <tr><td>timestamp</td><td>8 bytes: microseconds since 1970-01-01T00:00:00Z, negative before</td></tr>
 *     </table></li>
 * </ul>
 * then the row's stored version ({@code _fanout_version}) in 8 bytes, never null. A stream holds at
 * most one row per primary key, in no particular order. A stream that ends inside a row is broken, and
 * a reader fails on it rather than loading the rows before.
 *
 * <p><b>Threading</b>: the migration calls {@link #export} on a thread of its own while its thread
 * loads the stream at the target; nothing else uses the source's writer or reader meanwhile.
 */
public interface RowExport {

    /**
     * Writes the next source rows of {@code table} inside {@code rows} — those whose primary key
     * follows {@code afterKey} (exclusive; key values as {@link TableReader#scan} takes them), or
     * from the first key when empty — up to and including a last key chosen so the range holds at
     * most {@code maxRows} rows, to {@code out} in the row stream format, for the schema
     * {@link TableReader#schema} gives. Does not close {@code out}.
     *
     * @return the range's last key and its row count; empty when no row follows {@code afterKey}
     *         (nothing was written)
     * @throws WriteException naming the table when the engine fails, or when {@code out} does (its
     *                        {@link java.io.IOException} as the cause): the stream then ends anywhere
     */
    Optional<ExportedRange> export(String table, RowFilter rows, Optional<List<Object>> afterKey, int maxRows, OutputStream out)
            throws WriteException;

    /**
     * A range written to a stream.
     *
     * @param lastKey its last key's values in key order, typed as {@link LogicalType#javaClass()} says:
     *                the resume point after it
     * @param rows    the rows written
     */
    record ExportedRange(List<Object> lastKey, long rows) {
        public ExportedRange {
            lastKey = List.copyOf(lastKey);
            if (rows < 1) {
                throw new IllegalArgumentException("an exported range holds at least one row, got " + rows);
            }
        }
    }
}
