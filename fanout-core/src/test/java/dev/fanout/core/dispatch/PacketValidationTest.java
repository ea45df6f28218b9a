package dev.fanout.core.dispatch;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static dev.fanout.core.dispatch.Fixtures.settings;
import static dev.fanout.core.dispatch.Fixtures.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.verify;

/** Invalid data is refused at submit, with a reason naming table, row and column, and never written. */
@Timeout(30)
class PacketValidationTest {

    private static final Schema TRADES = Schema.of(List.of(
            Column.required("id", LogicalType.INT64),
            Column.of("qty", LogicalType.INT64),
            Column.of("price", LogicalType.decimal(5, 2)),
            Column.required("venue", LogicalType.STRING),
            Column.of("seq", LogicalType.INT64)), List.of("id"), "seq");

    private RecordingWriter writer;
    private Dispatcher dispatcher;

    @BeforeEach
    void start() {
        writer = spy(new RecordingWriter());
        dispatcher = Dispatcher.start(to("d"), Map.of("d", writer), settings(10, Duration.ZERO, 100), new MetricRegistry());
    }

    @AfterEach
    void close() {
        dispatcher.close();
    }

    private static FramePacket trades(Object[]... rows) {
        FramePacket.Builder b = FramePacket.builder("trades", TRADES).packetId("p");
        for (Object[] row : rows) {
            b.addRow(row);
        }
        return b.build();
    }

    private static Object[] good(long id) {
        return new Object[] {id, 10L, new BigDecimal("123.45"), "XNYS", id};
    }

    private PacketOutcome rejectedAtOnce(FramePacket packet) throws Exception {
        CompletableFuture<PacketOutcome> future = dispatcher.submit(packet);
        assertThat(future).isDone();
        PacketOutcome outcome = future.get();
        assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.FAILED);
        assertThat(outcome.destinations()).isEmpty();
        dispatcher.flush();
        verify(writer, never()).write(any(WriteBatch.class));
        return outcome;
    }

    @Test
    void aNullKeyIsRefused() throws Exception {
        PacketOutcome outcome = rejectedAtOnce(trades(good(1), new Object[] {null, 1L, null, "XNYS", 2L}));

        assertThat(outcome.reason()).hasValue("table trades, row 1, column 'id': null in key column");
    }

    @Test
    void aValueOfTheWrongTypeIsRefused() throws Exception {
        PacketOutcome outcome = rejectedAtOnce(trades(good(1), good(2), new Object[] {3L, "ten", null, "XNYS", 3L}));

        assertThat(outcome.reason()).hasValueSatisfying(r -> assertThat(r)
                .startsWith("table trades, row 2, column 'qty': ").contains("int64").contains("String"));
    }

    @Test
    void aDecimalTooWideForItsColumnIsRefused() throws Exception {
        PacketOutcome outcome = rejectedAtOnce(trades(new Object[] {1L, 1L, new BigDecimal("12345.67"), "XNYS", 1L}));

        assertThat(outcome.reason()).hasValueSatisfying(r -> assertThat(r)
                .startsWith("table trades, row 0, column 'price': ").contains("decimal(5,2)"));
    }

    @Test
    void aNullInANonNullableColumnIsRefused() throws Exception {
        PacketOutcome outcome = rejectedAtOnce(trades(new Object[] {1L, 1L, null, null, 1L}));

        assertThat(outcome.reason()).hasValue("table trades, row 0, column 'venue': null in non-nullable column");
    }

    @Test
    void aNullVersionIsRefused() throws Exception {
        PacketOutcome outcome = rejectedAtOnce(trades(new Object[] {1L, 1L, null, "XNYS", null}));

        assertThat(outcome.reason()).hasValue("table trades, row 0, column 'seq': null in the version column");
    }

    @Test
    void validRowsWithNullsWhereAllowedAreWritten() throws Exception {
        PacketOutcome outcome = dispatcher.submit(trades(good(1), new Object[] {2L, null, null, "XNYS", 2L})).get();

        assertThat(outcome.isCommitted()).isTrue();
        assertThat(writer.packetIds("trades")).containsExactly("p");
    }
}
