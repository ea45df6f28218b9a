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

import static dev.fanout.cli.CliRun.fanout;
import static dev.fanout.cli.Phase3EndToEndTest.ingest;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fanout migrate} between DuckDB files and a real clickhouse-server: the shipped sample
 * ingested through phase 2 moves to phase 3 (hot tables and the 2026 bars into ClickHouse, read back
 * with {@code FINAL}), then back to phase 2 into new files; both directions verify and every row
 * with its {@code _fanout_version} equals {@link Examples#expectation}.
 */
@ExtendWith(ClickHouseServerExtension.class)
class MigrateClickHouseEndToEndTest {

    private static final List<String> MOVED_FILES = List.of("trades.duckdb", "quotes.duckdb", "bars.duckdb");

    @TempDir
    Path work;

    @Test
    void phaseTwoToThreeAndBackVerifyAndMatchTheExpectation(ClickHouseServer server) throws Exception {
        String database = "market_migrate";
        Path phase2 = Files.copy(Examples.DIR.resolve("phase-2.yaml"), work.resolve("phase-2.yaml"));
        Path phase3 = Phase3EndToEndTest.shipped("phase-3.yaml", work, server, database);
        List<Path> inputs = Examples.inputs("day1", "day2");
        assertThat(ingest(phase2, inputs).code()).isEqualTo(0);
        Examples.Tables expected = Examples.expectation(inputs);

        CliRun forth = fanout("migrate", "--from", phase2.toString(), "--to", phase3.toString());
        assertThat(forth.code()).as(forth.out() + forth.err()).isEqualTo(0);
        assertThat(forth.out()).contains("4 of 4 moves verified");
        Examples.Tables phase3Stored = Examples.readAll(work.resolve("data"));
        MOVED_FILES.forEach(phase3Stored::remove);
        phase3Stored.put(Examples.CLICKHOUSE, Examples.readClickHouse(server, database));
        Examples.assertMatches(Examples.phase3(expected), phase3Stored);

        try (Stream<Path> files = Files.list(work.resolve("data"))) {
            for (Path f : files.filter(p -> MOVED_FILES.stream().anyMatch(m -> p.getFileName().toString().startsWith(m))).toList()) {
                Files.delete(f);
            }
        }
        CliRun back = fanout("migrate", "--from", phase3.toString(), "--to", phase2.toString());
        assertThat(back.code()).as(back.out() + back.err()).isEqualTo(0);
        assertThat(back.out()).contains("4 of 4 moves verified");
        Examples.assertMatches(expected, Examples.readAll(work.resolve("data")));
    }
}
