package dev.fanout.cli;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.cli.testplugin.PausePoint;
import dev.fanout.cli.testplugin.PausingDuckDbProvider;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import dev.fanout.writer.duckdb.DuckDbWriterProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A migrate from a DuckDB file to ClickHouse killed with SIGKILL in the middle of its row stream
 * copy converges when run again: the source ({@link PausingDuckDbProvider}) stops before exporting its
 * third range of three rows, so two ranges are loaded and checkpointed, and the third's insert is
 * open at ClickHouse with nothing sent, when the process dies. The rerun, in this JVM, resumes after
 * the checkpoint in ranges of four, as a row stream, and the move verifies with every row's version.
 */
@ExtendWith(ClickHouseServerExtension.class)
class MigrateRowStreamKillTest {

    private static final Schema ITEMS = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("name", LogicalType.STRING),
            Column.of("price", LogicalType.FLOAT64)), List.of("id"));
    private static final int ROWS = 20;

    @TempDir
    Path work;

    @Test
    void aMigrateKilledInTheMiddleOfARowStreamCopyConvergesWhenRunAgain(ClickHouseServer server) throws Exception {
        Path source = work.resolve("items.duckdb");
        FramePacket.Builder items = FramePacket.builder("items", ITEMS).version(4);
        for (long id = 0; id < ROWS; id++) {
            items.addRow(id, "item " + id, id % 5 == 0 ? null : id * 1.5);
        }
        try (BaseWriter w = new DuckDbWriterProvider().create(Destination.of("source", "duckdb:" + source, work))) {
            w.open();
            w.write(WriteBatch.of(items.build()));
        }
        Path from = Files.writeString(work.resolve("from.yaml"), topology("paused:" + source));
        Path to = Files.writeString(work.resolve("to.yaml"), topology(server.uri("row_stream_kill")));
        Path state = work.resolve("state");
        Path control = Files.createDirectory(work.resolve("control"));
        int rangeRows = 3;
        int pauseBefore = 3;
        long committedAtKill = (long) rangeRows * (pauseBefore - 1);

        assertThat(migrateKilledAtPause(control, pauseBefore, "--from", from.toString(), "--to", to.toString(),
                "--state", state.toString(), "--range-rows", String.valueOf(rangeRows))).as("killed by SIGKILL").isEqualTo(137);

        JsonNode checkpoint = checkpoint(state);
        assertThat(checkpoint.get("copiedRows").asLong()).as("checkpointed when killed: " + checkpoint).isEqualTo(committedAtKill);
        assertThat(checkpoint.get("done").asBoolean()).isFalse();
        assertThat(server.scalar("SELECT count() FROM row_stream_kill.items FINAL")).as("loaded at the target when killed")
                .isEqualTo(String.valueOf(committedAtKill));

        CliRun again = fanout("migrate", "--no-progress", "--from", from.toString(), "--to", to.toString(), "--state", state.toString(),
                "--range-rows", "4");
        assertThat(again.code()).as(again.out() + again.err()).isEqualTo(0);
        assertThat(again.out()).contains(String.format("%,d rows copied as a row stream (resumed; %,d in all), verified",
                ROWS - committedAtKill, ROWS)).contains("1 of 1 move verified");
        assertThat(server.rows("SELECT id, name, price, _fanout_version FROM row_stream_kill.items FINAL ORDER BY id"))
                .extracting(r -> String.join("|", r))
                .containsExactlyElementsOf(expectedRows());
    }

    private static List<String> expectedRows() {
        List<String> rows = new ArrayList<>();
        for (long id = 0; id < ROWS; id++) {
            rows.add(id + "|item " + id + "|" + (id % 5 == 0 ? "null" : (id * 1.5 == Math.rint(id * 1.5) ? String.valueOf((long) (id * 1.5))
                    : String.valueOf(id * 1.5))) + "|4");
        }
        return rows;
    }

    /** Runs {@code fanout migrate --no-progress ARGS} in a child JVM that pauses before its {@code pauseBefore}-th range, and kills it there. */
    private int migrateKilledAtPause(Path control, int pauseBefore, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + PausePoint.DIR + "=" + control, "-D" + PausePoint.BEFORE + "=" + pauseBefore,
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "migrate", "--no-progress"));
        command.addAll(List.of(args));
        Path log = work.resolve("child.log");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            MigrateEndToEndTest.awaitPause(child, control, log);
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        return child.exitValue();
    }

    private static JsonNode checkpoint(Path state) throws Exception {
        try (Stream<Path> files = Files.list(state)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().startsWith("items-") && p.toString().endsWith(".json")).toList();
            assertThat(found).as("checkpoint of items in " + state).hasSize(1);
            return new ObjectMapper().readTree(found.get(0).toFile());
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
