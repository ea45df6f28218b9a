package dev.fanout.cli;

import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fanout tables} and {@code fanout show} on the hybrid example ({@code examples/phase-3.yaml})
 * against a real clickhouse-server: the shipped input ingested twice (so the ClickHouse tables hold
 * unmerged duplicates that only {@code FINAL} hides) reads back as exactly the expected rows — trades
 * from ClickHouse, bars merged in key order from the DuckDB archive and ClickHouse.
 */
@ExtendWith(ClickHouseServerExtension.class)
class ShowClickHouseTest {

    @TempDir
    Path work;

    @Test
    void tablesAndShowReadTheClickHousePartsWithFinal(ClickHouseServer server) throws Exception {
        Path topology = Phase3EndToEndTest.shipped("phase-3.yaml", work, server, "market_show");
        List<Path> inputs = Examples.inputs("day1", "day2");
        for (int run = 0; run < 2; run++) {
            CliRun ingest = Phase3EndToEndTest.ingest(topology, inputs);
            assertThat(ingest.code()).as(ingest.err()).isEqualTo(0);
        }
        Examples.Tables expected = Examples.expectation(inputs);

        CliRun tables = fanout("tables", "--topology", topology.toString());
        assertThat(tables.code()).as(tables.err()).isEqualTo(0);
        Map<String, String> cells = TablesCommandTest.cells(tables.out());
        assertThat(cells.get("trades clickhouse")).isEqualTo(String.format("%,d", expected.get("trades.duckdb").get("trades").size()));
        assertThat(cells.get("bars clickhouse")).isEqualTo(String.format("%,d", expected.get("bars.duckdb").get("bars").size()));
        assertThat(cells.get("bars bars_archive")).isEqualTo(String.format("%,d", expected.get("bars_2025.duckdb").get("bars").size()));

        CliRun bars = fanout("show", "--topology", topology.toString(), "--table", "bars", "--format", "csv");
        assertThat(bars.code()).as(bars.err()).isEqualTo(0);
        List<String> lines = bars.out().lines().toList();
        assertThat(lines.get(0)).startsWith("symbol,day,");
        assertThat(lines.subList(1, lines.size()).stream().map(l -> String.join("|", List.of(l.split(",")).subList(0, 2))).toList())
                .isEqualTo(ShowCommandTest.expectedKeys(expected, "bars"));

        CliRun trades = fanout("show", "--topology", topology.toString(), "--table", "trades", "--limit", "5");
        assertThat(trades.code()).as(trades.err()).isEqualTo(0);
        assertThat(trades.out().lines().skip(2).limit(5).map(l -> l.split(" +")[0]).toList())
                .isEqualTo(ShowCommandTest.expectedKeys(expected, "trades").subList(0, 5));
    }

    @Test
    void anUnreachableServerIsNamedAndTheOthersStillCount(ClickHouseServer server) throws Exception {
        Path topology = Phase3EndToEndTest.shipped("phase-3.yaml", work, server, "market_down");
        server.stop();
        try {
            CliRun tables = fanout("tables", "--topology", topology.toString());
            assertThat(tables.code()).isEqualTo(2);
            assertThat(tables.err()).contains("destination clickhouse").contains("127.0.0.1:" + server.httpPort());
            assertThat(TablesCommandTest.cells(tables.out())).containsEntry("instruments main_db", "0").containsEntry("trades clickhouse", "unavailable");

            CliRun show = fanout("show", "--topology", topology.toString(), "--table", "trades");
            assertThat(show.code()).isEqualTo(2);
            assertThat(show.err()).contains("cannot show table trades: destination clickhouse");
        } finally {
            server.restart();
        }
    }
}
