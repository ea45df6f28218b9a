package dev.fanout.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriterProvider;
import dev.fanout.core.Fanout;
import dev.fanout.core.migrate.CheckpointStore;
import dev.fanout.core.migrate.Migration;
import dev.fanout.core.migrate.Move;
import dev.fanout.core.migrate.MoveResult;
import dev.fanout.core.migrate.Verification;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A move between two databases of one ClickHouse server runs inside ClickHouse (not silently
 * streamed), keeps rows written at the target in newer versions, and reports the counts the
 * streaming verification reports for the same rows — which the same move takes when its source is
 * named by another host name ({@code localhost} instead of {@code 127.0.0.1}), as fanout cannot tell
 * that it is the same server.
 */
@ExtendWith(ClickHouseServerExtension.class)
class MigrateClickHouseInEngineTest {

    private static final Schema ITEMS = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("name", LogicalType.STRING),
            Column.of("price", LogicalType.FLOAT64)), List.of("id"));

    @TempDir
    Path work;

    @Test
    void aMoveWithinOneServerRunsInsideClickHouseWithTheStreamingVerificationsCounts(ClickHouseServer server) throws Exception {
        WriterRegistry registry = WriterRegistry.fromContextClassLoader();
        WriterProvider ch = registry.provider("ch").orElseThrow();
        FramePacket.Builder history = FramePacket.builder("items", ITEMS).version(3);
        for (long id = 0; id < 2_500; id++) {
            history.addRow(id, "item " + id, id % 7 == 0 ? null : id * 0.25);
        }
        write(ch, server.uri("in_engine_from"), history.build());
        write(ch, server.uri("in_engine_to"), FramePacket.builder("items", ITEMS).version(9)
                .addRow(7L, "live", 1.0).addRow(9_999L, "only at the target", 2.0).build());

        MoveResult inEngine = migrate(registry, server.uri("in_engine_from"), server.uri("in_engine_to"), "state-in-engine");
        assertThat(inEngine.failure()).isEmpty();
        assertThat(inEngine.inEngine()).isTrue();
        assertThat(inEngine.copiedNow()).isEqualTo(2_500);
        assertThat(server.scalar("SELECT name FROM in_engine_to.items FINAL WHERE id = 7")).isEqualTo("live");
        assertThat(server.scalar("SELECT count() FROM in_engine_to.items FINAL")).isEqualTo("2501");

        MoveResult streamed = migrate(registry, server.uri("in_engine_from").replace("127.0.0.1", "localhost"),
                server.uri("in_engine_to"), "state-streamed");
        assertThat(streamed.failure()).isEmpty();
        assertThat(streamed.inEngine()).isFalse();
        Verification a = inEngine.verification().orElseThrow();
        Verification b = streamed.verification().orElseThrow();
        assertThat(List.of(a.sourceRows(), a.targetRows(), a.equal(), a.newerAtTarget(), a.missing(), a.older(), a.different()))
                .isEqualTo(List.of(b.sourceRows(), b.targetRows(), b.equal(), b.newerAtTarget(), b.missing(), b.older(), b.different()))
                .isEqualTo(List.of(2_500L, 2_501L, 2_499L, 1L, 0L, 0L, 0L));
    }

    private static void write(WriterProvider ch, String uri, FramePacket packet) throws Exception {
        try (BaseWriter w = ch.create(Destination.of("fixture", uri, Path.of(".")))) {
            w.open();
            w.write(WriteBatch.of(packet));
        }
    }

    private MoveResult migrate(WriterRegistry registry, String fromUri, String toUri, String state) throws Exception {
        Path from = Files.writeString(work.resolve(state + "-from.yaml"), topology(fromUri));
        Path to = Files.writeString(work.resolve(state + "-to.yaml"), topology(toUri));
        try (Migration migration = Migration.between(Fanout.check(from, registry), Fanout.check(to, registry), registry, 1_000)
                .rangeRows(1_000);
             CheckpointStore checkpoints = CheckpointStore.open(work.resolve(state))) {
            List<Move> moves = migration.moves(List.of("items"));
            List<MoveResult> results = migration.run(moves, checkpoints, false, Migration.Progress.SILENT);
            assertThat(results).hasSize(1);
            return results.get(0);
        }
    }

    private static String topology(String uri) {
        return """
                version: 1
                destinations:
                  db: { uri: "%s" }
                default: db
                tables:
                  items: { primary_key: [id] }
                """.formatted(uri);
    }
}
