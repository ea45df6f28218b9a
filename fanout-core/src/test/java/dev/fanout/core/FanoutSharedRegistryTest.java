package dev.fanout.core;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.Column;
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

import static org.assertj.core.api.Assertions.assertThat;

/** A registry that outlives one Fanout: closed Fanouts leave no gauges behind, and never take a later one's. */
@Timeout(30)
class FanoutSharedRegistryTest {

    private static final Schema SCHEMA = Schema.of(List.of(Column.required("id", LogicalType.INT64)), List.of("id"));

    @TempDir
    Path dir;

    private Fanout fanout(String name, String flow, MetricRegistry metrics) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, """
                version: 1
                destinations:
                  main: { uri: "mem:%s" }
                default: main
                """.formatted(name) + flow);
        return Fanout.builder().topology(file).registry(WriterRegistry.of(List.of(new MemProvider()))).metrics(metrics).build();
    }

    @Test
    void closeRemovesTheGaugesItRegisteredAndKeepsTheCounts() throws Exception {
        MetricRegistry metrics = new MetricRegistry();
        try (Fanout fanout = fanout("first", "flow: { max_in_flight_rows: 100 }\n", metrics)) {
            assertThat(fanout.submit(FramePacket.builder("t", SCHEMA).addRow(1L).addRow(2L).build()).get().isCommitted()).isTrue();
            assertThat(metrics.getGauges().keySet()).contains("fanout.flow.in_flight.rows",
                    "fanout.destination.main.in_flight.rows", "fanout.destination.main.queue.rows", "fanout.destination.main.circuit");
        }

        assertThat(metrics.getGauges()).as("no gauge reads a closed Fanout").isEmpty();
        assertThat(metrics.meter("fanout.destination.main.rows").getCount()).isEqualTo(2);
    }

    @Test
    void closingAnEarlierFanoutLeavesTheGaugesALaterOneReplaced() throws Exception {
        MetricRegistry metrics = new MetricRegistry();
        Fanout first = fanout("first", "flow: { max_in_flight_rows: 100 }\n", metrics);
        Gauge<?> laterQueue;
        try (Fanout second = fanout("second", "", metrics)) {
            laterQueue = metrics.getGauges().get("fanout.destination.main.queue.rows");
            first.close();

            assertThat(metrics.getGauges().get("fanout.destination.main.queue.rows")).isSameAs(laterQueue);
            assertThat(metrics.getGauges().keySet()).as("the first one's flow gauges went with it")
                    .containsExactlyInAnyOrder("fanout.destination.main.queue.rows", "fanout.destination.main.circuit",
                            "fanout.destination.main.up");
        }
        assertThat(metrics.getGauges()).isEmpty();
    }

    @Test
    void aLaterFanoutsSummaryCountsOnlyItsOwnRowsWhileTheRegistryCountsBoth() throws Exception {
        MetricRegistry metrics = new MetricRegistry();
        try (Fanout first = fanout("first", "", metrics)) {
            assertThat(first.submit(FramePacket.builder("t", SCHEMA).addRow(1L).addRow(2L).build()).get().isCommitted()).isTrue();
        }
        try (Fanout second = fanout("second", "", metrics)) {
            assertThat(second.submit(FramePacket.builder("t", SCHEMA).addRow(3L).build()).get().isCommitted()).isTrue();

            assertThat(second.summary()).singleElement().satisfies(s -> {
                assertThat(s.rows()).isEqualTo(1);
                assertThat(s.packets()).isEqualTo(1);
                assertThat(s.batches()).isEqualTo(1);
            });
            assertThat(metrics.meter("fanout.destination.main.rows").getCount()).isEqualTo(3);
        }
    }
}
