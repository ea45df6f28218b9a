package dev.fanout.core.dispatch;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.Schema;

/**
 * The data checks a packet passes before any write: every value fits its column's logical type,
 * key and non-nullable columns hold no null, and the version column (when the schema names one)
 * holds no null. Stateless.
 */
final class PacketValidation {

    /** The first problem found in a packet. {@link #toString()} may quote the offending value; {@link #location()} never does. */
    record Rejection(String table, int row, String column, String problem) {
        /** Where the problem is, without the value: safe for logs. */
        String location() {
            return "table " + table + ", row " + row + ", column '" + column + "'";
        }

        @Override
        public String toString() {
            return location() + ": " + problem;
        }
    }

    private PacketValidation() {
    }

    /** The first problem in {@code packet}, scanning row by row, or null when it is fit to write. */
    static Rejection firstProblem(FramePacket packet) {
        Schema schema = packet.schema();
        int width = schema.width();
        int versionIndex = schema.versionIndex();
        for (int row = 0; row < packet.rowCount(); row++) {
            for (int c = 0; c < width; c++) {
                Column column = schema.column(c);
                Object value = packet.value(row, c);
                if (value == null) {
                    if (!column.nullable()) {
                        String what = schema.isKey(column.name()) ? "key column" : "non-nullable column";
                        return new Rejection(packet.table(), row, column.name(), "null in " + what);
                    }
                    if (c == versionIndex) {
                        return new Rejection(packet.table(), row, column.name(), "null in the version column");
                    }
                    continue;
                }
                String rejection = column.type().rejectionOf(value);
                if (rejection != null) {
                    return new Rejection(packet.table(), row, column.name(), rejection);
                }
            }
        }
        return null;
    }
}
