package dev.fanout.api;

import java.util.OptionalLong;

/**
 * What one {@link BaseWriter#writeCounted write} did with its batch's rows, as the writer counted
 * them: of the rows <em>received</em>, how many were <em>applied</em> (inserted, or replaced a stored
 * row) and how many <em>skipped</em> — superseded by a later version of their key in the same batch
 * ({@link LatestPerKey}), or not newer than the stored row (a stale version, or a replay of the very
 * row already stored). {@code applied + skipped == received} always.
 *
 * <p>A writer that does not count (every plugin written before this existed) reports
 * {@link #unreported}: applied and skipped unknown, shown as {@code -} by the command line and left
 * out of the applied/skipped metrics. An engine that settles versions later, not at write time
 * (ClickHouse's ReplacingMergeTree drops stale rows at merge or {@code FINAL}), counts the rows it
 * inserted as applied and only the superseded ones as skipped, and says so in its documentation.
 *
 * @param received the batch's rows ({@link WriteBatch#rowCount()})
 * @param applied  rows applied, empty when the writer does not count
 */
public record WriteOutcome(long received, OptionalLong applied) {
    public WriteOutcome {
        if (received < 0) {
            throw new IllegalArgumentException("received " + received + " < 0");
        }
        if (applied.isPresent() && (applied.getAsLong() < 0 || applied.getAsLong() > received)) {
            throw new IllegalArgumentException("applied " + applied.getAsLong() + " is not between 0 and received " + received);
        }
    }

    /** A counted write: {@code applied} of {@code received} rows applied, the rest skipped. */
    public static WriteOutcome counted(long received, long applied) {
        return new WriteOutcome(received, OptionalLong.of(applied));
    }

    /** A write whose writer does not count: {@code received} rows, applied and skipped unknown. */
    public static WriteOutcome unreported(long received) {
        return new WriteOutcome(received, OptionalLong.empty());
    }

    /** Rows skipped (superseded within the batch, or not newer than the stored row); empty when not counted. */
    public OptionalLong skipped() {
        return applied.isPresent() ? OptionalLong.of(received - applied.getAsLong()) : OptionalLong.empty();
    }

    /** Whether the writer counted applied and skipped rows. */
    public boolean reported() {
        return applied.isPresent();
    }
}
