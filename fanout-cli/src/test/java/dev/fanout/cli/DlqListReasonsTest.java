package dev.fanout.cli;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code fanout dlq list} shows each top reason with its cause, which DuckDB and the clients put at the end of the message. */
class DlqListReasonsTest {

    private static final Schema TRADES = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("sym", LogicalType.STRING)),
            List.of("id"));
    private static final String UNREACHABLE = "destination clickhouse: cannot reach ClickHouse at 127.0.0.1:8123 while reading the server "
            + "version: HttpHostConnectException: Connect to http://127.0.0.1:8123 [/127.0.0.1] failed: Connection refused";
    private static final String DISK_FULL = "destination main_db: table trades: insert failed: FATAL Error: Failed: database has been "
            + "invalidated because of a previous fatal error; the fatal error before it: FATAL Error: Failed to create checkpoint because "
            + "of error: Could not write file \"/data/very/long/path/to/the/destination/file/main.duckdb.wal\" at offset 123456789: "
            + "No space left on device";

    @TempDir
    Path dir;

    @Test
    void theReasonDropsWhatTheListSaysAndKeepsTheCause() {
        assertThat(DlqCommand.reason("trades", "WriteException", UNREACHABLE)).isEqualTo("clickhouse: cannot reach ClickHouse at "
                + "127.0.0.1:8123 while reading the server version: HttpHostConnectException: Connect to http://127.0.0.1:8123 "
                + "[/127.0.0.1] failed: Connection refused");
        assertThat(DlqCommand.reason("trades", "WriteException", "destination main_db: table trades: insert failed: x"))
                .isEqualTo("main_db: insert failed: x");
        assertThat(DlqCommand.reason("bars", "WriteException", "destination main_db: table trades: insert failed: x"))
                .as("another table's name stays").isEqualTo("main_db: table trades: insert failed: x");
        assertThat(DlqCommand.reason("trades", "SchemaMismatch", "column amount\n  is missing")).isEqualTo("SchemaMismatch: column amount is missing");

        String cut = DlqCommand.reason("trades", "WriteException", DISK_FULL);
        assertThat(cut).hasSizeLessThanOrEqualTo(DlqCommand.MAX_REASON).startsWith("main_db: insert failed: FATAL Error: Failed: database")
                .contains(" … ").endsWith("No space left on device");
    }

    @Test
    void dlqListShowsTheCauseOfALongReason() throws IOException {
        Path topology = dir.resolve("t.yaml");
        Files.writeString(topology, """
                version: 1
                destinations:
                  main_db: { uri: "duckdb:data/main.duckdb" }
                default: main_db
                dlq: { path: data/dlq }
                tables:
                  trades: { primary_key: [id] }
                  bars: { primary_key: [id] }
                """);
        Instant at = Instant.parse("2026-12-06T20:45:14Z");
        try (DeadLetterStore store = DeadLetterStore.open(dir.resolve("data/dlq"))) {
            for (String table : List.of("trades", "bars")) {
                FramePacket p = FramePacket.builder(table, TRADES).version(1).addRow(1L, "AAPL").addRow(2L, "MSFT").build();
                store.park(new DeadLetter(DeadLetterStore.newId(), p, "main_db", "WriteException", DISK_FULL.replace("trades", table),
                        true, 6, at, at));
            }
            FramePacket p = FramePacket.builder("trades", TRADES).version(1).addRow(3L, "IBM").build();
            store.park(new DeadLetter(DeadLetterStore.newId(), p, "clickhouse", "WriteException", UNREACHABLE, true, 6, at, at));
        }

        CliRun list = fanout("dlq", "list", "--topology", topology.toString());

        assertThat(list.code()).as(list.err()).isZero();
        String out = list.out();
        assertThat(out).contains("No space left on device").contains("failed: Connection refused")
                .doesNotContain("WriteException").doesNotContain("destination main_db").doesNotContain("table trades:");
        assertThat(out.lines().filter(l -> l.startsWith("trades ")).toList()).as(out).singleElement().asString().contains("2");
        assertThat(out.lines().filter(l -> l.contains("No space left on device")).toList()).as(out).hasSize(2);
        assertThat(out.lines()).as(out).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(DlqCommand.MAX_REASON + 20));
    }
}
