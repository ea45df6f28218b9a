package dev.fanout.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fanout.cli.testplugin.PausingClickHouseProvider;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static dev.fanout.cli.CliRun.fanout;
import static dev.fanout.cli.MigrateEndToEndTest.checkpoint;
import static dev.fanout.cli.MigrateEndToEndTest.line;
import static dev.fanout.cli.MigrateEndToEndTest.migrateKilledAtPause;
import static dev.fanout.cli.Phase3EndToEndTest.ingest;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fanout migrate} between two databases of one real clickhouse-server, copied inside the
 * server ({@code INSERT … SELECT … FINAL} by key range), through the CLI on the shipped sample
 * ingested with the phase-4 topology, each result checked row by row against
 * {@link Examples#expectation}: a migrate killed with SIGKILL between two ranges and run again, and a
 * move of a date range of {@code bars} — whose first day is inside it and whose end day is not, as
 * the topology docs say — that copies, verifies and deletes at the source exactly the rows of that range.
 */
@ExtendWith(ClickHouseServerExtension.class)
class MigrateInsideClickHouseEndToEndTest {

    private static final LocalDate RANGE_FROM = LocalDate.parse("2025-12-01");
    private static final LocalDate RANGE_BEFORE = LocalDate.parse("2026-01-01");

    @TempDir
    Path work;

    private static CliRun migrate(Path from, Path to, String... more) {
        return fanout(Stream.concat(Stream.of("migrate", "--no-progress", "--from", from.toString(), "--to", to.toString()), Stream.of(more))
                .toArray(String[]::new));
    }

    /** The shipped phase-4 topology with its one destination at {@code database} of the test server, of scheme {@code scheme}. */
    private Path phase4(ClickHouseServer server, String database, String scheme) throws IOException {
        Path shipped = Phase3EndToEndTest.shipped("phase-4.yaml", Files.createDirectories(work.resolve(database)), server, database);
        String yaml = Files.readString(shipped).replace("\"" + server.uri(database) + "\"",
                "\"" + scheme + server.uri(database).substring("ch".length()) + "\"");
        assertThat(yaml).contains("\"" + scheme + "://");
        Files.writeString(shipped, yaml.replace("${FANOUT_DATA_DIR:-data}", work.resolve("data").toString()));
        return shipped;
    }

    private static long rows(ClickHouseServer server, String database, String table) throws IOException {
        return Long.parseLong(server.scalar("SELECT count() FROM " + database + "." + table + " FINAL"));
    }

    /**
     * The kill lands at a known point: the target's writer ({@link PausingClickHouseProvider}) stops
     * before its third range of three rows copied inside ClickHouse, so two ranges have been inserted
     * and checkpointed, and nothing is being inserted, when the process gets SIGKILL. The rerun, in
     * this JVM, has no pause point, and copies the rest in ranges of four rows.
     */
    @Test
    void aMigrateKilledInTheMiddleOfACopyInsideClickHouseConvergesWhenRunAgain(ClickHouseServer server) throws Exception {
        List<Path> inputs = Examples.inputs("day1", "day2");
        assertThat(ingest(phase4(server, "kill_from", "ch"), inputs).code()).isEqualTo(0);
        long trades = rows(server, "kill_from", "trades");
        int rangeRows = 3;
        int pauseBefore = 3;
        long committedAtKill = (long) rangeRows * (pauseBefore - 1);
        assertThat(trades).as("trades to copy").isGreaterThan(committedAtKill + rangeRows);
        Path pausedFrom = phase4(server, "kill_from", "pausedch");
        Path pausedTo = phase4(server, "kill_to", "pausedch");
        Path state = work.resolve("state");
        Path control = Files.createDirectory(work.resolve("control"));

        assertThat(migrateKilledAtPause(work, control, pauseBefore, "--table", "trades", "--from", pausedFrom.toString(),
                "--to", pausedTo.toString(), "--state", state.toString(), "--range-rows", String.valueOf(rangeRows)))
                .as("killed by SIGKILL").isEqualTo(137);

        JsonNode checkpoint = checkpoint(state, "trades");
        assertThat(checkpoint.get("copiedRows").asLong()).as("checkpointed when killed: " + checkpoint).isEqualTo(committedAtKill);
        assertThat(checkpoint.get("done").asBoolean()).isFalse();
        assertThat(rows(server, "kill_to", "trades")).as("inserted at the target when killed").isEqualTo(committedAtKill);

        CliRun again = migrate(pausedFrom, pausedTo, "--table", "trades", "--state", state.toString(), "--range-rows", "4");
        assertThat(again.code()).as(again.out() + again.err()).isEqualTo(0);
        assertThat(again.out()).contains(String.format("rows copied inside pausedch (resumed; %,d in all), verified", trades))
                .contains("1 of 1 move verified");
        assertThat(line(again, "trades", "all rows").get(4)).as("rows copied after resuming")
                .isEqualTo(String.format("%,d", trades - committedAtKill));
        assertThat(line(again, "trades", "all rows").get(7)).as("equal").isEqualTo(String.format("%,d", trades));
        Examples.Tables want = new Examples.Tables();
        want.put("kill_to", Map.of("trades", Examples.phase4(Examples.expectation(inputs)).get(Examples.CLICKHOUSE).get("trades")));
        Examples.Tables got = new Examples.Tables();
        got.put("kill_to", Examples.readClickHouse(server, "kill_to"));
        Examples.assertMatches(want, got);
    }

    /**
     * The phase-4 database split by a route with both bounds: the bars of December 2025 go to a
     * database of their own, the rest stay. The migrate moves that part only, inside ClickHouse, and
     * {@code --delete-source} deletes at the source exactly the rows that moved: the range's first
     * day (inclusive) moves, its end day (exclusive) and the day before its first stay.
     */
    @Test
    void aDateRangeCopiedInsideClickHouseTakesExactlyItsRowsAndDeletesOnlyThemAtTheSource(ClickHouseServer server) throws Exception {
        List<Path> inputs = Examples.inputs("day1", "day2");
        Path from = phase4(server, "range_from", "ch");
        assertThat(ingest(from, inputs).code()).isEqualTo(0);
        String yaml = Files.readString(from);
        String destination = yaml.lines().filter(l -> l.startsWith("  clickhouse: ")).findFirst().orElseThrow();
        Path to = Files.writeString(work.resolve("december-apart.yaml"), yaml
                .replace(destination, destination + "\n" + destination.replace("  clickhouse: ", "  december:   ")
                        .replace("/range_from\"", "/range_december\""))
                .replace("default: clickhouse", "routes:\n  - { match: { table: bars, column: day, from: \"" + RANGE_FROM
                        + "\", before: \"" + RANGE_BEFORE + "\" }, to: december }\ndefault: clickhouse"));

        Map<String, Map<List<Object>, Map<String, Object>>> all = Examples.phase4(Examples.expectation(inputs)).get(Examples.CLICKHOUSE);
        Map<List<Object>, Map<String, Object>> december = new HashMap<>();
        Map<List<Object>, Map<String, Object>> rest = new HashMap<>();
        all.get("bars").forEach((key, row) -> {
            LocalDate day = (LocalDate) key.get(1);
            (!day.isBefore(RANGE_FROM) && day.isBefore(RANGE_BEFORE) ? december : rest).put(key, row);
        });
        for (LocalDate edge : List.of(RANGE_FROM, RANGE_BEFORE.minusDays(1), RANGE_BEFORE)) {
            assertThat(all.get("bars")).as("the sample has bars of " + edge).containsKey(List.of("AAPL", edge));
        }
        assertThat(december).containsKey(List.of("AAPL", RANGE_FROM)).containsKey(List.of("AAPL", RANGE_BEFORE.minusDays(1)))
                .doesNotContainKey(List.of("AAPL", RANGE_BEFORE));
        assertThat(rest.keySet()).as("bars outside the range, before and after it")
                .anyMatch(k -> ((LocalDate) k.get(1)).isBefore(RANGE_FROM)).anyMatch(k -> !((LocalDate) k.get(1)).isBefore(RANGE_BEFORE));

        CliRun run = migrate(from, to, "--table", "bars", "--delete-source", "--range-rows", "7");
        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(0);
        String part = RANGE_FROM + " <= day < " + RANGE_BEFORE;
        assertThat(run.out()).contains(String.format("bars (%s): clickhouse -> december: %,d rows copied inside ch, verified",
                part, december.size())).contains("1 of 1 move verified");
        List<String> verified = line(run, "bars", part);
        assertThat(verified.get(7)).as("equal").isEqualTo(String.format("%,d", december.size()));
        assertThat(verified.get(12)).isEqualTo(String.format("verified, %,d deleted at source", december.size()));

        Examples.Tables want = new Examples.Tables();
        Map<String, Map<List<Object>, Map<String, Object>>> stayed = new TreeMap<>(all);
        stayed.put("bars", rest);
        want.put("range_from", stayed);
        want.put("range_december", Map.of("bars", december));
        Examples.Tables got = new Examples.Tables();
        got.put("range_from", Examples.readClickHouse(server, "range_from"));
        got.put("range_december", Examples.readClickHouse(server, "range_december"));
        Examples.assertMatches(want, got);
    }
}
