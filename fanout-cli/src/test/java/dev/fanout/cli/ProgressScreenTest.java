package dev.fanout.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressScreenTest {

    private static final List<ProgressScreen.DestinationLine> MIDWAY = List.of(
            new ProgressScreen.DestinationLine("trades_db", 1_230_000, 389_999.4),
            new ProgressScreen.DestinationLine("quotes_db", 800_123, 460_000.0),
            new ProgressScreen.DestinationLine("reference_data_archive", 0, 0));

    @Test
    void at120ColumnsTheBarKeepsItsWidthAndEachDestinationHasALineWithSeparatedFigures() {
        List<String> lines = ProgressScreen.lines("ingest", 120, 2_030_123, 2_300_000, 75, MIDWAY);

        assertThat(lines).hasSize(4);
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThan(120));
        assertThat(lines.get(0)).matches("ingest \\[=+> *\\]  88% 2,030,123 of 2,300,000 rows 0:01:15").contains("=".repeat(30));
        assertThat(lines.get(1)).isEqualTo("  trades_db               1,230,000 rows  389,999 rows/s");
        assertThat(lines.get(2)).isEqualTo("  quotes_db                 800,123 rows  460,000 rows/s");
        assertThat(lines.get(3)).isEqualTo("  reference_data_archive          0 rows        0 rows/s");
    }

    @Test
    void onANarrowTerminalTheBarGoesFirstAndNoLineWraps() {
        List<String> at50 = ProgressScreen.lines("ingest", 50, 2_030_123, 2_300_000, 75, MIDWAY);
        List<String> at20 = ProgressScreen.lines("ingest", 20, 2_030_123, 2_300_000, 75, MIDWAY);

        assertThat(at50.get(0)).isEqualTo("ingest  88% 2,030,123 of 2,300,000 rows 0:01:15");
        assertThat(at50.get(1)).isEqualTo("  trades_db               1,230,000 rows  389,99…");
        assertThat(at50).allSatisfy(l -> assertThat(l.length()).isLessThan(50));
        assertThat(at20).allSatisfy(l -> assertThat(l.length()).isLessThan(20));
    }

    @Test
    void redrawsReplaceTheFrameInPlaceAndTextAfterTheLastFrameIsNeverOverwritten() {
        StringWriter bytes = new StringWriter();
        PrintWriter out = new PrintWriter(bytes);
        ProgressScreen screen = new ProgressScreen("ingest", out, () -> 100);
        List<ProgressScreen.DestinationLine> done = List.of(new ProgressScreen.DestinationLine("trades_db", 2_100, 700),
                new ProgressScreen.DestinationLine("quotes_db", 900, 300));

        screen.draw(0, 3_000, 0, List.of(new ProgressScreen.DestinationLine("trades_db", 0, 0),
                new ProgressScreen.DestinationLine("quotes_db", 0, 0)));
        screen.draw(1_500, 3_000, 1, List.of(new ProgressScreen.DestinationLine("trades_db", 1_000, 1_000),
                new ProgressScreen.DestinationLine("quotes_db", 500, 500)));
        screen.finish(3_000, 3_000, 3, done);
        out.println();
        out.println("destination  rows");
        out.println("trades_db    2,100");
        out.flush();
        screen.draw(3_000, 3_000, 4, List.of(new ProgressScreen.DestinationLine("trades_db", 9, 9),
                new ProgressScreen.DestinationLine("quotes_db", 9, 9)));
        out.flush();

        TerminalScreen terminal = TerminalScreen.replay(bytes.toString().replace("\n", "\r\n"), 100); // a pty turns \n into \r\n
        assertThat(terminal.lines()).containsExactly(
                "ingest [" + "=".repeat(38) + "] 100% 3,000 of 3,000 rows 0:00:03",
                "  trades_db  2,100 rows  700 rows/s",
                "  quotes_db    900 rows  300 rows/s",
                "",
                "destination  rows",
                "trades_db    2,100");
        for (int i = 3; i < terminal.lines().size(); i++) {
            assertThat(terminal.changedAfterLinesBelow(i)).as("line %d", i).isFalse();
        }
        assertThat(terminal.wrappedRows()).isEmpty();
    }
}
