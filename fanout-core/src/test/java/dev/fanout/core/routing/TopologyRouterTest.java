package dev.fanout.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Router.RoutedPart;
import dev.fanout.api.Schema;
import dev.fanout.core.topology.RouteMatch;
import dev.fanout.core.topology.Topology;
import dev.fanout.core.topology.TopologyLoader;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopologyRouterTest {

    private static final Path FILE = Path.of("conf/topology.yaml");

    private static final Schema BARS = Schema.of(List.of(Column.of("symbol", LogicalType.STRING),
            Column.of("day", LogicalType.DATE), Column.of("close", LogicalType.FLOAT64)), List.of("symbol", "day"));
    private static final Schema TICKS = Schema.of(List.of(Column.of("id", LogicalType.INT64),
            Column.of("ts", LogicalType.TIMESTAMP)), List.of("id"));
    private static final Schema PLAIN = Schema.of(List.of(Column.of("id", LogicalType.INT64)), List.of("id"));

    private static TopologyRouter router(String yaml) {
        Topology t = TopologyLoader.parse(yaml, FILE, k -> null);
        return new TopologyRouter(t);
    }

    private static FramePacket plain(String table, String domain) {
        return FramePacket.builder(table, PLAIN).domain(domain).addRow(1L).build();
    }

    private static FramePacket bars(String... days) {
        FramePacket.Builder b = FramePacket.builder("bars", BARS);
        for (int i = 0; i < days.length; i++) {
            b.addRow("S" + i, days[i] == null ? null : LocalDate.parse(days[i]), (double) i);
        }
        return b.build();
    }

    private static List<String> symbols(FramePacket p) {
        return IntStream.range(0, p.rowCount()).mapToObj(r -> (String) p.value(r, 0)).toList();
    }

    private static final String GLOBS = """
            version: 1
            destinations:
              quotes_db: { uri: "mem:quotes" }
              ref_db: { uri: "mem:ref" }
              main_db: { uri: "mem:main" }
            routes:
              - { match: { table: "quotes_*" }, to: quotes_db }
              - { match: { table: "fx_??" }, to: quotes_db }
              - { match: { domain: reference }, to: ref_db }
            default: main_db
            """;

    @Test
    void tableGlobMatchesWholeNames() {
        TopologyRouter r = router(GLOBS);
        assertThat(r.route(plain("quotes_eu", null))).extracting(RoutedPart::destination).containsExactly("quotes_db");
        assertThat(r.route(plain("quotes_", null))).extracting(RoutedPart::destination).containsExactly("quotes_db");
        assertThat(r.route(plain("quote", null))).extracting(RoutedPart::destination).containsExactly("main_db");
        assertThat(r.route(plain("my_quotes_eu", null))).extracting(RoutedPart::destination).containsExactly("main_db");
        assertThat(r.route(plain("fx_eu", null))).extracting(RoutedPart::destination).containsExactly("quotes_db");
        assertThat(r.route(plain("fx_eur", null))).extracting(RoutedPart::destination).containsExactly("main_db");
    }

    @Test
    void globSemantics() {
        assertThat(RouteMatch.globMatches("trades", "trades")).isTrue();
        assertThat(RouteMatch.globMatches("trades", "trade")).isFalse();
        assertThat(RouteMatch.globMatches("*", "")).isTrue();
        assertThat(RouteMatch.globMatches("a*b*c", "axxbyybzc")).isTrue();
        assertThat(RouteMatch.globMatches("a*b*c", "axxbyyc")).isTrue();
        assertThat(RouteMatch.globMatches("a*b*c", "axxcyy")).isFalse();
        assertThat(RouteMatch.globMatches("?x", "ax")).isTrue();
        assertThat(RouteMatch.globMatches("?x", "x")).isFalse();
        assertThat(RouteMatch.globMatches("a.b", "axb")).isFalse();
    }

    @Test
    void domainRoutesAndTheWholePacketIsPassedOn() {
        TopologyRouter r = router(GLOBS);
        FramePacket instruments = plain("instruments", "reference");
        List<RoutedPart> parts = r.route(instruments);
        assertThat(parts).singleElement().satisfies(p -> {
            assertThat(p.destination()).isEqualTo("ref_db");
            assertThat(p.packet()).isSameAs(instruments);
        });
        assertThat(r.route(plain("instruments", "market"))).extracting(RoutedPart::destination).containsExactly("main_db");
        assertThat(r.route(plain("instruments", null))).extracting(RoutedPart::destination).containsExactly("main_db");
    }

    @Test
    void tableAndDomainMustBothMatch() {
        TopologyRouter r = router("""
                version: 1
                destinations:
                  eu_db: { uri: "mem:eu" }
                  main_db: { uri: "mem:main" }
                routes:
                  - { match: { table: "quotes_*", domain: eu }, to: eu_db }
                default: main_db
                """);
        assertThat(r.route(plain("quotes_x", "eu"))).extracting(RoutedPart::destination).containsExactly("eu_db");
        assertThat(r.route(plain("quotes_x", "us"))).extracting(RoutedPart::destination).containsExactly("main_db");
        assertThat(r.route(plain("trades", "eu"))).extracting(RoutedPart::destination).containsExactly("main_db");
    }

    private static final String BY_DATE = """
            version: 1
            destinations:
              archive_db: { uri: "mem:archive" }
              bars_db: { uri: "mem:bars" }
              main_db: { uri: "mem:main" }
            routes:
              - { match: { table: bars, column: day, before: "2026-01-01" }, to: archive_db }
              - { match: { table: bars }, to: bars_db }
            default: main_db
            """;

    @Test
    void dateRangeSplitsAPacketKeepingRowOrder() {
        FramePacket packet = bars("2026-01-05", "2025-12-31", "2026-01-01", "2025-06-01", "2026-02-01");
        List<RoutedPart> parts = router(BY_DATE).route(packet);

        assertThat(parts).extracting(RoutedPart::destination).containsExactly("bars_db", "archive_db");
        assertThat(symbols(parts.get(0).packet())).containsExactly("S0", "S2", "S4");
        assertThat(symbols(parts.get(1).packet())).containsExactly("S1", "S3");
        assertThat(parts).allSatisfy(p -> {
            assertThat(p.packet().packetId()).isEqualTo(packet.packetId());
            assertThat(p.packet().version()).isEqualTo(packet.version());
        });
    }

    @Test
    void allRowsOnOneSideOfTheBoundPassTheOriginalPacket() {
        FramePacket old = bars("2025-01-01", "2025-12-31");
        assertThat(router(BY_DATE).route(old)).singleElement().satisfies(p -> {
            assertThat(p.destination()).isEqualTo("archive_db");
            assertThat(p.packet()).isSameAs(old);
        });
    }

    @Test
    void nullValuesFallThroughARange() {
        List<RoutedPart> parts = router(BY_DATE).route(bars("2025-01-01", null));
        assertThat(parts).extracting(RoutedPart::destination).containsExactly("archive_db", "bars_db");
        assertThat(symbols(parts.get(1).packet())).containsExactly("S1");
    }

    @Test
    void fromAndBeforeMakeAHalfOpenRangeOnATimestamp() {
        TopologyRouter r = router("""
                version: 1
                destinations:
                  january: { uri: "mem:jan" }
                  rest: { uri: "mem:rest" }
                routes:
                  - { match: { table: ticks, column: ts, from: "2026-01-01", before: "2026-02-01T00:00:00Z" }, to: january }
                  - { match: { table: ticks }, to: rest }
                """);
        FramePacket packet = FramePacket.builder("ticks", TICKS)
                .addRow(0L, Instant.parse("2025-12-31T23:59:59.999999Z"))
                .addRow(1L, Instant.parse("2026-01-01T00:00:00Z"))
                .addRow(2L, Instant.parse("2026-01-31T23:59:59.999999Z"))
                .addRow(3L, Instant.parse("2026-02-01T00:00:00Z"))
                .build();

        List<RoutedPart> parts = r.route(packet);

        assertThat(parts).extracting(RoutedPart::destination).containsExactly("rest", "january");
        assertThat(parts.get(0).packet().rowCount()).isEqualTo(2);
        assertThat(parts.get(0).packet().value(0, 0)).isEqualTo(0L);
        assertThat(parts.get(0).packet().value(1, 0)).isEqualTo(3L);
        assertThat(parts.get(1).packet().value(0, 0)).isEqualTo(1L);
        assertThat(parts.get(1).packet().value(1, 0)).isEqualTo(2L);
    }

    @Test
    void firstMatchingRuleWinsPerRow() {
        TopologyRouter r = router("""
                version: 1
                destinations:
                  old: { uri: "mem:old" }
                  older: { uri: "mem:older" }
                  rest: { uri: "mem:rest" }
                routes:
                  - { match: { table: bars, column: day, before: "2026-01-01" }, to: old }
                  - { match: { table: bars, column: day, before: "2025-01-01" }, to: older }
                  - { match: { table: bars }, to: rest }
                  - { match: { table: bars, column: day, from: "2027-01-01" }, to: older }
                """);
        List<RoutedPart> parts = r.route(bars("2024-01-01", "2025-06-01", "2028-01-01"));
        assertThat(parts).extracting(RoutedPart::destination).containsExactly("old", "rest");
        assertThat(symbols(parts.get(0).packet())).containsExactly("S0", "S1");
    }

    @Test
    void rowsNoRuleTakesGoToTheDefault() {
        TopologyRouter r = router("""
                version: 1
                destinations:
                  archive: { uri: "mem:archive" }
                  main: { uri: "mem:main" }
                routes:
                  - { match: { table: bars, column: day, before: "2026-01-01" }, to: archive }
                default: main
                """);
        List<RoutedPart> parts = r.route(bars("2026-03-01", "2025-03-01"));
        assertThat(parts).extracting(RoutedPart::destination).containsExactly("main", "archive");
        assertThat(r.route(plain("other", null))).extracting(RoutedPart::destination).containsExactly("main");
    }

    @Test
    void unroutablePacketWithoutDefault() {
        TopologyRouter r = router("""
                version: 1
                destinations:
                  trades_db: { uri: "mem:trades" }
                routes:
                  - { match: { table: trades }, to: trades_db }
                """);
        UnroutableException e = catchThrowableOfType(UnroutableException.class, () -> r.route(plain("orders", "ops")));
        assertThat(e.table()).isEqualTo("orders");
        assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessage("no route matches table 'orders' (domain 'ops')"
                + " and " + FILE + " has no default; add a route for it under 'routes' or a 'default' destination");
    }

    @Test
    void unroutableRowsWithoutDefault() {
        TopologyRouter r = router("""
                version: 1
                destinations:
                  archive: { uri: "mem:archive" }
                routes:
                  - { match: { table: bars, column: day, before: "2026-01-01" }, to: archive }
                """);
        assertThat(r.route(bars("2025-01-01"))).extracting(RoutedPart::destination).containsExactly("archive");
        assertThat(catchThrowableOfType(UnroutableException.class, () -> r.route(bars("2025-01-01", "2026-01-01"))))
                .hasMessageStartingWith("no route matches row 1 of table 'bars' and " + FILE + " has no default");
    }

    @Test
    void rangeOnAMissingOrNonTemporalColumnIsADataError() {
        TopologyRouter r = router("""
                version: 1
                destinations:
                  archive: { uri: "mem:archive" }
                  main: { uri: "mem:main" }
                routes:
                  - { match: { table: "*", column: day, before: "2026-01-01" }, to: archive }
                  - { match: { table: "*", column: close, before: "2026-01-01" }, to: archive }
                default: main
                """);
        assertThat(catchThrowableOfType(UnroutableException.class, () -> r.route(plain("ids", null))))
                .hasMessage("table 'ids' has no column 'day', which the route at " + FILE + ":6:5 compares; add the"
                        + " column to the packet or narrow the route's table pattern");
        assertThat(catchThrowableOfType(UnroutableException.class, () -> r.route(bars("2025-01-01"))))
                .hasMessage("column 'close' of table 'bars' is float64, but the route at " + FILE + ":7:5 compares it"
                        + " with a date: it must be date or timestamp");
    }

    @Test
    void emptyPacketUnderARangeRuleGoesWholeToTheFallback() {
        FramePacket empty = bars();
        assertThat(router(BY_DATE).route(empty)).singleElement()
                .isEqualTo(new RoutedPart("bars_db", empty));
        TopologyRouter rangeOnly = router("""
                version: 1
                destinations:
                  archive: { uri: "mem:archive" }
                routes:
                  - { match: { table: bars, column: day, before: "2026-01-01" }, to: archive }
                """);
        assertThat(rangeOnly.route(empty)).singleElement().isEqualTo(new RoutedPart("archive", empty));
    }

    @Test
    void routesConcurrentlyWithTheSameResult() throws Exception {
        TopologyRouter r = router(BY_DATE);
        FramePacket packet = bars("2026-01-05", "2025-12-31");
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 2_000; i++) {
                    List<RoutedPart> parts = r.route(packet);
                    if (parts.size() != 2 || !parts.get(0).destination().equals("bars_db")) {
                        failures.add(new AssertionError(parts.toString()));
                    }
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(failures).isEmpty();
    }
}
