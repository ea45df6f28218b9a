package dev.fanout.writer.motherduck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Errors DuckDB raises while writing may echo the token; the MotherDuck writer masks them and
 * attaches no cause (test mode, with a token set as in production).
 */
class MotherDuckWriteErrorMaskingTest {

    private static final String TOKEN = "write-path-token-9a8b7c6d5e";
    private static final Schema TRADES = Schema.of(List.of(Column.of("id", LogicalType.INT64), Column.of("symbol", LogicalType.STRING)),
            List.of("id"));

    @TempDir
    Path dir;

    @Test
    void aDuckDbErrorWhileWritingThatEchoesTheTokenIsMaskedAndCarriesNoCause() throws Exception {
        Path file = dir.resolve("md.duckdb");
        // a table fanout can write, with a CHECK whose failure message quotes the token
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE trades (id BIGINT NOT NULL, symbol VARCHAR CHECK (symbol <> '" + TOKEN + "'), "
                    + "_fanout_version BIGINT NOT NULL, PRIMARY KEY (id))");
        }
        assertThat(Files.exists(file)).isTrue();
        Destination destination = new Destination("hot", "md:market", Map.of("token", TOKEN, "test_local_path", "md.duckdb"), dir,
                Set.of("token"));

        WriteException e;
        try (BaseWriter writer = new MotherDuckWriterProvider().create(destination)) {
            writer.open();
            e = catchThrowableOfType(WriteException.class, () -> writer.write(WriteBatch.of(
                    FramePacket.builder("trades", TRADES).version(1).addRow(1L, TOKEN).build())));
        }

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).startsWith("destination hot: table trades: ").contains("****").doesNotContain(TOKEN);
        assertThat(e.getCause()).as("DuckDB's exception holds the token").isNull();
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).doesNotContain(TOKEN);
        assertThat(e.toString()).doesNotContain(TOKEN);
    }

    @Test
    void theTargetMasksTheTokenAndLeavesOtherTextAlone() {
        MotherDuckTarget target = new MotherDuckTarget(MotherDuckDestination.of(new Destination("hot", "md:market",
                Map.of("token", TOKEN), dir, Set.of("token"))));
        assertThat(target.mask("Binder Error: '" + TOKEN + "' twice " + TOKEN)).isEqualTo("Binder Error: '****' twice ****");
        assertThat(target.mask("IO Error: nothing secret")).isEqualTo("IO Error: nothing secret");
    }
}
