package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.writer.clickhouse.ClickHouseServer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fanout validate --connect examples/phase-3.yaml} from the unpacked tarball against a real
 * ClickHouse server of this class's own: a line per destination under {@code connecting:}, exit 0
 * while the server runs; with it stopped, the ClickHouse line says the server at its host:port is
 * not answering and the exit is 2; a wrong password is a permanent failure that never shows it.
 */
class ValidateConnectClickHouseTest {

    private static Installation installation;
    private static ClickHouseServer server;

    @TempDir
    Path work;

    @BeforeAll
    static void start() throws Exception {
        installation = Installation.unpack();
        server = ClickHouseServer.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Installation.Run validateConnect(Map<String, String> env) throws Exception {
        SampleWork.copyExamples(installation, work);
        return installation.fanout(work, env, "validate", "--connect", "phase-3.yaml");
    }

    private String at() {
        return "127.0.0.1:" + server.httpPort();
    }

    @Test
    void aRunningServerIsOkLikeTheDuckDbFiles() throws Exception {
        Installation.Run r = validateConnect(SampleWork.environment(server));

        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.out()).as(r.output()).contains("phase-3.yaml: valid (version 1, phase hybrid): 3 destinations")
                .contains("ch://" + at() + "/market")
                .contains("\nconnecting:\n  clickhouse: ok\n  bars_archive: ok\n  main_db: ok\n");
        assertThat(work.resolve("data/main.duckdb")).as("validate --connect creates a DuckDB file that does not exist yet").isRegularFile();
    }

    @Test
    void aStoppedServerIsARetryableFailureNamingHostAndPortAndExitsTwo() throws Exception {
        server.stop();
        Installation.Run r;
        try {
            r = validateConnect(SampleWork.environment(server));
        } finally {
            server.restart();
        }

        assertThat(r.code()).as(r.output()).isEqualTo(2);
        assertThat(r.out().lines()).as(r.output())
                .anySatisfy(l -> assertThat(l).startsWith("  clickhouse: failed (retryable): the ClickHouse server at " + at()
                        + " is not answering (").endsWith(") — start it, or correct host and port in the URI"))
                .contains("  bars_archive: ok", "  main_db: ok");
        assertThat(r.err()).as(r.output()).contains("1 of 3 destinations could not be opened");
    }

    @Test
    void aWrongPasswordIsAPermanentFailureThatNeverShowsThePassword() throws Exception {
        String wrong = "not-" + server.securedPassword();
        Map<String, String> env = SampleWork.environment(server);
        env.put("CH_USER", ClickHouseServer.SECURED_USER);
        env.put("CH_PASSWORD", wrong);

        Installation.Run r = validateConnect(env);

        assertThat(r.code()).as(r.output()).isEqualTo(2);
        assertThat(r.out()).as(r.output()).contains("  clickhouse: failed (permanent): authentication failed for user "
                + ClickHouseServer.SECURED_USER + " at " + at() + " — check the options user and password\n");
        assertThat(r.out() + r.err()).doesNotContain(wrong);
    }

    @Test
    void theRightPasswordIsOk() throws Exception {
        Map<String, String> env = SampleWork.environment(server);
        env.put("CH_USER", ClickHouseServer.SECURED_USER);
        env.put("CH_PASSWORD", server.securedPassword());

        Installation.Run r = validateConnect(env);

        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.out()).as(r.output()).contains("  clickhouse: ok\n");
        assertThat(r.out() + r.err()).doesNotContain(server.securedPassword());
    }
}
