package dev.fanout.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Router.RoutedPart;
import dev.fanout.api.Schema;
import dev.fanout.core.routing.RoutePlan.Change;
import dev.fanout.core.routing.RoutePlan.Placement;
import dev.fanout.core.topology.Topology;
import dev.fanout.core.topology.TopologyLoader;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RoutePlanTest {

    private static final Path FILE = Path.of("conf/topology.yaml");

    private static Topology topology(String yaml) {
        return TopologyLoader.parse(yaml, FILE, k -> null);
    }

    private static List<String> described(List<Placement> placements) {
        return placements.stream().map(p -> p.rows() + " -> " + p.destination().orElse("(none)")).toList();
    }

    private static List<String> changes(List<Change> changes) {
        return changes.stream().map(c -> c.rows() + ": " + c.from().orElse("(none)") + " -> " + c.to().orElse("(none)")).toList();
    }

    private static final String PHASE_2 = """
            version: 1
            destinations:
              trades_db: { uri: "mem:trades" }
              quotes_db: { uri: "mem:quotes" }
              bars_db: { uri: "mem:bars" }
              bars_archive: { uri: "mem:archive" }
              main_db: { uri: "mem:main" }
            routes:
              - { match: { table: trades }, to: trades_db }
              - { match: { table: "quotes_*" }, to: quotes_db }
              - { match: { domain: reference }, to: trades_db }
              - { match: { table: bars, column: day, before: "2026-01-01" }, to: bars_archive }
              - { match: { table: bars }, to: bars_db }
            default: main_db
            tables:
              bars: { primary_key: [symbol, day] }
            """;

    @Test
    void aTableSplitByDateHasOnePartPerRangeAndNoneForNullsOfAKeyColumn() {
        Topology t = topology(PHASE_2);
        assertThat(described(RoutePlan.placements(t, "bars")))
                .containsExactly("day < 2026-01-01 -> bars_archive", "day >= 2026-01-01 -> bars_db");
        assertThat(described(RoutePlan.placements(t, "trades"))).containsExactly("all rows -> trades_db");
        assertThat(described(RoutePlan.placements(t, "quotes_eu"))).as("globs apply to a named table")
                .containsExactly("all rows -> quotes_db");
        assertThat(described(RoutePlan.placements(t, "instruments"))).as("domain rules never apply to a table alone")
                .containsExactly("all rows -> main_db");
    }

    @Test
    void nullsOfANonKeyColumnGoWhereRowsNoRangeTakesGo() {
        Topology t = topology(PHASE_2.replace("primary_key: [symbol, day]", "primary_key: [symbol]"));
        assertThat(described(RoutePlan.placements(t, "bars")))
                .containsExactly("day < 2026-01-01 -> bars_archive", "day >= 2026-01-01 or day is null -> bars_db");
    }

    @Test
    void aFromRuleLeavesTheNullsToTheFallback() {
        Topology t = topology("""
                version: 1
                destinations: { hot: { uri: "mem:hot" }, cold: { uri: "mem:cold" } }
                routes:
                  - { match: { table: ticks, column: ts, from: "2026-01-01T00:00:00Z" }, to: hot }
                default: cold
                """);
        assertThat(described(RoutePlan.placements(t, "ticks")))
                .containsExactly("ts < 2026-01-01T00:00:00Z -> cold", "ts >= 2026-01-01T00:00:00Z -> hot", "ts is null -> cold");
    }

    @Test
    void rowsNoRuleTakesWithoutADefaultGoNowhere() {
        Topology t = topology("""
                version: 1
                destinations: { archive: { uri: "mem:a" } }
                routes:
                  - { match: { table: bars, column: day, before: "2026-01-01" }, to: archive }
                tables: { bars: { primary_key: [day] } }
                """);
        assertThat(RoutePlan.placements(t, "bars")).containsExactly(
                new Placement(new RowRange(List.of(new ColumnRange("day", null, t.routes().get(0).match().before(), true, false))),
                        Optional.of("archive")),
                new Placement(new RowRange(List.of(new ColumnRange("day", t.routes().get(0).match().before(), null, true, false))),
                        Optional.empty()));
        assertThat(RoutePlan.placements(t, "other")).containsExactly(new Placement(RowRange.all(), Optional.empty()));
    }

    @Test
    void splitsAtDifferentBoundsAreIntersected() {
        String split = """
                version: 1
                destinations: { old: { uri: "mem:old" }, recent: { uri: "mem:recent" }, hot: { uri: "mem:hot" } }
                routes:
                  - { match: { table: bars, column: day, before: "%s" }, to: old }
                  - { match: { table: bars, column: day, before: "%s" }, to: recent }
                default: hot
                tables: { bars: { primary_key: [symbol, day] } }
                """;
        Topology from = topology(split.formatted("2025-07-01", "2026-01-01"));
        Topology to = topology(split.formatted("2026-01-01", "2026-03-01"));
        assertThat(changes(RoutePlan.compare(from, to, "bars"))).containsExactly(
                "day < 2025-07-01: old -> old",
                "2025-07-01 <= day < 2026-01-01: recent -> old",
                "2026-01-01 <= day < 2026-03-01: hot -> recent",
                "day >= 2026-03-01: hot -> hot");
        assertThat(changes(RoutePlan.compare(from, from, "bars"))).containsExactly(
                "day < 2025-07-01: old -> old", "2025-07-01 <= day < 2026-01-01: recent -> recent", "day >= 2026-01-01: hot -> hot");
    }

    @Test
    void aTableSplitOnTooManyColumnsIsRefused() {
        StringBuilder yaml = new StringBuilder("version: 1\ndestinations: { a: { uri: \"mem:a\" } }\nroutes:\n");
        for (int c = 0; c < 8; c++) {
            for (int m = 1; m <= 3; m++) {
                yaml.append("  - { match: { table: t, column: c").append(c).append(", before: \"2026-0").append(m).append("-01\" }, to: a }\n");
            }
        }
        Topology t = topology(yaml.append("default: a\n").toString());
        assertThatThrownBy(() -> RoutePlan.placements(t, "t")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'t'").hasMessageContaining("too many");
    }

    // ---- the plan agrees with the router, row by row ----

    private static final Schema ROWS = Schema.of(List.of(Column.required("id", LogicalType.INT64),
            Column.of("day", LogicalType.DATE), Column.of("ts", LogicalType.TIMESTAMP)), List.of("id"));

    private static final String OVERLAPPING = """
            version: 1
            destinations: { a: { uri: "mem:a" }, b: { uri: "mem:b" }, c: { uri: "mem:c" }, d: { uri: "mem:d" } }
            routes:
              - { match: { table: t, column: day, from: "%s", before: "2025-06-01" }, to: a }
              - { match: { table: t, column: ts, before: "2025-03-01T12:00:00Z" }, to: b }
              - { match: { table: "t*", column: day, from: "2025-04-01" }, to: c }
              - { match: { table: t }, to: d }
              - { match: { table: t, column: day, before: "2020-01-01" }, to: a }
            """;

    @Test
    void everyRowLiesInExactlyOnePartAndThatPartSaysWhereTheRouterSendsIt() {
        Topology from = topology(OVERLAPPING.formatted("2025-01-01"));
        Topology to = topology(OVERLAPPING.formatted("2025-02-15").replace("to: c", "to: a"));
        List<Change> plan = RoutePlan.compare(from, to, "t");
        assertThat(plan.stream().flatMap(c -> c.rows().columns().stream()).map(ColumnRange::column).distinct())
                .containsExactlyInAnyOrder("day", "ts");
        Random random = new Random(7);
        FramePacket.Builder b = FramePacket.builder("t", ROWS);
        LocalDate day0 = LocalDate.parse("2024-12-01");
        Instant ts0 = Instant.parse("2025-01-15T00:00:00Z");
        for (long id = 0; id < 3_000; id++) {
            LocalDate day = random.nextInt(10) == 0 ? null : day0.plusDays(random.nextInt(240));
            Instant ts = random.nextInt(10) == 0 ? null : ts0.plusSeconds(random.nextInt(120 * 86_400));
            b.addRow(id, day, ts);
        }
        FramePacket packet = b.build();
        Map<Long, String> fromRouter = destinations(new TopologyRouter(from).route(packet));
        Map<Long, String> toRouter = destinations(new TopologyRouter(to).route(packet));
        for (int r = 0; r < packet.rowCount(); r++) {
            LocalDate day = (LocalDate) packet.value(r, 1);
            Instant ts = (Instant) packet.value(r, 2);
            Map<String, Instant> values = new HashMap<>();
            values.put("day", day == null ? null : day.atStartOfDay().toInstant(java.time.ZoneOffset.UTC));
            values.put("ts", ts);
            List<Change> holding = plan.stream().filter(c -> c.rows().contains(values::get)).toList();
            long id = (Long) packet.value(r, 0);
            assertThat(holding).as("parts holding row " + r + " " + values).hasSize(1);
            assertThat(holding.get(0).from()).as("old destination of " + values).contains(fromRouter.get(id));
            assertThat(holding.get(0).to()).as("new destination of " + values).contains(toRouter.get(id));
        }
    }

    private static Map<Long, String> destinations(List<RoutedPart> parts) {
        Map<Long, String> byId = new HashMap<>();
        for (RoutedPart part : parts) {
            for (int r = 0; r < part.packet().rowCount(); r++) {
                byId.put((Long) part.packet().value(r, 0), part.destination());
            }
        }
        return byId;
    }
}
