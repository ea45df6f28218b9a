package dev.fanout.cli;

import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The full-OLAP example ({@code examples/phase-4.yaml}) end to end through the CLI against a real
 * clickhouse-server: every table, bars of both years together, lands in one ClickHouse database
 * equal row by row ({@code FINAL}, {@code _fanout_version} included) to {@link Examples#expectation},
 * and no DuckDB file is written.
 */
@ExtendWith(ClickHouseServerExtension.class)
class Phase4EndToEndTest {

    @TempDir
    Path work;

    @Test
    void phase4IngestPutsEveryTableInClickHouse(ClickHouseServer server) throws Exception {
        String database = "market_phase4";
        Path topology = Phase3EndToEndTest.shipped("phase-4.yaml", work, server, database);
        List<Path> inputs = Examples.inputs("day1", "day2");

        CliRun run = Phase3EndToEndTest.ingest(topology, inputs);
        assertThat(run.code()).as(run.err()).isEqualTo(0);
        assertThat(run.out()).contains(String.format("%,d rows committed in", Phase3EndToEndTest.rows(inputs))).contains("0 packets (0 rows) not fully committed");

        Examples.Tables actual = new Examples.Tables();
        actual.put(Examples.CLICKHOUSE, Examples.readClickHouse(server, database));
        Examples.assertMatches(Examples.phase4(Examples.expectation(inputs)), actual);
        try (Stream<Path> files = Files.walk(work)) {
            assertThat(files.filter(p -> p.toString().endsWith(".duckdb"))).as("DuckDB files written").isEmpty();
        }
    }
}
