package dev.fanout.core;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.testplugin.MemProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The topology's {@code metrics.jmx} and {@code metrics.csv} reporters, over a real run. */
@Timeout(60)
class FanoutReportersTest {

    private static final Schema SCHEMA = Schema.of(List.of(Column.required("id", LogicalType.INT64)), List.of("id"));

    @TempDir
    Path dir;

    @Test
    void jmxServesTheRegistryWhileRunningAndCsvHoldsTheFinalFiguresAfterClose() throws Exception {
        Path topology = dir.resolve("topology.yaml");
        Files.writeString(topology, """
                version: 1
                destinations:
                  trades_db: { uri: "mem:trades" }
                default: trades_db
                metrics:
                  jmx: fanout.reporters.test
                  csv: { directory: csv, period: 1h }
                  log: { period: 1h }
                """);
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName pattern = new ObjectName("fanout.reporters.test:name=fanout.destination.trades_db.rows,*");

        try (Fanout fanout = Fanout.builder().topology(topology).registry(WriterRegistry.of(List.of(new MemProvider()))).build()) {
            FramePacket.Builder b = FramePacket.builder("trades", SCHEMA);
            for (long i = 0; i < 7; i++) {
                b.addRow(i);
            }
            assertThat(fanout.submit(b.build()).get().isCommitted()).isTrue();

            assertThat(jmx.queryNames(pattern, null)).singleElement()
                    .satisfies(rows -> assertThat(jmx.getAttribute(rows, "Count")).isEqualTo(7L));
        }

        assertThat(jmx.queryNames(pattern, null)).as("unregistered on close").isEmpty();
        Path csv = dir.resolve("csv").resolve("fanout.destination.trades_db.rows.csv");
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).startsWith("t,count,");
        assertThat(lines).as("reported once more on close, an hour before the first period").hasSize(2);
        assertThat(lines.get(1).split(",")[1]).isEqualTo("7");
    }
}
