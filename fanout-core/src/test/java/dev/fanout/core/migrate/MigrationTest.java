package dev.fanout.core.migrate;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.core.Fanout;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.topology.Topology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The migration's copy, checkpoints, verification and source deletion, against the in-memory engine
 * of {@link MemoryTablesProvider}: one source holding bars of 2025 and 2026, moved to a topology that
 * splits them into an archive and a recent target at the new year.
 */
class MigrationTest {

    private static final Schema BARS = Schema.of(List.of(Column.required("symbol", LogicalType.STRING),
            Column.required("day", LogicalType.DATE), Column.of("close", LogicalType.FLOAT64),
            Column.of("v", LogicalType.INT64)), List.of("symbol", "day"), "v");
    private static final WriterRegistry REGISTRY = WriterRegistry.of(List.of(new MemoryTablesProvider(), new MemoryTablesProvider("blind")));
    private static final LocalDate FIRST_DAY = LocalDate.parse("2025-10-01");
    private static final int DAYS = 200;
    private static final List<String> SYMBOLS = List.of("AAPL", "MSFT", "SAP", "ÄRM", "\uFF21", "😀");

    @TempDir
    Path dir;
    private String id;
    private final List<Duration> backoffs = new ArrayList<>();

    @BeforeEach
    void names() {
        id = UUID.randomUUID().toString();
    }

    private Topology topology(String name, String yaml) throws IOException {
        Path file = Files.writeString(dir.resolve(name), yaml.replace("ID", id));
        return Fanout.check(file, REGISTRY);
    }

    private Topology from(String scheme) throws IOException {
        return topology("from.yaml", """
                version: 1
                destinations:
                  old: { uri: "%s:old-ID" }
                default: old
                tables:
                  bars: { primary_key: [symbol, day], version_column: v }
                """.formatted(scheme));
    }

    private Topology to() throws IOException {
        return topology("to.yaml", """
                version: 1
                destinations:
                  archive: { uri: "rows:archive-ID" }
                  recent:  { uri: "rows:recent-ID" }
                routes:
                  - { match: { table: bars, column: day, before: "2026-01-01" }, to: archive }
                  - { match: { table: bars }, to: recent }
                default: recent
                tables:
                  bars: { primary_key: [symbol, day], version_column: v }
                retry: { max_attempts: 4, initial_backoff: 10ms, max_backoff: 40ms }
                """);
    }

    private MemoryTablesProvider.Target target(String name) {
        return MemoryTablesProvider.target(name + "-" + id);
    }

    /** SYMBOLS × DAYS bars at the source, version 10. */
    private void fillSource() {
        FramePacket.Builder b = FramePacket.builder("bars", BARS);
        for (String s : SYMBOLS) {
            for (int d = 0; d < DAYS; d++) {
                b.addRow(s, FIRST_DAY.plusDays(d), 100.0 + d, 10L);
            }
        }
        target("old").upsert(b.build());
    }

    private static Map<List<Object>, MemoryTablesProvider.Stored> part(MemoryTablesProvider.Target t, boolean archive) {
        Map<List<Object>, MemoryTablesProvider.Stored> out = new TreeMap<>(KeyOrder.INSTANCE);
        t.table("bars").forEach((k, v) -> {
            if (((LocalDate) k.get(1)).isBefore(LocalDate.parse("2026-01-01")) == archive) {
                out.put(k, v);
            }
        });
        return out;
    }

    private List<MoveResult> migrate(Topology from, Topology to, boolean deleteSource) {
        try (Migration m = Migration.between(from, to, REGISTRY, 64, backoffs::add);
             CheckpointStore state = CheckpointStore.open(dir.resolve("state"))) {
            List<Move> moves = m.moves(List.of());
            m.checkReadable(moves);
            return m.run(moves, state, deleteSource, Migration.Progress.SILENT);
        }
    }

    private static void assertSameRows(Map<List<Object>, MemoryTablesProvider.Stored> want,
                                       Map<List<Object>, MemoryTablesProvider.Stored> got) {
        assertThat(got.keySet()).containsExactlyElementsOf(want.keySet());
        want.forEach((k, v) -> {
            assertThat(got.get(k).version()).as("version of " + k).isEqualTo(v.version());
            assertThat(got.get(k).values()).as("row " + k).containsExactly(v.values());
        });
    }

    @Test
    void eachPartLandsAtItsNewTargetVerifiedAndASecondRunWritesNothing() throws IOException {
        fillSource();
        List<MoveResult> results = migrate(from("rows"), to(), false);

        assertThat(results).extracting(r -> r.move().toString()).containsExactly(
                "bars (day < 2026-01-01): old -> archive", "bars (day >= 2026-01-01): old -> recent");
        assertThat(results).allSatisfy(r -> assertThat(r.passed()).as(r.failure().orElse("")).isTrue());
        int archived = SYMBOLS.size() * (int) (LocalDate.parse("2026-01-01").toEpochDay() - FIRST_DAY.toEpochDay());
        assertThat(results.get(0).copiedNow()).isEqualTo(archived);
        assertThat(results.get(0).verification().orElseThrow()).satisfies(v -> {
            assertThat(v.sourceRows()).isEqualTo(archived);
            assertThat(v.equal()).isEqualTo(archived);
            assertThat(v.sourceChecksum()).isEqualTo(v.targetChecksum());
        });
        assertSameRows(part(target("old"), true), target("archive").table("bars"));
        assertSameRows(part(target("old"), false), target("recent").table("bars"));

        int batches = target("archive").batches.get() + target("recent").batches.get();
        List<MoveResult> again = migrate(from("rows"), to(), false);
        assertThat(again).allSatisfy(r -> {
            assertThat(r.passed()).isTrue();
            assertThat(r.copiedNow()).isZero();
            assertThat(r.resumed()).isTrue();
        });
        assertThat(target("archive").batches.get() + target("recent").batches.get()).as("no batch written again").isEqualTo(batches);
    }

    @Test
    void aRunThatStopsMidwayIsContinuedFromItsCheckpoint() throws IOException {
        fillSource();
        target("archive").failPermanentlyAfter = 3;
        List<MoveResult> first = migrate(from("rows"), to(), false);
        assertThat(first.get(0).passed()).isFalse();
        assertThat(first.get(0).failure()).hasValueSatisfying(f -> assertThat(f).contains("copying", "injected crash"));
        assertThat(first.get(0).copiedInAll()).isEqualTo(3 * 64);
        assertThat(first.get(1).passed()).as("the other move is not held up").isTrue();

        target("archive").failPermanentlyAfter = Integer.MAX_VALUE;
        List<MoveResult> second = migrate(from("rows"), to(), false);
        MoveResult archive = second.get(0);
        assertThat(archive.passed()).isTrue();
        assertThat(archive.resumed()).isTrue();
        int rows = part(target("old"), true).size();
        assertThat(archive.copiedNow()).as("only what the first run had not committed").isEqualTo(rows - 3 * 64);
        assertThat(target("archive").batches.get()).isEqualTo((rows + 63) / 64);
        assertSameRows(part(target("old"), true), target("archive").table("bars"));
    }

    @Test
    void rowsLiveIngestWroteNewerAtTheTargetKeepTheirValuesAndAreReported() throws IOException {
        fillSource();
        FramePacket.Builder newer = FramePacket.builder("bars", BARS);
        for (int d = 0; d < 5; d++) {
            newer.addRow("SAP", LocalDate.parse("2026-01-01").plusDays(d), -1.0, 20L);
        }
        target("recent").upsert(newer.build());

        MoveResult recent = migrate(from("rows"), to(), false).get(1);
        assertThat(recent.passed()).isTrue();
        Verification v = recent.verification().orElseThrow();
        assertThat(v.newerAtTarget()).isEqualTo(5);
        assertThat(v.equal()).isEqualTo(v.sourceRows() - 5);
        assertThat(v.sourceChecksum()).isNotEqualTo(v.targetChecksum());
        assertThat(target("recent").table("bars").get(List.of("SAP", LocalDate.parse("2026-01-02"))))
                .satisfies(s -> assertThat(s.version()).isEqualTo(20L)).satisfies(s -> assertThat(s.values()[2]).isEqualTo(-1.0));
    }

    @Test
    void retryableWriteFailuresAreRetriedWithTheTargetTopologysBackoff() throws IOException {
        fillSource();
        target("archive").retryableFailures.set(3);
        MoveResult archive = migrate(from("rows"), to(), false).get(0);
        assertThat(archive.passed()).as(archive.failure().orElse("")).isTrue();
        assertThat(backoffs).hasSize(3).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofMillis(40)));

        target("recent").retryableFailures.set(4);
        fillSource();
        Files.walk(dir.resolve("state")).filter(p -> p.toString().endsWith(".json")).forEach(p -> p.toFile().delete());
        MoveResult recent = migrate(from("rows"), to(), false).get(1);
        assertThat(recent.failure()).as("4 attempts, all refused").hasValueSatisfying(f -> assertThat(f).contains("injected timeout"));
    }

    @Test
    void deleteSourceRemovesAPartOnlyAfterItVerified() throws IOException {
        fillSource();
        int recentRows = part(target("old"), false).size();
        target("recent").dropLastRow = true;
        List<MoveResult> lossy = migrate(from("rows"), to(), true);
        assertThat(lossy.get(1).passed()).isFalse();
        assertThat(lossy.get(1).verification().orElseThrow().missing()).as("the last row of each 64-row batch")
                .isEqualTo((recentRows + 63) / 64);
        assertThat(lossy.get(1).deletedRows()).isZero();
        assertThat(part(target("old"), false).size()).as("unverified part kept at the source").isEqualTo(recentRows);
        assertThat(lossy.get(0).passed()).isTrue();
        assertThat(part(target("old"), true).size()).as("verified part deleted").isZero();

        target("recent").dropLastRow = false;
        List<MoveResult> again = migrate(from("rows"), to(), true);
        assertThat(again.get(1).passed()).isTrue();
        assertThat(again.get(1).copiedNow()).as("copied again from the start after the failed verification").isEqualTo(recentRows);
        assertThat(target("old").table("bars").size()).isZero();
    }

    @Test
    void aSourceThatCannotBeReadIsRefusedBeforeAnythingIsCopied() throws IOException {
        try (Migration m = Migration.between(from("blind"), to(), REGISTRY, 64)) {
            assertThatThrownBy(() -> m.checkReadable(MigrationPlan.moves(from("blind"), to(), List.of("bars"), REGISTRY)))
                    .isInstanceOf(MigrationException.class)
                    .hasMessage("destination old (blind) cannot be read, so it cannot be a migration source");
            Move move = MigrationPlan.moves(from("blind"), to(), List.of("bars"), REGISTRY).get(0);
            assertThat(m.count(move).unavailable()).as("what plan prints instead of a count")
                    .hasValue("destination old (blind) cannot be read, so it cannot be a migration source");
        }
        assertThat(target("old").opens).as("never opened").isZero();
        assertThat(target("archive").batches.get()).isZero();
    }

    @Test
    void sourceCountsFollowThePartsRanges() throws IOException {
        fillSource();
        try (Migration m = Migration.between(from("rows"), to(), REGISTRY, 64)) {
            List<Move> moves = m.moves(List.of("bars"));
            assertThat(moves).extracting(mv -> m.count(mv).rows())
                    .containsExactly((long) part(target("old"), true).size(), (long) part(target("old"), false).size());
        }
    }

    @Test
    void anUnreadableCheckpointFailsItsMoveOnlyNamingTheFile() throws IOException {
        fillSource();
        Topology from = from("rows");
        Topology to = to();
        Move archive = MigrationPlan.moves(from, to, List.of("bars"), REGISTRY).get(0);
        Path file;
        try (CheckpointStore state = CheckpointStore.open(dir.resolve("state"))) {
            file = state.fileOf(archive);
        }
        Files.writeString(file, "{ torn");
        List<MoveResult> results = migrate(from, to, false);
        assertThat(results.get(0).passed()).isFalse();
        assertThat(results.get(0).failure()).hasValueSatisfying(f -> assertThat(f).contains(file.toString(), "remove it"));
        assertThat(target("archive").batches.get()).as("nothing copied over a checkpoint it cannot read").isZero();
        assertThat(results.get(1).passed()).as("the other move is not held up").isTrue();
    }
}
