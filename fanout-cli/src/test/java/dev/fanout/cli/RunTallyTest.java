package dev.fanout.cli;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.core.dispatch.CircuitState;
import dev.fanout.core.dispatch.DestinationHealth;
import dev.fanout.core.dispatch.DestinationResult;
import dev.fanout.core.dispatch.LaneSummary;
import dev.fanout.core.dispatch.PacketOutcome;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The plain progress line a run prints when its output is not a terminal. */
class RunTallyTest {

    private static final Schema SCHEMA = Schema.of(List.of(Column.required("id", LogicalType.INT64)), List.of("id"));

    @Test
    void aProgressLineHasTheRowsAcknowledgedAndEachDestinationsCommittedRows() {
        MetricRegistry metrics = new MetricRegistry();
        StringWriter text = new StringWriter();
        try (RunTally tally = RunTally.silent(200, metrics, List.of("trades_db", "quotes_db"), new PrintWriter(text))) {
            FramePacket packet = FramePacket.builder("trades", SCHEMA).addRow(1L).addRow(2L).build();
            CompletableFuture<PacketOutcome> ack = new CompletableFuture<>();
            tally.track(packet, ack, "test");
            ack.complete(PacketOutcome.of(packet, List.of(DestinationResult.committed("trades_db"))));
            metrics.meter("fanout.destination.trades_db.rows").mark(50);

            tally.tick();
            metrics.meter("fanout.destination.trades_db.rows").mark(25);
            metrics.meter("fanout.destination.quotes_db.rows").mark(7);
            tally.tick();
        }

        List<String> lines = text.toString().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("progress 0:00:\\d\\d: 2 of 200 rows acknowledged \\(1%\\); committed per destination: "
                + "trades_db 50 \\([\\d,]+/s\\), quotes_db 0 \\(0/s\\)");
        assertThat(lines.get(1)).contains("trades_db 75 (").contains("quotes_db 7 (");
    }

    @Test
    void theReasonsOfARunArePrintedByTableAndOriginWhateverOrderTheDestinationsAnsweredIn() {
        MetricRegistry metrics = new MetricRegistry();
        StringWriter err = new StringWriter();
        try (RunTally tally = RunTally.silent(30, metrics, List.of("ch"), new PrintWriter(new StringWriter()))) {
            FramePacket trades = FramePacket.builder("trades", SCHEMA).addRow(1L).build();
            FramePacket bars = FramePacket.builder("bars", SCHEMA).addRow(1L).build();
            FramePacket laterTrades = FramePacket.builder("trades", SCHEMA).addRow(2L).build();
            CompletableFuture<PacketOutcome> a = new CompletableFuture<>();
            CompletableFuture<PacketOutcome> b = new CompletableFuture<>();
            CompletableFuture<PacketOutcome> c = new CompletableFuture<>();
            tally.track(laterTrades, a, "in/trades.csv data rows 10-19");
            tally.track(trades, b, "in/trades.csv data rows 2-9");
            tally.track(bars, c, "in/bars.csv data rows 1-1");
            a.complete(PacketOutcome.deadLettered(laterTrades, "d1", "server down"));
            b.complete(PacketOutcome.deadLettered(trades, "d2", "server down"));
            c.complete(PacketOutcome.deadLettered(bars, "d3", "server down"));

            tally.printProblems(new PrintWriter(err));
        }

        assertThat(err.toString().lines().filter(l -> l.startsWith("  ")).map(l -> l.substring(2, l.indexOf(" (packet"))))
                .containsExactly("in/bars.csv data rows 1-1", "in/trades.csv data rows 2-9", "in/trades.csv data rows 10-19");
    }

    @Test
    void refusedFilesEndTheSummaryWithTheirReasonsAndGoToStandardErrorToo() {
        MetricRegistry metrics = new MetricRegistry();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try (RunTally tally = RunTally.silent(1, metrics, List.of("main"), new PrintWriter(new StringWriter()))) {
            FramePacket packet = FramePacket.builder("good", SCHEMA).addRow(1L).build();
            CompletableFuture<PacketOutcome> ack = new CompletableFuture<>();
            tally.track(packet, ack, "in/good.csv data rows 1-1");
            ack.complete(PacketOutcome.of(packet, List.of(DestinationResult.committed("main"))));
            assertThat(tally.anyRefused()).isFalse();

            tally.refuse(java.nio.file.Path.of("in/bad.csv"), "in/bad.csv: line 51: unterminated quote");
            tally.refuse(java.nio.file.Path.of("in/empty.csv"), "in/empty.csv: is empty (0 bytes)");
            tally.printSummary(new PrintWriter(out), List.of());
            tally.printProblems(new PrintWriter(err));

            assertThat(tally.allCommitted()).isTrue();
            assertThat(tally.anyRefused()).isTrue();
        }

        assertThat(out.toString()).contains("1 rows committed").endsWith(String.format("%n2 files refused:%n"
                + "  in/bad.csv: line 51: unterminated quote%n  in/empty.csv: is empty (0 bytes)%n"));
        assertThat(err.toString().lines()).containsExactly("refused in/bad.csv: line 51: unterminated quote",
                "refused in/empty.csv: is empty (0 bytes)");
    }

    @Test
    void numbersInTextCompareAsNumbers() {
        assertThat(RunTally.compareNatural("rows 2-9", "rows 10-19")).isNegative();
        assertThat(RunTally.compareNatural("rows 10-19", "rows 2-9")).isPositive();
        assertThat(RunTally.compareNatural("a.csv rows 1", "b.csv rows 1")).isNegative();
        assertThat(RunTally.compareNatural("rows 1", "rows 1")).isZero();
        assertThat(RunTally.compareNatural("rows 1", "rows 1-2")).isNegative();
    }

    @Test
    void withMoreFailuresThanShownTheSameFirstOnesInReportOrderAreShownWhateverTheirArrival() {
        MetricRegistry metrics = new MetricRegistry();
        StringWriter err = new StringWriter();
        try (RunTally tally = RunTally.silent(12, metrics, List.of("ch"), new PrintWriter(new StringWriter()))) {
            for (int i = 12; i >= 1; i--) {
                FramePacket p = FramePacket.builder("trades", SCHEMA).addRow((long) i).build();
                CompletableFuture<PacketOutcome> ack = new CompletableFuture<>();
                tally.track(p, ack, "in/trades.csv data rows " + i + "-" + i);
                ack.complete(PacketOutcome.deadLettered(p, "d" + i, "server down"));
            }

            tally.printProblems(new PrintWriter(err));
        }

        List<String> lines = err.toString().lines().toList();
        assertThat(lines.stream().filter(l -> l.startsWith("  in/")).map(l -> l.substring(2, l.indexOf(" (packet"))))
                .containsExactly("in/trades.csv data rows 1-1", "in/trades.csv data rows 2-2", "in/trades.csv data rows 3-3",
                        "in/trades.csv data rows 4-4", "in/trades.csv data rows 5-5", "in/trades.csv data rows 6-6",
                        "in/trades.csv data rows 7-7", "in/trades.csv data rows 8-8", "in/trades.csv data rows 9-9",
                        "in/trades.csv data rows 10-10");
        assertThat(lines).contains("  … and 2 more packets not committed (fanout dlq list shows the parked ones)");
    }

    @Test
    void theSummaryShowsReceivedAppliedAndSkippedAndADashWhereTheWriterDoesNotCount() {
        DestinationHealth up = new DestinationHealth("d", true, true, null, null);
        LaneSummary counting = new LaneSummary("trades_db", 2_350, 2, 2, 0, 0, 0, CircuitState.CLOSED, 1, 1, 1, up,
                OptionalLong.of(2_300), OptionalLong.of(50));
        LaneSummary plugin = new LaneSummary("plugin_db", 900, 2, 2, 0, 0, 0, CircuitState.CLOSED, 1, 1, 1, up);
        StringWriter out = new StringWriter();
        try (RunTally tally = RunTally.silent(1, new MetricRegistry(), List.of("trades_db", "plugin_db"), new PrintWriter(new StringWriter()))) {
            tally.printSummary(new PrintWriter(out), List.of(counting, plugin));
        }

        List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(1).split("\\s+")).startsWith("destination", "state", "received", "applied", "skipped", "packets");
        assertThat(lines.get(3).split("\\s+")).startsWith("trades_db", "up", "2,350", "2,300", "50", "2");
        assertThat(lines.get(4).split("\\s+")).startsWith("plugin_db", "up", "900", "-", "-", "2");
        assertThat(lines.get(5)).isEqualTo("(-: the destination's writer does not count applied and skipped rows)");
    }
}
