package dev.fanout.cli;

import dev.fanout.api.FramePacket;
import dev.fanout.api.Schema;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URL;
import java.time.Instant;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code fanout bench --clickhouse}: the TSV fed to clickhouse-client, the up-front checks, and one short run on a real server. */
class ClickHouseBenchTest {

    private static final Schema TRADES = BenchCommand.TRADES;

    private static List<FramePacket> twoRows() {
        return List.of(FramePacket.builder("trades", TRADES).version(7)
                .addRow(1L, "AAPL", Instant.parse("2026-01-05T14:30:00.000001Z"), 101.5, 10L, "buy")
                .addRow(2L, "tab\there \\ and\nnewline", Instant.parse("1969-12-31T23:59:59.999999Z"), 0.25, null, "sell")
                .build());
    }

    @Test
    void tsvHoldsTheColumnsThenTheVersionWithTimestampsAsTheWriterStoresThem() throws IOException {
        StringWriter micros = new StringWriter();
        ClickHouseBench.writeTsv(twoRows(), micros, false);
        assertThat(micros.toString()).isEqualTo(
                "1\tAAPL\t1767623400000001\t101.5\t10\tbuy\t7\n"
                        + "2\ttab\\there \\\\ and\\nnewline\t-1\t0.25\t\\N\tsell\t7\n");
        StringWriter dateTime64 = new StringWriter();
        ClickHouseBench.writeTsv(twoRows(), dateTime64, true);
        assertThat(dateTime64.toString()).isEqualTo(
                "1\tAAPL\t2026-01-05 14:30:00.000001\t101.5\t10\tbuy\t7\n"
                        + "2\ttab\\there \\\\ and\\nnewline\t1969-12-31 23:59:59.999999\t0.25\t\\N\tsell\t7\n");
    }

    @Test
    void clickHouseWithoutTheChPluginIsAUsageErrorBeforeAnyCaseRuns() {
        ClassLoader original = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(new ClassLoader(original) {
            @Override
            public Enumeration<URL> getResources(String name) throws IOException {
                return Collections.enumeration(Collections.list(super.getResources(name)).stream()
                        .filter(url -> !url.toString().contains("writer-clickhouse")).toList());
            }
        });
        try {
            CliRun r = fanout("bench", "--rows", "10", "--clickhouse", "ch://127.0.0.1:8123/bench");
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("--clickhouse").contains("scheme ch").contains("writer-clickhouse");
            assertThat(r.out()).doesNotContain("round");
        } finally {
            Thread.currentThread().setContextClassLoader(original);
        }
    }

    @Test
    void aUriNamingATableIsAUsageError() {
        CliRun r = fanout("bench", "--rows", "10", "--clickhouse", "ch://127.0.0.1:8123/bench/trades");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("ch://host:port/database");
    }

    @Test
    @ExtendWith(ClickHouseServerExtension.class)
    void aShortRunReportsBothClickHouseCasesAndLeavesNothingBehind(ClickHouseServer server) throws IOException {
        CliRun r = fanout("bench", "--rows", "3000", "--batch-rows", "1000", "--rounds", "1",
                "--clickhouse", server.uri("fanout_bench_test"), "--clickhouse-native-port", String.valueOf(server.tcpPort()));
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("ClickHouse 18.").containsPattern("\\(d\\) ClickHouse writer upsert, fresh keys +3,000 ")
                .containsPattern("\\(e\\) clickhouse-client INSERT FORMAT TSV \\(reference\\) +3,000 .* 1\\.00x");
        assertThat(server.scalar("SELECT count() FROM system.databases WHERE name = 'fanout_bench_test'")).isEqualTo("0");
    }

    @Test
    @ExtendWith(ClickHouseServerExtension.class)
    void aDatabaseHoldingATradesTableIsRefusedAndKept(ClickHouseServer server) throws IOException {
        server.query("CREATE DATABASE IF NOT EXISTS users_db");
        server.query("CREATE TABLE IF NOT EXISTS users_db.trades (id Int64) ENGINE = MergeTree ORDER BY id");
        try {
            CliRun r = fanout("bench", "--rows", "10", "--clickhouse", server.uri("users_db"),
                    "--clickhouse-native-port", String.valueOf(server.tcpPort()));
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("users_db.trades").contains("another database");
            assertThat(server.scalar("EXISTS TABLE users_db.trades")).isEqualTo("1");
        } finally {
            server.query("DROP DATABASE users_db");
        }
    }
}
