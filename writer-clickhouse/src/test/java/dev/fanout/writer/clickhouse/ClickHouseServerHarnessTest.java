package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The test harness itself. A launch whose HTTP port another server holds is not taken for started
 * just because {@code /ping} says {@code Ok.} there. The other server here is a JDK HTTP server that
 * answers {@code Ok.} to everything with status 200 except queries, which it refuses as ClickHouse
 * refuses an unknown user; the real clickhouse-server launched on its port fails to bind and exits.
 * And {@link ClickHouseTables} refuses a decimal that is not a JSON number.
 */
@Timeout(120)
class ClickHouseServerHarnessTest {

    @Test
    void anotherServerAnsweringPingOnThePortIsNotTakenForTheLaunchedOne() throws Exception {
        List<String> asked = new CopyOnWriteArrayList<>();
        HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        other.createContext("/", exchange -> {
            asked.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            byte[] body = exchange.getRequestURI().getPath().equals("/ping") ? "Ok.\n".getBytes(StandardCharsets.UTF_8)
                    : "Code: 192, e.displayText() = DB::Exception: Unknown user fanout_secured\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/ping") ? 200 : 500, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        other.start();
        try {
            int port = other.getAddress().getPort();

            IOException failure = catchThrowableOfType(IOException.class, () -> ClickHouseServer.launchOn(port).close());

            assertThat(failure).as("a launch on a port another server holds").isNotNull();
            assertThat(failure.getMessage()).containsAnyOf("exited", "another server answers /ping on port " + port);
            assertThat(asked).as("the other server was pinged, and asked whether it is the launched server").contains("GET /ping");
        } finally {
            other.stop(0);
        }
    }

    /** ClickHouseTables reads decimals only from JSON numbers: Jackson reads a quoted one as 0. */
    @Test
    void aDecimalThatIsNotAJsonNumberIsRefusedRatherThanReadAsZero() {
        assertThat(ClickHouseTables.decimal("price", DecimalNode.valueOf(new BigDecimal("12.50")))).isEqualTo(new BigDecimal("12.50"));
        assertThatThrownBy(() -> ClickHouseTables.decimal("price", TextNode.valueOf("12.50")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("price").hasMessageContaining("not a JSON number");
    }
}
