package dev.fanout.core.dispatch;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a destination's writer is open, as its lane sees it now. A destination whose writer did
 * not open is down: its lane keeps serving, calls {@code open} again before each write attempt, and
 * parks (or fails) its packets with the open error as the reason until an attempt succeeds.
 *
 * <p>A destination that is up may still fail writes: its {@link LaneSummary#circuit() circuit} and
 * counts say so.
 *
 * @param destination the destination name
 * @param up          whether its writer is open
 * @param lastError   while down, why the last open attempt failed (secrets masked when it comes
 *                    through {@code Fanout}); null while up
 * @param lastErrorAt while down, when the last open attempt failed; null while up
 */
public record DestinationHealth(String destination, boolean up, String lastError, Instant lastErrorAt) {

    public DestinationHealth {
        Objects.requireNonNull(destination, "destination is null");
    }

    /** {@link #lastError()}, when there is one. */
    public Optional<String> reason() {
        return Optional.ofNullable(lastError);
    }

    /** This health with {@code lastError} replaced, e.g. by a masked copy. */
    public DestinationHealth withLastError(String lastError) {
        return new DestinationHealth(destination, up, lastError, lastErrorAt);
    }
}
