package dev.fanout.core.migrate;

/**
 * A migration that cannot start as configured — a source or target whose plugin cannot read —
 * reported before any row is copied, with a message saying what to change.
 */
public final class MigrationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MigrationException(String message) {
        super(message);
    }
}
