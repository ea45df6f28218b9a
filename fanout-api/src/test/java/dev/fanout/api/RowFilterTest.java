package dev.fanout.api;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The bounds of a {@link RowFilter} in the units readers compare stored dates and timestamps in. */
class RowFilterTest {

    private static final List<Instant> BOUNDS = List.of(Instant.parse("2026-01-01T00:00:00Z"),
            Instant.parse("2026-01-01T00:00:00.000000001Z"), Instant.parse("2025-12-31T23:59:59.999999999Z"),
            Instant.parse("1969-12-31T12:00:00Z"), Instant.parse("1970-01-01T00:00:00Z"), Instant.parse("1969-12-31T23:59:59.999999500Z"),
            Instant.parse("1970-01-01T00:00:00.000001Z"), Instant.parse("1970-01-01T00:00:00.000000999Z"));

    @Test
    void boundsRoundUpToTheNextStoredUnit() {
        assertThat(RowFilter.Bound.ceilEpochDay(Instant.parse("2026-01-01T00:00:00Z"))).isEqualTo(20454);
        assertThat(RowFilter.Bound.ceilEpochDay(Instant.parse("2026-01-01T00:00:00.000000001Z"))).isEqualTo(20455);
        assertThat(RowFilter.Bound.ceilEpochDay(Instant.parse("1969-12-31T12:00:00Z"))).isZero();
        assertThat(RowFilter.Bound.ceilEpochMicros(Instant.parse("1969-12-31T23:59:59.999999500Z"))).isZero();
        assertThat(RowFilter.Bound.ceilEpochMicros(Instant.parse("1970-01-01T00:00:00.000001Z"))).isEqualTo(1);
        assertThat(RowFilter.Bound.ceilEpochMicros(Instant.MAX)).isEqualTo(Long.MAX_VALUE);
        assertThat(RowFilter.Bound.ceilEpochMicros(Instant.MIN)).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void aDateComparedInDaysIsInsideExactlyWhenItsMidnightIs() {
        for (Instant bound : BOUNDS) {
            RowFilter.Bound b = new RowFilter.Bound("day", bound, bound.plusSeconds(86_400 * 3), true, false);
            LocalDate near = LocalDate.ofInstant(bound, ZoneOffset.UTC);
            for (LocalDate d = near.minusDays(2); d.isBefore(near.plusDays(6)); d = d.plusDays(1)) {
                boolean inDays = d.toEpochDay() >= RowFilter.Bound.ceilEpochDay(b.from())
                        && d.toEpochDay() < RowFilter.Bound.ceilEpochDay(b.before());
                assertThat(inDays).as("%s in %s", d, b).isEqualTo(b.contains(d.atStartOfDay(ZoneOffset.UTC).toInstant()));
            }
        }
    }

    @Test
    void aTimestampComparedInMicrosecondsIsInsideExactlyWhenItIs() {
        for (Instant bound : BOUNDS) {
            RowFilter.Bound b = new RowFilter.Bound("ts", bound, bound.plusNanos(3_000), true, false);
            long near = bound.getEpochSecond() * 1_000_000 + bound.getNano() / 1000;
            for (long m = near - 3; m <= near + 6; m++) {
                Instant at = Instant.ofEpochSecond(Math.floorDiv(m, 1_000_000), Math.floorMod(m, 1_000_000) * 1000L);
                boolean inMicros = m >= RowFilter.Bound.ceilEpochMicros(b.from()) && m < RowFilter.Bound.ceilEpochMicros(b.before());
                assertThat(inMicros).as("%s in %s", at, b).isEqualTo(b.contains(at));
            }
        }
    }
}
