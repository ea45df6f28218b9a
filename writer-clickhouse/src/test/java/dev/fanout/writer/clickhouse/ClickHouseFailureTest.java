package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.ConnectionInitiationException;
import com.clickhouse.client.api.DataTransferException;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.TransportException;
import dev.fanout.api.Destination;
import dev.fanout.api.WriteException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** Classification of what client-v2 throws; the server-facing cases are also exercised against the real server. */
class ClickHouseFailureTest {

    private static final ClickHouseDestination DESTINATION = ClickHouseDestination.of(new Destination("hot", "ch://h:8123/db",
            Map.of("user", "ingest", "password", "Pa55-word"), Path.of("."), Set.of()));

    private static WriteException server(int headerCode, String message, int status) {
        return ClickHouseFailure.of(DESTINATION, "trades", "inserting rows", new ServerException(headerCode, message, status, "q1"));
    }

    @Test
    void errorsOfTheRequestItselfArePermanentWhateverTheHttpStatus() {
        WriteException type = server(0, "Code: 53, e.displayText() = DB::Exception: Type mismatch in IN or VALUES section, "
                + "e.what() = DB::Exception (transport error: 500) (queryId= q1)", 500);
        assertThat(type.retryable()).isFalse();
        assertThat(type.getMessage()).isEqualTo("destination hot: table trades: inserting rows failed at h:8123: "
                + "Code: 53, DB::Exception: Type mismatch in IN or VALUES section");
        assertThat(server(60, "Code: 60. DB::Exception: Table db.x does not exist. (UNKNOWN_TABLE)", 404).retryable()).isFalse();
        assertThat(server(0, "Code: 62, e.displayText() = DB::Exception: Syntax error", 400).retryable()).isFalse();
        assertThat(server(0, "Code: 81, e.displayText() = DB::Exception: Database nope doesn't exist", 404).retryable()).isFalse();
    }

    @Test
    void overloadAndTransientServerStatesAreRetryable() {
        assertThat(server(0, "Code: 252, e.displayText() = DB::Exception: Too many parts (300)", 500).retryable()).isTrue();
        assertThat(server(202, "Code: 202. DB::Exception: Too many simultaneous queries", 500).retryable()).isTrue();
        assertThat(server(0, "Code: 241, e.displayText() = DB::Exception: Memory limit exceeded", 500).retryable()).isTrue();
        assertThat(server(0, "Code: 244, e.displayText() = DB::Exception: Unexpected logical error while adding block 0 with ID "
                + "'all_1_2': Bad version, path /clickhouse/tables/2/market/trades_local/columns", 500).retryable())
                .as("an insert that raced another writer's ALTER of the replicated table").isTrue();
        assertThat(server(0, "<html>502 Bad Gateway</html>", 502).retryable()).isTrue();
        assertThat(server(0, "Service Unavailable", 503).retryable()).isTrue();
        assertThat(server(0, "Bad Request", 400).retryable()).isFalse();
    }

    @Test
    void authenticationFailureNamesUserAndServerNotThePassword() {
        for (WriteException e : new WriteException[] {
                server(0, "Code: 193, e.displayText() = DB::Exception: Wrong password for user ingest", 401),
                server(516, "Code: 516. DB::Exception: ingest: Authentication failed: password is incorrect", 401),
                server(0, "Unauthorized", 401)}) {
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage()).isEqualTo("destination hot: authentication failed for user ingest at h:8123 — "
                    + "check the options user and password");
        }
        WriteException echoed = server(0, "Code: 1000, e.displayText() = something echoed Pa55-word", 500);
        assertThat(echoed.getMessage()).doesNotContain("Pa55-word");
    }

    @Test
    void noConnectionAndBrokenTransfersAreRetryable() {
        WriteException refused = ClickHouseFailure.of(DESTINATION, null, "connecting",
                new ConnectionInitiationException("Query request failed", new ConnectException("Connection refused")));
        assertThat(refused.retryable()).isTrue();
        assertThat(refused.getMessage()).isEqualTo("destination hot: cannot reach ClickHouse at h:8123 while connecting: "
                + "ConnectException: Connection refused");
        WriteException timeout = ClickHouseFailure.of(DESTINATION, "trades", "inserting rows",
                new DataTransferException("Insert failed", new SocketTimeoutException("Read timed out")));
        assertThat(timeout.retryable()).isTrue();
        assertThat(timeout.table()).contains("trades");
    }

    @Test
    void aTransportFailureIsPermanentOnlyWhenTlsFailed() {
        WriteException tls = ClickHouseFailure.of(DESTINATION, "trades", "inserting rows",
                new TransportException("Transport failed", new SSLHandshakeException("PKIX path building failed"), "q1"));
        assertThat(tls.retryable()).isFalse();
        assertThat(tls.getMessage()).contains("TLS to ClickHouse at h:8123").contains("check the option secure and the port");

        WriteException cancelled = ClickHouseFailure.of(DESTINATION, "trades", "inserting rows",
                new TransportException("Request was cancelled on client side", null, "q1"));
        assertThat(cancelled.retryable()).isTrue();
        assertThat(cancelled.getMessage()).doesNotContain("TLS").contains("Request was cancelled on client side");
        assertThat(cancelled.table()).contains("trades");
    }
}
