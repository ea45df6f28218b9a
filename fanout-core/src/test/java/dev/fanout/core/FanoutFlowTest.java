package dev.fanout.core;

import dev.fanout.api.Column;
import dev.fanout.api.FlowController;
import dev.fanout.api.FlowRejectedException;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.testplugin.MemProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Fanout's builder wires a FlowController: the caller's own, or one from the topology's flow section. */
@Timeout(30)
class FanoutFlowTest {

    private static final Schema SCHEMA = Schema.of(List.of(Column.required("id", LogicalType.INT64),
            Column.of("note", LogicalType.STRING)), List.of("id"));

    @TempDir
    Path dir;

    private Path topology(String flow) throws Exception {
        Path file = dir.resolve("topology.yaml");
        Files.writeString(file, """
                version: 1
                destinations:
                  main: { uri: "mem:main" }
                default: main
                """ + flow);
        return file;
    }

    private static FramePacket packet(String id, long key) {
        return FramePacket.builder("t", SCHEMA).packetId(id).addRow(key, "n").build();
    }

    @Test
    void theTopologysFlowSectionBuildsAnInFlightFlowController() throws Exception {
        // the first packet finds the limiter idle; the next would wait 1000 s, so reject refuses it
        Path file = topology("flow: { rate_limit_rows_per_s: 0.001, when_full: reject }\n");
        try (Fanout fanout = Fanout.builder().topology(file).registry(WriterRegistry.of(List.of(new MemProvider()))).build()) {
            assertThat(fanout.submit(packet("1", 1)).get().isCommitted()).isTrue();
            FlowRejectedException e = catchThrowableOfType(() -> fanout.submit(packet("2", 2)), FlowRejectedException.class);
            assertThat(e.limit()).isEqualTo("rate_limit_rows_per_s");
            assertThat(e.destination()).isEqualTo("main");
        }
    }

    @Test
    void aCallersFlowControllerTakesPrecedenceAndSeesEveryPart() throws Exception {
        List<String> acquired = new CopyOnWriteArrayList<>();
        AtomicInteger released = new AtomicInteger();
        FlowController own = (destination, rows, bytes) -> {
            acquired.add(destination + ":" + rows + ":" + (bytes > 0));
            return released::incrementAndGet;
        };
        Path file = topology("flow: { rate_limit_rows_per_s: 0.001, when_full: reject }\n");
        try (Fanout fanout = Fanout.builder().topology(file).registry(WriterRegistry.of(List.of(new MemProvider())))
                .flowController(own).build()) {
            for (int i = 0; i < 3; i++) {
                assertThat(fanout.submit(packet("p" + i, i)).get().isCommitted()).isTrue();
            }
        }
        assertThat(acquired).containsExactly("main:1:true", "main:1:true", "main:1:true");
        assertThat(released).hasValue(3);
    }
}
