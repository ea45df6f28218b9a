package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.cli.TerminalScreen;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/fanout ingest} from the unpacked tarball on a pseudo-terminal 120 columns wide
 * ({@code script} from util-linux, {@code TERM=xterm}): the bytes it wrote are replayed through a
 * small terminal model ({@link TerminalScreen}) and the screen a person ends up with is checked — one
 * progress frame, its per-destination rows equal to the summary's, no line of it cut or wrapped, and
 * no line of the summary changed after it was printed. Without a terminal, the same run prints plain
 * progress lines and not one control character.
 */
class ProgressOnTerminalTest {

    /**
     * Wide enough for the summary table (about 130 columns with received, applied and skipped), which
     * the terminal wraps like any long line; the frame itself is checked at 120, 50 and 20 columns by
     * ProgressScreenTest.
     */
    private static final int COLUMNS = 140;
    private static final int BIG_TRADES = 300_000;

    private static Installation installation;

    @TempDir
    Path work;

    @BeforeAll
    static void unpack() throws Exception {
        installation = Installation.unpack();
    }

    @Test
    void theLastFrameHasTheSummarysRowsAndTheSummaryIsNeverOverwritten() throws Exception {
        List<String> args = ingestArguments();
        StringBuilder command = new StringBuilder("stty cols " + COLUMNS + " rows 50 && exec " + quoted(installation.launcher().toString()));
        args.forEach(a -> command.append(' ').append(quoted(a)));
        Map<String, String> env = new HashMap<>(SampleWork.environment(null));
        env.put("TERM", "xterm");

        Installation.Run r = Installation.run(work, env, List.of("script", "-q", "-e", "-c", command.toString(), "/dev/null"));

        assertThat(r.code()).as(r.output()).isZero();
        TerminalScreen screen = TerminalScreen.replay(r.out(), COLUMNS);
        List<String> lines = screen.lines();
        String transcript = String.join("\n", lines);
        List<Integer> bars = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("ingest ")) {
                bars.add(i);
            }
        }
        assertThat(bars).as("one progress frame, redrawn in place:\n%s", transcript).hasSize(1);
        int bar = bars.get(0);
        assertThat(lines.get(bar)).as(transcript).contains("100%").contains(String.format("%,d of %,d rows", totalRows(), totalRows()));
        Map<String, Long> frame = new LinkedHashMap<>();
        int i = bar + 1;
        for (; i < lines.size() && lines.get(i).startsWith("  "); i++) {
            String[] cells = lines.get(i).strip().split("\\s+");
            assertThat(cells).as("a destination line, not cut: %s", lines.get(i)).hasSize(5);
            assertThat(cells[2] + " " + cells[4]).as(lines.get(i)).isEqualTo("rows rows/s");
            frame.put(cells[0], Installation.number(cells[1]));
        }
        assertThat(frame.keySet()).as(transcript).containsExactly("trades_db", "quotes_db", "bars_db", "bars_archive", "main_db");
        assertThat(frame.get("trades_db")).as(transcript).isGreaterThanOrEqualTo(BIG_TRADES);

        assertThat(lines.get(i)).as("a blank line after the frame:\n%s", transcript).isEmpty();
        int header = i + 1;
        List<String> columns = List.of(lines.get(header).split("\\s+"));
        // the rows each destination committed: "received" where the summary also counts applied and skipped rows
        int rowsColumn = columns.contains("received") ? columns.indexOf("received") : columns.indexOf("rows");
        assertThat(rowsColumn).as("the summary's header: %s", lines.get(header)).isPositive();
        Map<String, Long> summary = new LinkedHashMap<>();
        for (int s = header + 2; s < lines.size() && !lines.get(s).isEmpty() && !lines.get(s).startsWith("("); s++) {
            String[] cells = lines.get(s).split("\\s+");
            summary.put(cells[0], Installation.number(cells[rowsColumn]));
        }
        assertThat(frame).as(transcript).isEqualTo(summary);
        for (int s = i; s < lines.size(); s++) {
            assertThat(screen.changedAfterLinesBelow(s)).as("summary line %d changed after it was printed:\n%s", s, transcript).isFalse();
        }
        int frameEnd = i;
        assertThat(screen.wrappedRows()).as("frame lines wider than the terminal:\n%s", transcript).noneMatch(row -> row >= bar && row < frameEnd);
        assertThat(lines.subList(bar, frameEnd)).as(transcript).noneMatch(l -> l.endsWith("…"));
    }

    @Test
    void withoutATerminalProgressIsPlainLines() throws Exception {
        Map<String, String> env = new HashMap<>(SampleWork.environment(null));
        env.put("TERM", "xterm");
        List<String> args = ingestArguments();
        args.add(1, "--progress-every");
        args.add(2, "200ms");

        Installation.Run r = installation.fanout(work, env, args.toArray(String[]::new));

        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.out()).as(r.output()).doesNotContain("\u001b", "\r").contains("rows committed in");
        assertThat(r.out().lines()).as(r.output()).anyMatch(l -> l.startsWith("progress ") && l.contains("committed per destination: trades_db "));
    }

    /** {@code ingest --topology phase-2.yaml}, the sample and a trades file of {@link #BIG_TRADES} rows written into {@link #work}. */
    private List<String> ingestArguments() throws Exception {
        SampleWork.copyExamples(installation, work);
        Path big = Files.createDirectories(work.resolve("big")).resolve("trades.csv");
        try (BufferedWriter w = Files.newBufferedWriter(big)) {
            w.write("trade_id,symbol,executed_at,price,quantity,side,updated_at\n");
            for (int n = 0; n < BIG_TRADES; n++) {
                String ts = String.format("2026-01-06 %02d:%02d:%02d.%06d", 9 + n / 3_600_000 % 10, n / 60_000 % 60, n / 1000 % 60, n % 1000);
                w.write(String.format("B%07d,MSFT,%s,%d.25,%d,%s,%s%n", n, ts, 400 + n % 17, 1 + n % 90, n % 2 == 0 ? "buy" : "sell", ts));
            }
        }
        List<String> args = new ArrayList<>(List.of("ingest", "--topology", "phase-2.yaml"));
        args.addAll(SampleWork.inputArguments(work));
        args.add("big/trades.csv");
        return args;
    }

    private long totalRows() throws Exception {
        long rows = BIG_TRADES;
        for (Path input : SampleWork.inputs(work)) {
            try (var lines = Files.lines(input)) {
                rows += lines.filter(l -> !l.isBlank()).count() - (input.toString().endsWith(".ndjson") ? 0 : 1);
            }
        }
        return rows;
    }

    private static String quoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
