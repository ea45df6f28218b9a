package dev.fanout.core;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.core.dispatch.PacketOutcome;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.testplugin.MemProvider;
import dev.fanout.dlq.DeadLetter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Fanout hands the caller's dead-letter sink to the dispatcher and never touches the topology's dlq.path itself. */
@Timeout(30)
class FanoutDeadLetterTest {

    private static final Schema SCHEMA = Schema.of(List.of(Column.required("id", LogicalType.INT64),
            Column.of("note", LogicalType.STRING)), List.of("id"));

    @TempDir
    Path dir;

    private Path topology() throws IOException {
        Path file = dir.resolve("topology.yaml");
        Files.writeString(file, """
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                circuit: { failure_threshold: 2, open_for: 10s }
                dlq: { path: data/dlq }
                """);
        return file;
    }

    private static FramePacket nullKey() {
        return FramePacket.builder("t", SCHEMA).packetId("p").addRow(null, "x").build();
    }

    @Test
    void aGivenSinkReceivesWhatCannotBeWritten() throws Exception {
        List<DeadLetter> parked = new CopyOnWriteArrayList<>();
        Fanout.Builder builder = Fanout.builder().topology(topology())
                .registry(WriterRegistry.of(List.of(new MemProvider()))).deadLetters(parked::add);
        try (Fanout fanout = builder.build()) {
            PacketOutcome outcome = fanout.submit(nullKey()).get();

            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
            assertThat(parked).singleElement().satisfies(l -> assertThat(l.id()).isEqualTo(outcome.deadLetterId().orElseThrow()));
            assertThat(fanout.topology().circuit().failureThreshold()).isEqualTo(2);
        }
        assertThat(dir.resolve("data")).doesNotExist();
    }

    @Test
    void withoutASinkSuchPacketsFail() throws Exception {
        try (Fanout fanout = Fanout.builder().topology(topology()).registry(WriterRegistry.of(List.of(new MemProvider())))
                .build()) {
            PacketOutcome outcome = fanout.submit(nullKey()).get();

            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.FAILED);
            assertThat(outcome.reason()).hasValue("table t, row 0, column 'id': null in key column");
        }
        assertThat(dir.resolve("data")).doesNotExist();
    }
}
