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

    static Verification verify(String table, RowFilter rows, TableReader source, TableReader target, int batchRows)
            throws WriteException {
        try (Side s = Side.open("source", source, table, rows, batchRows);
             Side t = Side.open("target", target, table, rows, batchRows)) {
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

        static Side open(String role, TableReader reader, String table, RowFilter rows, int batchRows) throws WriteException {
            boolean exists = reader.schema(table).isPresent();
            return new Side(role, table, exists ? new ScanStream(role, reader, table, rows, Optional.empty(), batchRows) : null);
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
