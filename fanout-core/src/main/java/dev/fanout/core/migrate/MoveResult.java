package dev.fanout.core.migrate;

import java.util.Objects;
import java.util.Optional;

/**
 * What a migration did with one move.
 *
 * @param move          the move
 * @param copiedNow     rows written to the target in this run
 * @param copiedInAll   rows written to the target over every run (from its checkpoint)
 * @param resumed       whether this run continued a checkpoint left by an earlier one
 * @param verification  the comparison of source and target, when it ran
 * @param deletedRows   rows deleted at the source in this run ({@code --delete-source}, after verification)
 * @param failure       why the move did not complete, secrets masked; empty when it did
 * @param path          how this run copies the move's rows (also when they were all copied before)
 */
public record MoveResult(Move move, long copiedNow, long copiedInAll, boolean resumed, Optional<Verification> verification,
                         long deletedRows, Optional<String> failure, CopyPath path) {

    /** How a move's rows go from the source to the target. */
    public enum CopyPath {
        /** Scanned into packets by the source's reader and written by the target's writer, as ingest writes. */
        STREAMED,
        /**
         * Exported by the source's reader as bytes in the fanout row stream format and loaded from them by the
         * target's writer ({@link dev.fanout.api.RowExport}, {@link dev.fanout.api.RowLoad}): no row becomes a Java object.
         */
        ROW_STREAM,
        /** Copied and verified by the target's engine itself ({@link dev.fanout.api.SameEngineCopy}). */
        IN_ENGINE
    }

    public MoveResult {
        Objects.requireNonNull(move, "move is null");
        Objects.requireNonNull(verification, "verification is null");
        Objects.requireNonNull(failure, "failure is null");
        Objects.requireNonNull(path, "path is null");
    }

    /** A result of the streaming path. */
    public MoveResult(Move move, long copiedNow, long copiedInAll, boolean resumed, Optional<Verification> verification,
                      long deletedRows, Optional<String> failure) {
        this(move, copiedNow, copiedInAll, resumed, verification, deletedRows, failure, CopyPath.STREAMED);
    }

    static MoveResult failed(Move move, long copiedNow, long copiedInAll, boolean resumed, String failure, CopyPath path) {
        return new MoveResult(move, copiedNow, copiedInAll, resumed, Optional.empty(), 0, Optional.of(failure), path);
    }

    /**
     * Whether the target's engine copied and verified the rows itself ({@link dev.fanout.api.SameEngineCopy}),
     * rather than fanout moving them through its reader and writer.
     */
    public boolean inEngine() {
        return path == CopyPath.IN_ENGINE;
    }

    /** Copied, and verified: every source row is at the target, the same or newer. */
    public boolean passed() {
        return failure.isEmpty() && verification.map(Verification::passed).orElse(false);
    }
}
