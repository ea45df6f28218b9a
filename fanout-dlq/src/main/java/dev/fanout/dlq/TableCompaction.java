package dev.fanout.dlq;

import java.util.Objects;

/**
 * What {@link DeadLetterStore#compact} did to one table's file: what the file held before and after.
 * A record is one frame of the file — a dead letter, a superseded attempt of one, or a tombstone —
 * so {@code recordsBefore} counts everything ever appended since the last compaction and
 * {@code recordsAfter} the live dead letters plus the records this version cannot read but keeps.
 *
 * @param table         the table
 * @param recordsBefore readable records in the file before
 * @param bytesBefore   the file's size before (0 when it had no file)
 * @param recordsAfter  records in the file after: the live ones
 * @param bytesAfter    the file's size after; 0 when nothing was live and the file was removed
 * @param droppedBytes  damaged bytes between records and a torn tail left by a crash, which no reader
 *                      could use and which compaction does not copy
 */
public record TableCompaction(String table, long recordsBefore, long bytesBefore, long recordsAfter, long bytesAfter,
                              long droppedBytes) {

    public TableCompaction {
        Objects.requireNonNull(table, "table is null");
    }

    /** The bytes given back to the file system. */
    public long reclaimedBytes() {
        return bytesBefore - bytesAfter;
    }

    /** Whether the table's file is gone: nothing in it was live. */
    public boolean removed() {
        return bytesAfter == 0;
    }
}
