package dev.fanout.core.flow;

import dev.fanout.api.FramePacket;

import java.math.BigDecimal;

/**
 * A cheap estimate of the heap a packet's values take, for byte limits: per row 16 bytes of array
 * header plus, per value, 8 for the reference and: null 0, boolean 16, int32 16, int64 and float64
 * 24, date and timestamp 24, decimal 40 plus its digits / 2, string 40 plus 2 per char (an
 * over-estimate for Latin-1 strings), bytes 16 plus their length. One pass over the values, no
 * allocation; within a factor of two of the real footprint for ordinary rows.
 */
public final class PacketSizes {

    private PacketSizes() {
    }

    /** The estimated size of {@code packet}'s values, in bytes. */
    public static long estimateBytes(FramePacket packet) {
        int width = packet.schema().width();
        long total = 0;
        for (int r = 0; r < packet.rowCount(); r++) {
            total += 16;
            for (int c = 0; c < width; c++) {
                total += 8 + valueBytes(packet.value(r, c));
            }
        }
        return total;
    }

    static long valueBytes(Object v) {
        if (v == null) {
            return 0;
        }
        if (v instanceof String s) {
            return 40 + 2L * s.length();
        }
        if (v instanceof byte[] b) {
            return 16 + b.length;
        }
        if (v instanceof Boolean || v instanceof Integer) {
            return 16;
        }
        if (v instanceof BigDecimal d) {
            return 40 + d.precision() / 2;
        }
        return 24;
    }
}
