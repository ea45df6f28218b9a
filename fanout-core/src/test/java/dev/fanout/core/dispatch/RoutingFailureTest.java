package dev.fanout.core.dispatch;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.api.Router;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.fanout.core.dispatch.Fixtures.packet;
import static dev.fanout.core.dispatch.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

/** A packet the router cannot place fails at once, with the router's reason; nothing is written. */
@Timeout(30)
class RoutingFailureTest {

    private static PacketOutcome submitOnce(Router router, RecordingWriter writer) throws Exception {
        try (Dispatcher dispatcher = Dispatcher.start(router, Map.of("d", writer), settings(10, Duration.ZERO, 100),
                new MetricRegistry())) {
            return dispatcher.submit(packet("t", "p", 1)).get();
        }
    }

    @Test
    void aRouterExceptionFailsThePacketWithItsMessage() throws Exception {
        RecordingWriter writer = new RecordingWriter();
        PacketOutcome outcome = submitOnce(p -> {
            throw new IllegalArgumentException("column 'ts' is null in row 0: cannot apply the date-range route");
        }, writer);

        assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.FAILED);
        assertThat(outcome.reason()).hasValue(
                "table t: routing failed: column 'ts' is null in row 0: cannot apply the date-range route");
        assertThat(writer.batches).isEmpty();
    }

    @Test
    void aRouteToAnUnknownDestinationFailsThePacket() throws Exception {
        RecordingWriter writer = new RecordingWriter();
        PacketOutcome outcome = submitOnce(p -> List.of(new Router.RoutedPart("nowhere", p)), writer);

        assertThat(outcome.reason()).hasValueSatisfying(r -> assertThat(r).contains("'nowhere'").contains("not configured"));
        assertThat(writer.batches).isEmpty();
    }

    @Test
    void noRouteFailsThePacket() throws Exception {
        PacketOutcome outcome = submitOnce(p -> List.of(), new RecordingWriter());

        assertThat(outcome.reason()).hasValue("table t: no route leads to a destination");
    }
}
