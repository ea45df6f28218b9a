package dev.fanout.cli;

import dev.fanout.api.FramePacket;
import dev.fanout.core.dispatch.LaneSummary;
import dev.fanout.core.dispatch.PacketOutcome;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * What became of the packets a command submitted: counts as acknowledgements arrive (on lane
 * threads), a progress bar on a terminal, and the closing summary. Thread-safe.
 */
final class RunTally implements AutoCloseable {

    private static final int MAX_REASONS_SHOWN = 10;

    private final LongAdder committedRows = new LongAdder();
    private final LongAdder committedPackets = new LongAdder();
    private final LongAdder parkedPackets = new LongAdder();
    private final LongAdder notCommittedRows = new LongAdder();
    private final LongAdder notCommittedPackets = new LongAdder();
    private final Map<String, LongAdder> notCommittedByTable = new ConcurrentHashMap<>();
    private final Queue<String> reasons = new ConcurrentLinkedQueue<>();
    private final ProgressBar bar;
    private final long started = System.nanoTime();

    private RunTally(ProgressBar bar) {
        this.bar = bar;
    }

    /** A tally drawing a progress bar over {@code totalRows} when {@code progress} and stdout is a terminal. */
    static RunTally start(String task, long totalRows, boolean progress) {
        ProgressBar bar = progress && onTerminal()
                ? new ProgressBarBuilder().setTaskName(task).setInitialMax(totalRows).setUnit(" rows", 1)
                        .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(250).build()
                : null;
        return new RunTally(bar);
    }

    /**
     * Whether standard output is a terminal. From Java 22 {@link System#console()} is not null when
     * output is redirected, so {@code Console.isTerminal()} decides there (called reflectively: this
     * code is built for Java 17).
     */
    private static boolean onTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    boolean drawsProgress() {
        return bar != null;
    }

    /** Counts {@code packet} when its acknowledgement arrives; {@code origin} says where its rows came from. */
    void track(FramePacket packet, CompletableFuture<PacketOutcome> acknowledgement, String origin) {
        acknowledgement.whenComplete((outcome, error) -> {
            if (error == null && outcome.isCommitted()) {
                committedRows.add(packet.rowCount());
                committedPackets.increment();
            } else {
                if (error == null && outcome.status() == PacketOutcome.Status.DEAD_LETTERED) {
                    parkedPackets.increment();
                }
                notCommittedRows.add(packet.rowCount());
                notCommittedPackets.increment();
                notCommittedByTable.computeIfAbsent(packet.table(), t -> new LongAdder()).add(packet.rowCount());
                if (reasons.size() < MAX_REASONS_SHOWN) {
                    String why = error != null ? String.valueOf(error.getMessage()) : outcome.reason().orElse("not committed");
                    if (error == null && !outcome.deadLetterIds().isEmpty()) {
                        why = "dead-lettered as " + String.join(", ", outcome.deadLetterIds()) + ": " + why;
                    }
                    reasons.add(origin + " (packet " + packet.packetId() + ", rows counted from 0 in the packet): " + why);
                }
            }
            if (bar != null) {
                bar.stepBy(packet.rowCount());
            }
        });
    }

    boolean allCommitted() {
        return notCommittedPackets.sum() == 0;
    }

    long committedRows() {
        return committedRows.sum();
    }

    /** The per-destination table and the totals line. */
    void printSummary(PrintWriter out, List<LaneSummary> lanes) {
        double seconds = (System.nanoTime() - started) / 1e9;
        out.println();
        TextTable table = new TextTable("destination", "rows", "packets", "batches", "retries", "dead-lettered", "failed",
                "circuit", "p50 ms", "p95 ms", "p99 ms");
        for (LaneSummary s : lanes) {
            table.row(s.destination(), String.format("%,d", s.rows()), String.format("%,d", s.packets()),
                    String.format("%,d", s.batches()), String.format("%,d", s.retries()), String.format("%,d", s.deadLettered()),
                    String.format("%,d", s.failures()), s.circuit().name().toLowerCase(java.util.Locale.ROOT),
                    String.format("%.1f", s.p50FlushMillis()), String.format("%.1f", s.p95FlushMillis()),
                    String.format("%.1f", s.p99FlushMillis()));
        }
        table.print(out);
        long committed = committedRows.sum();
        long other = notCommittedRows.sum();
        long notCommitted = notCommittedPackets.sum();
        out.printf("%n%,d rows committed in %,d packets; %,d packets (%,d rows) not fully committed: %,d dead-lettered, %,d failed;"
                        + " %.1f s (%,.0f rows/s)%n",
                committed, committedPackets.sum(), notCommitted, other, parkedPackets.sum(), notCommitted - parkedPackets.sum(),
                seconds, (committed + other) / Math.max(seconds, 1e-9));
        if (notCommitted > 0) {
            out.println("(a packet split across destinations counts as not fully committed when any part of it was not;"
                    + " the table above has each destination's rows)");
        }
        out.flush();
    }

    /** A line per table with rows not committed (dead-lettered or failed), then the first reasons. */
    void printProblems(PrintWriter err) {
        new TreeMap<>(notCommittedByTable).forEach((t, n) -> err.printf("table %s: %,d rows in packets not fully committed%n", t, n.sum()));
        reasons.forEach(r -> err.println("  " + r));
        err.flush();
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
