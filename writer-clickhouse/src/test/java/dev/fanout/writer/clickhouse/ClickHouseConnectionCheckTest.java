package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.WriteException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ClickHouseWriter#checkConnection()} against the real server: a round trip with the
 * destination's credentials, whether or not {@code open} reached the server.
 */
@ExtendWith(ClickHouseServerExtension.class)
class ClickHouseConnectionCheckTest {

    private final ClickHouseWriterProvider provider = new ClickHouseWriterProvider();
    private final ClickHouseServer server;

    ClickHouseConnectionCheckTest(ClickHouseServer server) {
        this.server = server;
    }

    private Destination destination(Map<String, String> options) {
        return new Destination("hot", server.uri("connection_check"), options, Path.of("."), Set.of("password"));
    }

    private String notAnswering() {
        return "destination hot: the ClickHouse server at 127.0.0.1:" + server.httpPort() + " is not answering (";
    }

    @Test
    void aRunningServerAnswersForTheDefaultUserAndForAUserWithItsPassword() throws Exception {
        for (Map<String, String> options : java.util.List.of(Map.<String, String>of(),
                Map.of("user", ClickHouseServer.SECURED_USER, "password", server.securedPassword()))) {
            try (BaseWriter writer = provider.create(destination(options))) {
                writer.open();
                writer.checkConnection();
            }
        }
    }

    @Test
    void aServerStoppedAfterOpenIsRetryableNamingHostAndPort() throws Exception {
        try (BaseWriter writer = provider.create(destination(Map.of()))) {
            writer.open();
            server.stop();
            try {
                WriteException e = catchThrowableOfType(writer::checkConnection, WriteException.class);

                assertThat(e).as("checkConnection with the server stopped").isNotNull();
                assertThat(e.retryable()).isTrue();
                assertThat(e.getMessage()).startsWith(notAnswering())
                        .endsWith(") — start it, or correct host and port in the URI").doesNotContain("\n");
            } finally {
                server.restart();
            }
            writer.checkConnection();
        }
    }

    @Test
    void aServerDownAtOpenOpensButFailsTheCheckUntilItIsBack() throws Exception {
        try (BaseWriter writer = provider.create(destination(Map.of()))) {
            server.stop();
            try {
                writer.open();
                WriteException e = catchThrowableOfType(writer::checkConnection, WriteException.class);

                assertThat(e).as("checkConnection with the server stopped since before open").isNotNull();
                assertThat(e.retryable()).isTrue();
                assertThat(e.getMessage()).startsWith(notAnswering());
            } finally {
                server.restart();
            }
            writer.checkConnection();
        }
    }

    @Test
    void aWrongPasswordIsPermanentAndTheCheckNeverShowsThePassword() throws Exception {
        String wrong = "wrong-" + server.securedPassword();
        try (BaseWriter writer = provider.create(destination(Map.of("user", ClickHouseServer.SECURED_USER, "password", wrong)))) {
            server.stop();
            try {
                writer.open();
            } finally {
                server.restart();
            }
            WriteException e = catchThrowableOfType(writer::checkConnection, WriteException.class);

            assertThat(e).as("checkConnection with a wrong password, the server back after open").isNotNull();
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage()).isEqualTo("destination hot: authentication failed for user " + ClickHouseServer.SECURED_USER
                    + " at 127.0.0.1:" + server.httpPort() + " — check the options user and password");
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            assertThat(trace.toString()).doesNotContain(wrong).doesNotContain(server.securedPassword());
        }
    }
}
