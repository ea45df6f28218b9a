package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a page's console blocks are read and what a comparison forgives — and what it does not. */
class WalkthroughTest {

    @TempDir
    Path dir;

    private static final List<String> SUMMARY = List.of(
            "submitted a.csv: 10 rows as table a",
            "submitted b.csv: 20 rows as table b",
            "",
            "destination  rows  packets  batches  retries  p50 ms",
            "-----------  ----  -------  -------  -------  ------",
            "a_db           10        2        2        0    47.9",
            "",
            "30 rows committed in 2 packets; 0.9 s (4,395 rows/s)");

    @Test
    void commandsTheirOutputsAndExpectedExitCodesAreReadFromConsoleBlocksOnly() throws Exception {
        Path page = Files.writeString(dir.resolve("page.md"), """
                Text.
                ```sh
                $ not a step
                ```
                ```console
                $ fanout validate x.yaml
                x.yaml: valid
                $ fanout ingest --topology x.yaml in.csv # exit 1
                failed
                ```
                """);

        List<Walkthrough.Step> steps = Walkthrough.steps(page);

        assertThat(steps).extracting(Walkthrough.Step::command).containsExactly("fanout validate x.yaml", "fanout ingest --topology x.yaml in.csv # exit 1");
        assertThat(steps).extracting(Walkthrough.Step::expectedExit).containsExactly(0, 1);
        assertThat(steps.get(0).expectedOutput()).containsExactly("x.yaml: valid");
        assertThat(steps.get(1).line()).isEqualTo(8);
    }

    @Test
    void anUnclosedConsoleBlockIsAnError() throws Exception {
        Path page = Files.writeString(dir.resolve("page.md"), "```console\n$ fanout plugins\n");

        assertThatThrownBy(() -> Walkthrough.steps(page)).hasMessageContaining("not closed");
    }

    @Test
    void timingsRatesColumnWidthsBatchesAndTheOrderOfConcurrentLinesAreForgiven() {
        List<String> other = List.of(
                "submitted b.csv: 20 rows as table b",
                "submitted a.csv: 10 rows as table a",
                "",
                "destination  rows  packets  batches  retries  p50 ms",
                "-----------  ----  -------  -------  -------  ------",
                "a_db           10        2        1        0    112.4",
                "",
                "30 rows committed in 2 packets; 12.5 s (240 rows/s)");

        assertThat(Walkthrough.comparable(other)).isEqualTo(Walkthrough.comparable(SUMMARY));
    }

    @Test
    void appliedAndSkippedWhichFollowTheBatchesAreForgivenAndReceivedIsNot() {
        List<String> page = List.of(
                "destination  state  received  applied  skipped  packets  batches",
                "-----------  -----  --------  -------  -------  -------  -------",
                "trades_db    up        2,350    2,300       50        2        2");
        List<String> oneBatch = List.of(
                "destination  state  received  applied  skipped  packets  batches",
                "-----------  -----  --------  -------  -------  -------  -------",
                "trades_db    up        2,350    2,100      250        2        1");
        List<String> otherReceived = List.of(
                "destination  state  received  applied  skipped  packets  batches",
                "-----------  -----  --------  -------  -------  -------  -------",
                "trades_db    up        2,351    2,300       50        2        2");

        assertThat(Walkthrough.comparable(oneBatch)).isEqualTo(Walkthrough.comparable(page));
        assertThat(Walkthrough.comparable(otherReceived)).isNotEqualTo(Walkthrough.comparable(page));
    }

    @Test
    void aCellCutShorterBecauseAPortHasMoreDigitsIsForgiven() {
        assertThat(Walkthrough.comparable(List.of("trades 1 350 1x WriteException: cannot reach ClickHouse at 127.0.0.1:28123 wh…")))
                .isEqualTo(Walkthrough.comparable(List.of("trades 1 350 1x WriteException: cannot reach ClickHouse at 127.0.0.1:8123 whi…")));
    }

    @Test
    void addressesVersionsAndTheOrderOfOtherLinesAreNotForgiven() {
        assertThat(Walkthrough.comparable(List.of("fanout 0.1.0 at 127.0.0.1"))).isNotEqualTo(Walkthrough.comparable(List.of("fanout 0.2.0 at 127.0.0.1")));
        assertThat(Walkthrough.comparable(List.of("server 18.16.1"))).isNotEqualTo(Walkthrough.comparable(List.of("server 18.17.1")));
        assertThat(Walkthrough.comparable(List.of("table bars: 1", "table trades: 2")))
                .isNotEqualTo(Walkthrough.comparable(List.of("table trades: 2", "table bars: 1")));
    }

    @Test
    void aChangedCountWordOrLineIsNotForgiven() {
        assertThat(Walkthrough.comparable(replace(5, "a_db           11        2        2        0    47.9"))).isNotEqualTo(Walkthrough.comparable(SUMMARY));
        assertThat(Walkthrough.comparable(replace(5, "a_db           10        2        2        1    47.9"))).isNotEqualTo(Walkthrough.comparable(SUMMARY));
        assertThat(Walkthrough.comparable(replace(7, "30 rows committed in 3 packets; 0.9 s (4,395 rows/s)"))).isNotEqualTo(Walkthrough.comparable(SUMMARY));
        assertThat(Walkthrough.comparable(SUMMARY.subList(0, 7))).isNotEqualTo(Walkthrough.comparable(SUMMARY));
    }

    @Test
    void logLinesMayFallAnywhereAmongPrintedLinesButEachMustBeThere() {
        List<String> page = List.of("submitted a.csv: 10 rows as table a",
                "[fanout-lane-ch] WARN dev.fanout.core.dispatch.Lane - write of 1 packets (first 5914c515-7b55-4ea7-8677-b084f588981e) failed, attempt 1 of 6, retrying in 89 ms",
                "summary");
        List<String> run = List.of(
                "[fanout-lane-ch] WARN dev.fanout.core.dispatch.Lane - write of 1 packets (first 0c4f1a2b-1111-2222-3333-444455556666) failed, attempt 1 of 6, retrying in 12 ms",
                "submitted a.csv: 10 rows as table a", "summary");

        assertThat(Walkthrough.comparable(run)).isEqualTo(Walkthrough.comparable(page));
        assertThat(Walkthrough.comparable(List.of("submitted a.csv: 10 rows as table a", "summary"))).isNotEqualTo(Walkthrough.comparable(page));
        assertThat(Walkthrough.comparable(List.of(run.get(0).replace("attempt 1", "attempt 2"), run.get(1), run.get(2))))
                .isNotEqualTo(Walkthrough.comparable(page));
    }

    @Test
    void theRunsDirectoryAndClickHousePortsAreWrittenAsThePageShowsThem() {
        Path work = Path.of("/tmp/fanout clone 123");
        List<String> lines = Walkthrough.asOnPage("""
                progress 0:00:10: 5 of 10 rows acknowledged (50%)
                clickhouse ch://127.0.0.1:41234/market ok
                export CH_HTTP_PORT=41234
                /tmp/fanout clone 123/examples/data/main.duckdb


                """, java.util.Map.of(work, "/path/to/fanout"), "41234", "41235");

        assertThat(lines).containsExactly("clickhouse ch://127.0.0.1:8123/market ok", "export CH_HTTP_PORT=8123",
                "/path/to/fanout/examples/data/main.duckdb");
    }

    @Test
    void theClustersPortsAreWrittenAsThePageShowsThemToo() {
        java.util.Map<String, String> ports = Walkthrough.portsAsOnPage(java.util.Map.of("CH_HTTP_PORT", "8123", "CH_ZOOKEEPER_PORT", "24567",
                "CH1_HTTP_PORT", "23456", "CH3_TCP_PORT", "9000", "CH4_HTTP_PORT", "8134"));
        List<String> lines = Walkthrough.asOnPage("""
                clickhouse: started ZooKeeper (pid 7) on 127.0.0.1 port 24567
                clickhouse server 1: started ClickHouse 18.16.1 (pid 8) on 127.0.0.1, HTTP port 23456, native port 9011
                clickhouse server 3: native port 9000; 234567 rows
                ch://127.0.0.1:8134/market
                """, java.util.Map.of(), ports);

        assertThat(lines).containsExactly("clickhouse: started ZooKeeper (pid 7) on 127.0.0.1 port 2181",
                "clickhouse server 1: started ClickHouse 18.16.1 (pid 8) on 127.0.0.1, HTTP port 8131, native port 9011",
                "clickhouse server 3: native port 9013; 234567 rows", "ch://127.0.0.1:8134/market");
    }

    @Test
    void rewritingThePageReplacesOutputsAndKeepsEverythingElse() throws Exception {
        Path page = Files.writeString(dir.resolve("page.md"), "Intro.\n```console\n$ a\nold a\n$ b\n```\nEnd.\n");

        String rewritten = Walkthrough.rewritten(page, List.of(List.of("new a"), List.of("new b", "more b")));

        assertThat(rewritten).isEqualTo("Intro.\n```console\n$ a\nnew a\n$ b\nnew b\nmore b\n```\nEnd.\n");
    }

    private static List<String> replace(int index, String line) {
        List<String> copy = new java.util.ArrayList<>(SUMMARY);
        copy.set(index, line);
        return copy;
    }
}
