package dev.fanout.cli;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.FramePacket;
import dev.fanout.core.Fanout;
import dev.fanout.core.dispatch.LaneSummary;
import dev.fanout.core.dispatch.PacketOutcome;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What became of the packets a command submitted: counts as acknowledgements arrive (on lane
 * threads), progress while it runs, and the closing summary. Thread-safe.
 *
 * <p>Progress, unless turned off: on a terminal ({@code TERM} set and not {@code dumb}), a
 * {@link ProgressScreen} — a bar over the rows acknowledged and a line per destination with its
 * committed rows and rows per second since the previous redraw — redrawn every second, and drawn a
 * last time by {@link #printSummary} from the same figures as the summary (rates there are over the
 * whole run), before the summary and never after it; otherwise (a log file, a CI job) a plain line
 * every {@link ProgressOptions#every} with the same figures, so a long run is never silent and never
 * floods its log. Rates while running come from the destinations' {@code rows} meters.
 *
 * <p>Input files refused whole ({@link #refuse}) end the summary, each with its reason, and are
 * repeated on standard error with the other problems.
 */
final class RunTally implements AutoCloseable {

    private static final int MAX_REASONS_SHOWN = 10;
    private static final Comparator<Reason> REPORT_ORDER = Comparator.comparing(Reason::table)
            .thenComparing(Reason::origin, RunTally::compareNatural).thenComparing(Reason::line);

    private final LongAdder committedRows = new LongAdder();
    private final LongAdder committedPackets = new LongAdder();
    private final LongAdder parkedPackets = new LongAdder();
    private final LongAdder parkedRecords = new LongAdder();
    private final LongAdder notCommittedRows = new LongAdder();
    private final LongAdder notCommittedPackets = new LongAdder();
    private final Map<String, LongAdder> notCommittedByTable = new ConcurrentHashMap<>();
    /** The first reasons in report order (table, then origin), at most {@link #MAX_REASONS_SHOWN}; guarded by itself. */
    private final java.util.TreeSet<Reason> reasons = new java.util.TreeSet<>(REPORT_ORDER);
    private final LongAdder reasonsNotShown = new LongAdder();
    private final LongAdder acknowledgedRows = new LongAdder();
    /** Files refused whole, with the reason, in the order refused; guarded by itself. */
    private final Map<Path, String> refusedFiles = new LinkedHashMap<>();
    /** The terminal display, or null when progress is plain lines or off; guarded by itself. */
    private final ProgressScreen screen;
    /** The terminal the screen's width is read from, or null. */
    private final Terminal terminal;
    private final long started = System.nanoTime();
    private final long totalRows;
    private final MetricRegistry metrics;
    private final List<String> destinations;
    private final PrintWriter out;
    private final ScheduledExecutorService ticker;
    /** Ticker thread only: each destination's committed rows and the time at the previous tick. */
    private final Map<String, Long> rowsAtLastTick = new HashMap<>();
    private long lastTickNanos = started;

    private RunTally(String task, Terminal terminal, long totalRows, MetricRegistry metrics, List<String> destinations, PrintWriter out,
                     Duration every) {
        this.terminal = terminal;
        this.screen = terminal == null ? null : new ProgressScreen(task, out, terminal::getWidth);
        this.totalRows = totalRows;
        this.metrics = metrics;
        this.destinations = List.copyOf(destinations);
        this.out = out;
        if (every == null) {
            this.ticker = null;
            return;
        }
        if (screen != null) {
            tick();
        }
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fanout-progress");
            t.setDaemon(true);
            return t;
        });
        long periodMillis = screen != null ? 1000 : Math.max(1, every.toMillis());
        ticker.scheduleAtFixedRate(this::tick, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * A tally for a run of {@code totalRows} rows through {@code fanout}: a {@link ProgressScreen} when
     * stdout is a terminal, else a line on {@code out} every {@code progress.every}; neither when
     * {@code progress.off}.
     */
    static RunTally start(String task, long totalRows, ProgressOptions progress, Fanout fanout, PrintWriter out) {
        Terminal terminal = !progress.off && onTerminal() ? openTerminal() : null;
        return new RunTally(task, terminal, totalRows, fanout.metrics(), fanout.summary().stream().map(LaneSummary::destination).toList(), out,
                progress.off ? null : progress.every);
    }

    /** A tally that shows no progress, for tests and callers that print their own. */
    static RunTally silent(long totalRows, MetricRegistry metrics, List<String> destinations, PrintWriter out) {
        return new RunTally("", null, totalRows, metrics, destinations, out, null);
    }

    /** Redraws the screen, or prints a progress line when there is no screen. */
    void tick() {
        try {
            List<ProgressScreen.DestinationLine> rates = destinationRates();
            if (screen != null) {
                synchronized (screen) {
                    screen.draw(acknowledgedRows.sum(), totalRows, elapsedSeconds(), rates);
                }
            } else {
                List<String> parts = rates.stream()
                        .map(d -> String.format("%s %,d (%,.0f/s)", d.name(), d.rows(), d.rowsPerSecond())).toList();
                synchronized (out) {
                    out.println(progressLine(String.join(", ", parts)));
                    out.flush();
                }
            }
        } catch (RuntimeException e) {
            // progress is best effort; the run's outcome does not depend on it
        }
    }

    /** Each destination's committed rows (its {@code rows} meter) and rows per second since the last tick. */
    private List<ProgressScreen.DestinationLine> destinationRates() {
        long now = System.nanoTime();
        double seconds = Math.max((now - lastTickNanos) / 1e9, 1e-9);
        lastTickNanos = now;
        List<ProgressScreen.DestinationLine> lines = new ArrayList<>();
        for (String d : destinations) {
            long rows = metrics.meter("fanout.destination." + d + ".rows").getCount();
            long before = rowsAtLastTick.getOrDefault(d, 0L);
            rowsAtLastTick.put(d, rows);
            lines.add(new ProgressScreen.DestinationLine(d, rows, (rows - before) / seconds));
        }
        return lines;
    }

    private long elapsedSeconds() {
        return (System.nanoTime() - started) / 1_000_000_000L;
    }

    /**
     * The terminal standard output is on, through JLine (its width is read at each redraw), or null
     * when {@code TERM} is unset or {@code dumb} — a terminal that cannot move the cursor up — or
     * JLine cannot reach it: then progress is plain lines.
     */
    private static Terminal openTerminal() {
        String type = System.getenv("TERM");
        if (type == null || type.isBlank() || type.equals("dumb")) {
            return null;
        }
        try {
            Terminal t = TerminalBuilder.builder().system(true).dumb(true).build();
            if (Terminal.TYPE_DUMB.equals(t.getType()) || Terminal.TYPE_DUMB_COLOR.equals(t.getType())) {
                t.close();
                return null;
            }
            return t;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private String progressLine(String rates) {
        long acknowledged = acknowledgedRows.sum();
        long elapsed = elapsedSeconds();
        return String.format("progress %d:%02d:%02d: %,d of %,d rows acknowledged (%.0f%%); committed per destination: %s",
                elapsed / 3600, elapsed / 60 % 60, elapsed % 60, acknowledged, totalRows,
                totalRows == 0 ? 100.0 : 100.0 * acknowledged / totalRows, rates);
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
        return screen != null;
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
                String why = error != null ? String.valueOf(error.getMessage()) : outcome.reason().orElse("not committed");
                if (error == null) {
                    parkedRecords.add(outcome.deadLetterIds().size());
                }
                if (error == null && !outcome.deadLetterIds().isEmpty()) {
                    why = "dead-lettered as " + String.join(", ", outcome.deadLetterIds()) + ": " + why;
                }
                keepReason(new Reason(packet.table(), origin,
                        origin + " (packet " + packet.packetId() + ", rows counted from 0 in the packet): " + why));
            }
            acknowledgedRows.add(packet.rowCount());
        });
    }

    /** Records that none of {@code file}'s rows is submitted (or, when {@code why} says so, not all), and why. */
    void refuse(Path file, String why) {
        synchronized (refusedFiles) {
            refusedFiles.put(file, why);
        }
    }

    boolean anyRefused() {
        synchronized (refusedFiles) {
            return !refusedFiles.isEmpty();
        }
    }

    boolean allCommitted() {
        return notCommittedPackets.sum() == 0;
    }

    /** Whether any packet, or any part of one, was parked in the dead-letter store during the run. */
    boolean parkedAny() {
        return parkedRecords.sum() > 0;
    }

    long committedRows() {
        return committedRows.sum();
    }

    /**
     * The screen's last frame, then the per-destination table — its {@code state} is {@code up} while the writer is open, {@code down}
     * while it could not be opened; of the rows it committed, {@code received}, those its writer
     * {@code applied} (inserted or updated) and {@code skipped} (superseded within their batch, or not
     * newer than the stored row), {@code -} where the writer does not count — a line per destination
     * that is down with the last open error, and the totals line.
     */
    void printSummary(PrintWriter out, List<LaneSummary> lanes) {
        stopTicker();
        double seconds = (System.nanoTime() - started) / 1e9;
        drawLastFrame(lanes, seconds);
        out.println();
        TextTable table = new TextTable("destination", "state", "received", "applied", "skipped", "packets", "batches", "retries",
                "dead-lettered", "failed", "circuit", "p50 ms", "p95 ms", "p99 ms");
        boolean uncounted = false;
        for (LaneSummary s : lanes) {
            uncounted |= s.applied().isEmpty();
            table.row(s.destination(), s.state(), String.format("%,d", s.rows()), counted(s.applied()), counted(s.skipped()),
                    String.format("%,d", s.packets()),
                    String.format("%,d", s.batches()), String.format("%,d", s.retries()), String.format("%,d", s.deadLettered()),
                    String.format("%,d", s.failures()), s.circuit().name().toLowerCase(java.util.Locale.ROOT),
                    String.format("%.1f", s.p50FlushMillis()), String.format("%.1f", s.p95FlushMillis()),
                    String.format("%.1f", s.p99FlushMillis()));
        }
        table.print(out);
        if (uncounted) {
            out.println("(-: the destination's writer does not count applied and skipped rows)");
        }
        for (LaneSummary s : lanes) {
            s.health().reason().ifPresent(reason -> out.printf(s.health().writerOpen() ? "%s is down, its last batch failed after its retries: %s%n"
                    : "%s is down, its writer did not open: %s%n", s.destination(), reason));
        }
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
        synchronized (refusedFiles) {
            if (!refusedFiles.isEmpty()) {
                out.printf("%n%,d %s refused:%n", refusedFiles.size(), refusedFiles.size() == 1 ? "file" : "files");
                refusedFiles.values().forEach(why -> out.println("  " + why));
            }
        }
        out.flush();
    }

    /**
     * The screen's last frame, from {@code lanes} — the figures the summary prints — with each
     * destination's rate over the whole run; the ticker is stopped first, so nothing redraws after.
     */
    private void drawLastFrame(List<LaneSummary> lanes, double seconds) {
        if (screen == null) {
            return;
        }
        Map<String, LaneSummary> byName = new HashMap<>();
        lanes.forEach(s -> byName.put(s.destination(), s));
        List<ProgressScreen.DestinationLine> lines = new ArrayList<>();
        for (String d : destinations) {
            long rows = byName.containsKey(d) ? byName.get(d).rows() : metrics.meter("fanout.destination." + d + ".rows").getCount();
            lines.add(new ProgressScreen.DestinationLine(d, rows, rows / Math.max(seconds, 1e-9)));
        }
        synchronized (screen) {
            screen.finish(acknowledgedRows.sum(), totalRows, (long) seconds, lines);
        }
    }

    private static String counted(OptionalLong n) {
        return n.isPresent() ? String.format("%,d", n.getAsLong()) : "-";
    }

    /** Keeps the {@link #MAX_REASONS_SHOWN} first reasons in report order, whichever order they arrive in. */
    private void keepReason(Reason reason) {
        synchronized (reasons) {
            reasons.add(reason);
            if (reasons.size() > MAX_REASONS_SHOWN) {
                reasons.pollLast();
                reasonsNotShown.increment();
            }
        }
    }

    /**
     * A line per table with rows not committed (dead-lettered or failed), then the first reasons by
     * table and origin (file, then rows, numbers compared as numbers) — the same ones in the same order
     * whatever order the destinations answered in, so two runs with the same failures print the same
     * report.
     */
    void printProblems(PrintWriter err) {
        synchronized (refusedFiles) {
            refusedFiles.values().forEach(why -> err.println("refused " + why));
        }
        new TreeMap<>(notCommittedByTable).forEach((t, n) -> err.printf("table %s: %,d rows in packets not fully committed%n", t, n.sum()));
        synchronized (reasons) {
            reasons.forEach(r -> err.println("  " + r.line()));
        }
        if (reasonsNotShown.sum() > 0) {
            err.printf("  … and %,d more packets not committed (fanout dlq list shows the parked ones)%n", reasonsNotShown.sum());
        }
        err.flush();
    }

    private record Reason(String table, String origin, String line) {
    }

    /** Text compared character by character, except that runs of digits compare as the numbers they are ("rows 2-9" before "rows 10-19"). */
    static int compareNatural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            if (Character.isDigit(a.charAt(i)) && Character.isDigit(b.charAt(j))) {
                int endA = i;
                int endB = j;
                while (endA < a.length() && Character.isDigit(a.charAt(endA))) {
                    endA++;
                }
                while (endB < b.length() && Character.isDigit(b.charAt(endB))) {
                    endB++;
                }
                int byValue = new java.math.BigInteger(a.substring(i, endA)).compareTo(new java.math.BigInteger(b.substring(j, endB)));
                if (byValue != 0) {
                    return byValue;
                }
                i = endA;
                j = endB;
            } else {
                if (a.charAt(i) != b.charAt(j)) {
                    return Character.compare(a.charAt(i), b.charAt(j));
                }
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /**
     * Stops progress: the ticker, and the screen, whose frame stays as last drawn (by
     * {@link #printSummary}, when it ran). Idempotent.
     */
    @Override
    public void close() {
        stopTicker();
        if (screen != null) {
            synchronized (screen) {
                screen.stop();
            }
        }
        if (terminal != null) {
            try {
                terminal.close();
            } catch (IOException e) {
                // the terminal's settings were never changed; nothing to restore
            }
        }
    }

    private void stopTicker() {
        if (ticker != null) {
            ticker.shutdownNow();
            try {
                ticker.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
