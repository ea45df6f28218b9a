package dev.fanout.core.dispatch;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a destination is reachable, as its lane sees it now. It is <b>down</b> in two cases:
 * <ul>
 *   <li>its writer did not open ({@code writerOpen} false): its lane keeps serving, calls
 *       {@code open} again before each write attempt, and parks (or fails) its packets with the open
 *       error as the reason until an attempt succeeds;</li>
 *   <li>its writer is open but its last batch failed retryably after all its retries (a server that
 *       does not answer, a lock held elsewhere — what the circuit breaker counts), until a write
 *       succeeds again. A writer that connects lazily (ClickHouse's, when the server is away at
 *       open) is in this case.</li>
 * </ul>
 * Otherwise it is up. A permanent failure (a poisoned packet, a type that cannot widen) does not make
 * a destination down: its counts say so.
 *
 * @param destination the destination name
 * @param up          whether it is up (see above)
 * @param writerOpen  whether its writer is open
 * @param lastError   while down, why: the last open attempt's failure, or the last batch's
 *                    (secrets masked when it comes through {@code Fanout}); null while up
 * @param lastErrorAt while down, when that failure happened; null while up
 */
public record DestinationHealth(String destination, boolean up, boolean writerOpen, String lastError, Instant lastErrorAt) {

    public DestinationHealth {
        Objects.requireNonNull(destination, "destination is null");
    }

    /** {@link #lastError()}, when there is one. */
    public Optional<String> reason() {
        return Optional.ofNullable(lastError);
    }

    /** This health with {@code lastError} replaced, e.g. by a masked copy. */
    public DestinationHealth withLastError(String lastError) {
        return new DestinationHealth(destination, up, writerOpen, lastError, lastErrorAt);
    }
}
