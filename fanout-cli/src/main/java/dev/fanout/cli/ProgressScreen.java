package dev.fanout.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * A run's progress kept at the bottom of a terminal: a bar over the rows acknowledged, then one line
 * per destination (its committed rows and rows per second), redrawn in place.
 *
 * <p>Guarantees, whatever the width: no line is wider than the terminal less one column, so nothing
 * wraps and a redraw moves up exactly the lines it drew; the bar shrinks before any figure does,
 * and a line is cut (ending in {@code …}) only when the terminal is too narrow for its figures.
 * After {@link #finish} nothing is drawn again, so text printed afterwards (the summary) is never
 * overwritten. Callers serialize {@link #draw} and {@link #finish}.
 *
 * <p>Only three control sequences are written: carriage return, cursor up ({@code ESC [ n A}) and
 * erase line ({@code ESC [ 2 K}), which every ANSI terminal understands.
 */
final class ProgressScreen {

    private static final String ERASE_LINE = "\u001b[2K";
    private static final int WIDEST_BAR = 40;
    private static final int NARROWEST_BAR = 10;

    private final String task;
    private final PrintWriter out;
    private final IntSupplier width;
    private int linesDrawn;
    private boolean finished;

    /** {@code width} answers the terminal's current columns (0 or less: unknown, taken as 80). */
    ProgressScreen(String task, PrintWriter out, IntSupplier width) {
        this.task = task;
        this.out = out;
        this.width = width;
    }

    /** One destination's figures: rows committed so far and its rate in rows per second. */
    record DestinationLine(String name, long rows, double rowsPerSecond) {
    }

    /** Redraws the frame in place of the previous one; does nothing once finished. */
    void draw(long acknowledged, long total, long elapsedSeconds, List<DestinationLine> destinations) {
        if (finished) {
            return;
        }
        List<String> lines = lines(task, columns(), acknowledged, total, elapsedSeconds, destinations);
        StringBuilder frame = new StringBuilder();
        if (linesDrawn > 0) {
            frame.append("\u001b[").append(linesDrawn).append('A');
        }
        for (String line : lines) {
            frame.append('\r').append(ERASE_LINE).append(line).append('\n');
        }
        synchronized (out) {
            out.print(frame);
            out.flush();
        }
        linesDrawn = lines.size();
    }

    /** Draws the last frame, with the run's final figures; nothing is drawn after it. */
    void finish(long acknowledged, long total, long elapsedSeconds, List<DestinationLine> destinations) {
        draw(acknowledged, total, elapsedSeconds, destinations);
        finished = true;
    }

    /** Draws nothing more: the frame stays as last drawn. */
    void stop() {
        finished = true;
    }

    private int columns() {
        int w = width.getAsInt();
        return w > 0 ? w : 80;
    }

    /** The frame's lines for a terminal {@code columns} wide, each at most {@code columns - 1} characters. */
    static List<String> lines(String task, int columns, long acknowledged, long total, long elapsedSeconds, List<DestinationLine> destinations) {
        int room = Math.max(columns - 1, 1);
        List<String> lines = new ArrayList<>();
        long percent = total == 0 ? 100 : Math.min(100, 100 * acknowledged / total);
        String figures = String.format(Locale.ROOT, " %3d%% %,d of %,d rows %d:%02d:%02d", percent, acknowledged, total,
                elapsedSeconds / 3600, elapsedSeconds / 60 % 60, elapsedSeconds % 60);
        int barWidth = Math.min(WIDEST_BAR, room - task.length() - figures.length() - 1);
        lines.add(fit(barWidth >= NARROWEST_BAR ? task + " " + bar(barWidth, percent) + figures : task + figures, room));
        int nameWidth = 0;
        int rowsWidth = String.format(Locale.ROOT, "%,d", total).length(); // so the columns stay put as counts grow
        int rateWidth = 0;
        for (DestinationLine d : destinations) {
            nameWidth = Math.max(nameWidth, d.name().length());
            rowsWidth = Math.max(rowsWidth, String.format(Locale.ROOT, "%,d", d.rows()).length());
            rateWidth = Math.max(rateWidth, String.format(Locale.ROOT, "%,.0f", d.rowsPerSecond()).length());
        }
        for (DestinationLine d : destinations) {
            lines.add(fit(String.format(Locale.ROOT, "  %-" + nameWidth + "s  %," + rowsWidth + "d rows  %," + rateWidth + ".0f rows/s",
                    d.name(), d.rows(), d.rowsPerSecond()), room));
        }
        return lines;
    }

    private static String bar(int width, long percent) {
        int inside = width - 2;
        int done = (int) (inside * percent / 100);
        return "[" + "=".repeat(done) + (done < inside ? ">" + " ".repeat(inside - done - 1) : "") + "]";
    }

    private static String fit(String line, int room) {
        return line.length() <= room ? line : line.substring(0, Math.max(room - 1, 0)) + "…";
    }
}
