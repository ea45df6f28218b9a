package dev.fanout.core.dispatch;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Router;
import dev.fanout.api.Schema;
import dev.fanout.dlq.DeadLetter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.parking;
import static dev.fanout.core.dispatch.Fixtures.to;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * At a destination whose engine compares names case-insensitively, the dispatcher refuses a name that
 * differs only by case from one it already sent there — before any write, parked naming both names
 * and the destination; the first name wins. At an exact destination nothing is refused.
 */
@Timeout(30)
class NameClashTest {

    private static final RetryPolicy ONCE = new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1));

    private final RecordingDeadLetterSink sink = new RecordingDeadLetterSink();
    private final RecordingWriter writer = new RecordingWriter();

    private Dispatcher start(Router router, Map<String, BaseWriter> writers, Map<String, IdentifierComparison> comparisons) {
        return Dispatcher.start(router, writers, comparisons, parking(100, ONCE, CircuitPolicy.DEFAULT, sink, new ManualClock()),
                new MetricRegistry());
    }

    private Dispatcher startCaseInsensitive() {
        return start(to("d"), Map.of("d", writer), Map.of("d", IdentifierComparison.CASE_INSENSITIVE));
    }

    private static FramePacket priced(String table, String id, String... columns) {
        List<Column> cols = new ArrayList<>(List.of(Column.required("id", LogicalType.INT64)));
        for (String c : columns) {
            cols.add(Column.of(c, LogicalType.FLOAT64));
        }
        FramePacket.Builder b = FramePacket.builder(table, Schema.of(cols, List.of("id"))).packetId(id);
        Object[] row = new Object[cols.size()];
        row[0] = 1L;
        for (int i = 1; i < row.length; i++) {
            row[i] = 1.5;
        }
        return b.addRow(row).build();
    }

    @Test
    void aTableDifferingOnlyByCaseFromOneSentEarlierIsParkedNamingBothAndTheFirstIsWritten() throws Exception {
        PacketOutcome first;
        PacketOutcome second;
        PacketOutcome again;
        try (Dispatcher dispatcher = startCaseInsensitive()) {
            first = dispatcher.submit(packet("Trades", "p1", 1, 2)).get();
            second = dispatcher.submit(packet("trades", "p2", 1)).get();
            again = dispatcher.submit(packet("Trades", "p3", 3)).get();
        }

        assertThat(first.status()).isEqualTo(PacketOutcome.Status.COMMITTED);
        assertThat(again.status()).isEqualTo(PacketOutcome.Status.COMMITTED);
        assertThat(second.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
        assertThat(writer.packetIds("Trades")).containsExactly("p1", "p3");
        assertThat(writer.packetIds("trades")).isEmpty();
        DeadLetter letter = sink.letters.get(0);
        assertThat(sink.letters).hasSize(1);
        assertThat(letter.packet().packetId()).isEqualTo("p2");
        assertThat(letter.errorClass()).isEqualTo("NameClash");
        assertThat(letter.destination()).isEqualTo("d");
        assertThat(letter.retryable()).isFalse();
        assertThat(letter.message()).contains("'trades'", "'Trades'", "destination d", "case-insensitively", "rename");
    }

    @Test
    void aColumnDifferingOnlyByCaseFromOneSentEarlierForTheTableIsParkedNamingBoth() throws Exception {
        PacketOutcome second;
        PacketOutcome otherTable;
        try (Dispatcher dispatcher = startCaseInsensitive()) {
            assertThat(dispatcher.submit(priced("quotes", "p1", "Price")).get().status()).isEqualTo(PacketOutcome.Status.COMMITTED);
            second = dispatcher.submit(priced("quotes", "p2", "price", "qty")).get();
            otherTable = dispatcher.submit(priced("bars", "p3", "price")).get();
        }

        assertThat(second.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
        assertThat(otherTable.status()).as("another table may spell its column as it likes").isEqualTo(PacketOutcome.Status.COMMITTED);
        assertThat(sink.letters).singleElement().satisfies(d -> assertThat(d.message()).contains("'price'", "'Price'", "quotes", "destination d"));
        assertThat(writer.packetIds("quotes")).containsExactly("p1");
    }

    @Test
    void aSchemaWithTwoColumnsDifferingOnlyByCaseIsParkedAndClaimsNothing() throws Exception {
        PacketOutcome both;
        PacketOutcome lower;
        try (Dispatcher dispatcher = startCaseInsensitive()) {
            both = dispatcher.submit(priced("Quotes", "p1", "Price", "price")).get();
            lower = dispatcher.submit(priced("quotes", "p2", "price")).get();
        }

        assertThat(both.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
        assertThat(sink.letters).singleElement().satisfies(d -> assertThat(d.message()).contains("'Price'", "'price'", "Quotes", "destination d"));
        assertThat(lower.status()).as("the refused packet claimed neither its table nor its columns").isEqualTo(PacketOutcome.Status.COMMITTED);
        assertThat(writer.packetIds("quotes")).containsExactly("p2");
    }

    @Test
    void anExactDestinationTakesEverySpelling() throws Exception {
        try (Dispatcher dispatcher = start(to("d"), Map.of("d", writer), Map.of("d", IdentifierComparison.EXACT))) {
            assertThat(dispatcher.submit(packet("Trades", "p1", 1)).get().status()).isEqualTo(PacketOutcome.Status.COMMITTED);
            assertThat(dispatcher.submit(packet("trades", "p2", 1)).get().status()).isEqualTo(PacketOutcome.Status.COMMITTED);
            assertThat(dispatcher.submit(priced("quotes", "p3", "Price", "price")).get().status()).isEqualTo(PacketOutcome.Status.COMMITTED);
        }
        assertThat(sink.letters).isEmpty();
    }

    @Test
    void namesAreTrackedPerDestinationAndAPartRefusedAtOneDestinationStopsNoOther() throws Exception {
        RecordingWriter exact = new RecordingWriter();
        Map<String, BaseWriter> writers = new LinkedHashMap<>();
        writers.put("ci", writer);
        writers.put("ex", exact);
        Router both = p -> p.table().startsWith("x")
                ? List.of(new Router.RoutedPart("ci", p), new Router.RoutedPart("ex", p))
                : List.of(new Router.RoutedPart(p.packetId().startsWith("ci") ? "ci" : "ex", p));
        PacketOutcome split;
        try (Dispatcher dispatcher = start(both, writers,
                Map.of("ci", IdentifierComparison.CASE_INSENSITIVE, "ex", IdentifierComparison.EXACT))) {
            assertThat(dispatcher.submit(packet("Trades", "ci-1", 1)).get().status()).isEqualTo(PacketOutcome.Status.COMMITTED);
            assertThat(dispatcher.submit(packet("trades", "ex-1", 1)).get().status())
                    .as("trades goes to another destination").isEqualTo(PacketOutcome.Status.COMMITTED);
            assertThat(dispatcher.submit(packet("xT", "ci-2", 1)).get().status()).isEqualTo(PacketOutcome.Status.COMMITTED);
            split = dispatcher.submit(packet("xt", "ex-2", 2)).get();
        }

        assertThat(split.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
        assertThat(exact.packetIds("xt")).as("the exact destination took its part").containsExactly("ex-2");
        assertThat(writer.packetIds("xt")).as("nothing of the refused part was written where it clashes").isEmpty();
        assertThat(sink.letters).singleElement().satisfies(d -> {
            assertThat(d.destination()).isEqualTo("ci");
            assertThat(d.errorClass()).isEqualTo("NameClash");
            assertThat(d.packet().table()).isEqualTo("xt");
        });
    }
}
