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
 */
public record MoveResult(Move move, long copiedNow, long copiedInAll, boolean resumed, Optional<Verification> verification,
                         long deletedRows, Optional<String> failure) {
    public MoveResult {
        Objects.requireNonNull(move, "move is null");
        Objects.requireNonNull(verification, "verification is null");
        Objects.requireNonNull(failure, "failure is null");
    }

    static MoveResult failed(Move move, long copiedNow, long copiedInAll, boolean resumed, String failure) {
        return new MoveResult(move, copiedNow, copiedInAll, resumed, Optional.empty(), 0, Optional.of(failure));
    }

    /** Copied, and verified: every source row is at the target, the same or newer. */
    public boolean passed() {
        return failure.isEmpty() && verification.map(Verification::passed).orElse(false);
    }
}
