package dev.fanout.core.migrate;

import dev.fanout.api.FramePacket;
import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteException;
import java.util.List;
import java.util.Optional;

/**
 * Compares one table part at two destinations with a merge join of their key-ordered scans, each
 * streamed on its own thread ({@link ScanStream}): memory stays bounded by a few batches whatever the
 * table's size, and every row is looked at once on each side. Rows of one key and version compare by
 * their 64-bit {@link RowFingerprint#content} hashes.
 */
final class Verifier {

    private Verifier() {
    }

    /**
     * @throws WriteException (permanent) when the two tables' keys differ column for column — e.g. the
     *                        same columns in another order, which the writers accept in a batch — as
     *                        their scans cannot be merged key by key
     */
    static Verification verify(String table, RowFilter rows, TableReader source, TableReader target, int batchRows)
            throws WriteException {
        Optional<Schema> sourceSchema = source.schema(table);
        Optional<Schema> targetSchema = target.schema(table);
        if (sourceSchema.isPresent() && targetSchema.isPresent()
                && !sameKey(sourceSchema.get().primaryKey(), targetSchema.get().primaryKey())) {
            throw WriteException.permanent(table, null, "table " + table + ": the target's key " + targetSchema.get().primaryKey()
                    + " is not the source's " + sourceSchema.get().primaryKey() + " column for column, so their key-ordered scans"
                    + " cannot be merged to compare them; migrate into a table keyed like the source, in the same order");
        }
        try (Side s = Side.open("source", sourceSchema.isPresent() ? source : null, table, rows, batchRows);
             Side t = Side.open("target", targetSchema.isPresent() ? target : null, table, rows, batchRows)) {
            long equal = 0;
            long newer = 0;
            long missing = 0;
            long older = 0;
            long different = 0;
            boolean hasS = s.advance();
            boolean hasT = t.advance();
            while (hasS || hasT) {
                int c = !hasS ? 1 : !hasT ? -1 : KeyOrder.INSTANCE.compare(s.key, t.key);
                if (c < 0) {
                    missing++;
                    hasS = s.advance();
                } else if (c > 0) {
                    hasT = t.advance();
                } else {
                    if (t.version > s.version) {
                        newer++;
                    } else if (t.version < s.version) {
                        older++;
                    } else if (s.content == t.content) {
                        equal++;
                    } else {
                        different++;
                    }
                    hasS = s.advance();
                    hasT = t.advance();
                }
            }
            return new Verification(s.rows, t.rows, equal, newer, missing, older, different, s.checksum, t.checksum);
        }
    }

    /** Whether two keys name the same columns in the same order (column names compared as DuckDB does, ignoring case). */
    private static boolean sameKey(List<String> a, List<String> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).equalsIgnoreCase(b.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** One side's scan as a cursor over rows, checking that keys strictly increase. */
    private static final class Side implements AutoCloseable {
        private final String role;
        private final String table;
        private final ScanStream stream;
        private FramePacket packet;
        private Schema schema;
        private int[] keyIndexes;
        private RowFingerprint fingerprint;
        private int row;
        List<Object> key;
        long version;
        long content;
        long rows;
        long checksum;

        private Side(String role, String table, ScanStream stream) {
            this.role = role;
            this.table = table;
            this.stream = stream;
        }

        /** A cursor over {@code reader}'s rows of the part; over none when {@code reader} is null (the table does not exist). */
        static Side open(String role, TableReader reader, String table, RowFilter rows, int batchRows) {
            return new Side(role, table, reader == null ? null : new ScanStream(role, reader, table, rows, Optional.empty(), batchRows));
        }

        boolean advance() throws WriteException {
            while (packet == null || ++row >= packet.rowCount()) {
                packet = stream == null ? null : stream.next();
                if (packet == null) {
                    return false;
                }
                row = -1;
                if (!packet.schema().equals(schema)) {
                    schema = packet.schema();
                    keyIndexes = schema.keyIndexes();
                    fingerprint = new RowFingerprint(schema);
                }
            }
            List<Object> next = KeyOrder.key(packet, row, keyIndexes);
            if (key != null && KeyOrder.INSTANCE.compare(key, next) >= 0) {
                throw WriteException.permanent("table " + table + ": the " + role + " scan returned key " + next + " after " + key
                        + ", not in key order; cannot verify", null);
            }
            key = next;
            version = packet.rowVersion(row);
            content = fingerprint.content(packet, row);
            rows++;
            checksum += RowFingerprint.row(version, content);
            return true;
        }

        @Override
        public void close() {
            if (stream != null) {
                stream.close();
            }
        }
    }
}
