package dev.fanout.dlq;

import java.io.IOException;

/**
 * Where the dispatcher parks what it cannot write. {@link #park} returns only when the record is
 * durable (on disk, fsynced): the dispatcher acknowledges a packet as dead-lettered only then.
 * Implementations are thread-safe; lanes call them from their own threads.
 */
@FunctionalInterface
public interface DeadLetterSink {

    /** Stores {@code letter} durably. */
    void park(DeadLetter letter) throws IOException;
}
