package dev.fanout.cli;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.cli.testplugin.FlakyDuckDbProvider;
import dev.fanout.core.Fanout;
import dev.fanout.core.dispatch.PacketOutcome;
import dev.fanout.dlq.DeadLetterStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/** Every logical type, parked in the dead-letter queue during an outage and replayed into DuckDB, arrives exactly. */
class DeadLetterRoundTripTest {

    @TempDir
    Path dir;

    @AfterEach
    void endOutage() {
        FlakyDuckDbProvider.FAILING.set(false);
    }

    private static final Schema ALL_TYPES = Schema.of(List.of(
            Column.required("id", LogicalType.INT64),
            Column.of("flag", LogicalType.BOOLEAN),
            Column.of("small", LogicalType.INT32),
            Column.of("ratio", LogicalType.FLOAT64),
            Column.of("amount", LogicalType.decimal(38, 10)),
            Column.of("label", LogicalType.STRING),
            Column.of("day", LogicalType.DATE),
            Column.of("at", LogicalType.TIMESTAMP),
            Column.of("blob", LogicalType.BYTES),
            Column.of("doc", LogicalType.JSON)), List.of("id"));

    @Test
    void everyLogicalTypeSurvivesTheQueueAndTheReplay() throws Exception {
        Path topology = dir.resolve("t.yaml");
        Files.writeString(topology, """
                version: 1
                destinations:
                  flaky_db: { uri: "flaky:data/all.duckdb" }
                default: flaky_db
                retry: { max_attempts: 1, initial_backoff: 1ms, max_backoff: 1ms }
                dlq: { path: data/dlq }
                """);
        List<Object[]> rows = List.of(
                new Object[] {1L, true, Integer.MIN_VALUE, -0.0, new BigDecimal("-1234567890123456789012345678.0123456789"),
                        "naïve 𝄞 \"quoted\" ' ; DROP TABLE x", LocalDate.of(1969, 12, 31),
                        Instant.parse("1969-07-20T20:17:40.123456Z"), new byte[] {0, -1, 127, -128}, "{\"a\": [1, 2.5, null]}"},
                new Object[] {2L, false, Integer.MAX_VALUE, Double.MAX_VALUE, new BigDecimal("0.0000000001"), "",
                        LocalDate.of(9999, 12, 31), Instant.parse("2262-04-11T23:47:16.854775Z"), new byte[0], "[]"},
                new Object[] {3L, null, null, null, null, null, null, null, null, null});
        FramePacket.Builder b = FramePacket.builder("all_types", ALL_TYPES).version(7);
        rows.forEach(b::addRow);
        FramePacket packet = b.build();

        FlakyDuckDbProvider.FAILING.set(true);
        PacketOutcome parked;
        try (DeadLetterStore store = DeadLetterStore.open(dir.resolve("data/dlq"));
             Fanout fanout = Fanout.builder().topology(topology).deadLetters(store).build()) {
            parked = fanout.submit(packet).get();
        }
        assertThat(parked.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);

        FlakyDuckDbProvider.FAILING.set(false);
        CliRun replay = fanout("dlq", "replay", "--no-progress", "--topology", topology.toString());
        assertThat(replay.code()).as(replay.err()).isEqualTo(0);

        List<Object[]> stored = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("data/all.duckdb"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * EXCLUDE (_fanout_version), _fanout_version FROM all_types ORDER BY id")) {
            while (rs.next()) {
                LocalDateTime at = rs.getObject("at", LocalDateTime.class);
                stored.add(new Object[] {rs.getLong("id"), rs.getObject("flag"), rs.getObject("small"), rs.getObject("ratio"),
                        rs.getBigDecimal("amount"), rs.getString("label"), rs.getObject("day", LocalDate.class),
                        at == null ? null : at.toInstant(ZoneOffset.UTC), rs.getBytes("blob"), rs.getString("doc")});
                assertThat(rs.getLong("_fanout_version")).isEqualTo(7L);
            }
        }
        assertThat(stored).hasSize(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Object[] want = rows.get(i);
            Object[] got = stored.get(i);
            for (int c = 0; c < want.length; c++) {
                String what = "row " + i + " column " + ALL_TYPES.column(c).name();
                if (want[c] instanceof BigDecimal d) {
                    assertThat((BigDecimal) got[c]).as(what).isEqualByComparingTo(d);
                } else if (want[c] instanceof Double d) {
                    assertThat(Double.doubleToRawLongBits((Double) got[c])).as(what).isEqualTo(Double.doubleToRawLongBits(d));
                } else {
                    assertThat(got[c]).as(what).isEqualTo(want[c]);
                }
            }
        }
    }
}
