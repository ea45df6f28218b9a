package dev.fanout.core.topology;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * One end of a route's column range: an instant, written either as an ISO date (meaning midnight
 * UTC) or as an ISO instant. Keeps the text as written for messages.
 *
 * @param text    the bound as written, e.g. {@code 2026-01-01}
 * @param instant the point in time it denotes
 */
public record RangeBound(String text, Instant instant) implements Comparable<RangeBound> {
    public RangeBound {
        Objects.requireNonNull(text, "text is null");
        Objects.requireNonNull(instant, "instant is null");
    }

    /**
     * Parses {@code 2026-01-01} (midnight UTC), {@code 2026-01-01T12:00:00Z} or an instant with an
     * offset such as {@code 2026-01-01T12:00:00+01:00}.
     *
     * @throws IllegalArgumentException saying which forms are accepted
     */
    public static RangeBound parse(String text) {
        Objects.requireNonNull(text, "text is null");
        String t = text.trim();
        try {
            return new RangeBound(t, LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant());
        } catch (DateTimeParseException notADate) {
            try {
                return new RangeBound(t, OffsetDateTime.parse(t).toInstant());
            } catch (DateTimeParseException notAnInstant) {
                throw new IllegalArgumentException("'" + text + "' is neither an ISO date like 2026-01-01"
                        + " nor an ISO instant like 2026-01-01T12:00:00Z");
            }
        }
    }

    @Override
    public int compareTo(RangeBound other) {
        return instant.compareTo(other.instant);
    }

    @Override
    public String toString() {
        return text;
    }
}
