package dev.fanout.cli;

import dev.fanout.dlq.DeadLetter;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ClickHouse classes of "a destination that cannot be opened when an ingest starts": three
 * destinations ({@link ThreeDestinations}) — trades to a real clickhouse-server, quotes and the rest to
 * two DuckDB files — and the ClickHouse one broken by a wrong password, by a server that is down when
 * the run starts, or by a database its user may not create. Each way the two DuckDB destinations
 * equal the expectation row by row, every trades row is parked with the cause as the reason (the
 * password appears nowhere: not on stdout, stderr, the logs, nor in the dead-letter files), the
 * summary's state column says the destination is {@code down} (its writer did not open; or, server
 * away, its writer connects lazily and its last batch failed after its retries), and the run exits 1;
 * after the cause is gone, {@code fanout dlq replay} lands them and every table, ClickHouse's read
 * with {@code FINAL}, equals the expectation.
 *
 * <p>The password reaches the topology through the environment substitution
 * ({@code "${VAR:-default}"}): an in-process run cannot set an environment variable, so the default
 * carries it.
 */
@ExtendWith(ClickHouseServerExtension.class)
@Timeout(300)
class UnopenableClickHouseTest {

    private static final String PASSWORD_VAR = "FANOUT_TEST_UNOPENABLE_CH_PASSWORD";

    @TempDir
    Path work;

    private Path data() {
        return work.resolve("data");
    }

    /** The three-destination topology, trades to {@code database} as {@code user} with {@code password} (through the environment substitution). */
    private Path topology(ClickHouseServer server, String database, String user, String password) throws IOException {
        return ThreeDestinations.topology(work, "three-ch.yaml", "clickhouse", "{ uri: \"%s\", options: { user: \"%s\", password: \"${%s:-%s}\" } }"
                .formatted(server.uri(database), user, PASSWORD_VAR, password));
    }

    private Path topology(ClickHouseServer server, String database, String password) throws IOException {
        return topology(server, database, ClickHouseServer.SECURED_USER, password);
    }

    private static Examples.Tables expectation(List<Path> inputs) throws IOException {
        return ThreeDestinations.expectation(inputs, Examples.CLICKHOUSE);
    }

    private List<DeadLetter> parked() throws IOException {
        return ThreeDestinations.parked(data().resolve("dlq"));
    }

    /** Every byte of every file under the dead-letter folder, as text. */
    private String dlqFiles() throws IOException {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> files = Files.walk(data().resolve("dlq"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                text.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        return text.toString();
    }

    /**
     * The broken run's checks: exit 1, the DuckDB destinations equal to the expectation, every trades
     * row — and nothing else — parked for clickhouse with {@code reasonWords}, the state column, no
     * password anywhere.
     */
    private void assertBrokenRun(CliRun run, ClickHouseServer server, List<Path> inputs, Examples.Tables expected, boolean retryable,
                                 String downLine, String... reasonWords) throws Exception {
        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(1);
        Examples.assertMatches(ThreeDestinations.withoutTrades(expected, Examples.CLICKHOUSE), Examples.readAll(data()));

        List<DeadLetter> parked = parked();
        assertThat(parked).isNotEmpty().allSatisfy(d -> {
            assertThat(d.packet().table()).isEqualTo("trades");
            assertThat(d.destination()).isEqualTo("clickhouse");
            assertThat(d.retryable()).as(d.message()).isEqualTo(retryable);
            assertThat(d.message()).contains(reasonWords);
        });
        assertThat(parked.stream().mapToLong(d -> d.packet().rowCount()).sum()).isEqualTo(ThreeDestinations.tradeRows(inputs));

        assertThat(run.out()).containsPattern("clickhouse +down ").contains(downLine).containsPattern("quotes_db +up ").containsPattern("main_db +up ");
        assertThat(run.err()).contains("table trades:").contains(reasonWords).contains("fanout dlq replay");

        assertThat(run.all()).doesNotContain(server.securedPassword());
        assertThat(dlqFiles()).doesNotContain(server.securedPassword());
    }

    private void replayAndAssertEverything(Path topology, ClickHouseServer server, String database, Examples.Tables expected)
            throws Exception {
        CliRun replay = CliRun.fanout("dlq", "replay", "--no-progress", "--topology", topology.toString());

        assertThat(replay.code()).as(replay.out() + replay.err()).isEqualTo(0);
        assertThat(replay.out()).containsPattern("clickhouse +up ");
        assertThat(replay.all()).doesNotContain(server.securedPassword());
        Examples.Tables stored = Examples.readAll(data());
        stored.put(Examples.CLICKHOUSE, Examples.readClickHouse(server, database));
        Examples.assertMatches(expected, stored);
        assertThat(parked()).isEmpty();
    }

    @Test
    void wrongPasswordParksTheTradesWhileDuckDbCommitsAndReplayWithTheRightOneLandsThem(ClickHouseServer server) throws Exception {
        String database = "market_wrong_password";
        List<Path> inputs = Examples.inputs("day1", "day2");
        Examples.Tables expected = expectation(inputs);
        String wrong = "not-" + server.securedPassword();
        Path topology = topology(server, database, wrong);

        CliRun run = CliRun.fanout(ThreeDestinations.ingest(topology, inputs));

        assertBrokenRun(run, server, inputs, expected, false, "clickhouse is down, its writer did not open: ", "authentication");
        assertThat(run.all()).doesNotContain(wrong);
        assertThat(dlqFiles()).doesNotContain(wrong);
        assertThat(Phase3EndToEndTest.databaseExists(server, database)).as("nothing reached ClickHouse").isFalse();

        topology(server, database, server.securedPassword());
        replayAndAssertEverything(topology, server, database, expected);
    }

    /**
     * With {@code --verbose} the password is masked as well. (In-process the log levels are this
     * JVM's, so the lanes' stack traces are checked by the distribution test
     * {@code VerboseClickHouseDownTest}; here the command's own paths.)
     */
    @Test
    void withVerboseAWrongPasswordAppearsNowhereEither(ClickHouseServer server) throws Exception {
        String database = "market_wrong_password_verbose";
        List<Path> inputs = Examples.inputs("day1");
        String wrong = "not-" + server.securedPassword();
        Path topology = topology(server, database, wrong);
        CliRun run = CliRun.fanout(ThreeDestinations.ingest(topology, inputs, "--verbose"));

        assertBrokenRun(run, server, inputs, expectation(inputs), false, "clickhouse is down, its writer did not open: ", "authentication");
        assertThat(run.all()).doesNotContain(wrong);
        assertThat(dlqFiles()).doesNotContain(wrong);
    }

    @Test
    void serverDownAtStartParksTheTradesWhileDuckDbCommitsAndReplayAfterRestartLandsThem(ClickHouseServer server) throws Exception {
        String database = "market_down_at_start";
        List<Path> inputs = Examples.inputs("day1", "day2");
        Examples.Tables expected = expectation(inputs);
        Path topology = topology(server, database, server.securedPassword());

        server.stop();
        try {
            assertThat(server.isRunning()).isFalse();
            CliRun run = CliRun.fanout(ThreeDestinations.ingest(topology, inputs));
            assertBrokenRun(run, server, inputs, expected, true, "clickhouse is down, its last batch failed after its retries: ",
                    "cannot reach ClickHouse at 127.0.0.1:" + server.httpPort());
        } finally {
            server.restart();
        }
        assertThat(Phase3EndToEndTest.databaseExists(server, database)).as("nothing reached ClickHouse during the outage").isFalse();

        replayAndAssertEverything(topology, server, database, expected);
    }

    /**
     * The writer creates a missing database, so "unknown database" is a database the user may not
     * create: {@link ClickHouseServer#ONE_DATABASE_USER} may use {@link ClickHouseServer#ONE_DATABASE}
     * alone, and the topology misspells it. {@code validate --connect} fails the destination naming the
     * database, the ingest parks the trades with that reason, and once the URI is corrected the replay
     * lands them there.
     */
    @Test
    void aDatabaseTheUserMayNotCreateParksTheTradesAndReplayToTheCorrectedOneLandsThem(ClickHouseServer server) throws Exception {
        String misspelt = "fanout_alowed";
        String user = ClickHouseServer.ONE_DATABASE_USER;
        List<Path> inputs = Examples.inputs("day1", "day2");
        Examples.Tables expected = expectation(inputs);
        Path topology = topology(server, misspelt, user, server.securedPassword());
        String reason = "the database " + misspelt + " does not exist at 127.0.0.1:" + server.httpPort() + " and user " + user
                + " may not create it (";
        String whatToDo = ") — correct the database in the URI (ch://127.0.0.1:" + server.httpPort() + "/DATABASE) if it is misspelt, "
                + "or have an administrator create " + misspelt + " and give user " + user + " access to it";

        CliRun validate = CliRun.fanout("validate", "--connect", topology.toString());

        assertThat(validate.code()).as(validate.out() + validate.err()).isEqualTo(2);
        assertThat(validate.out().lines()).as(validate.out()).contains("  quotes_db: ok", "  main_db: ok")
                .anySatisfy(l -> assertThat(l).startsWith("  clickhouse: failed (permanent): " + reason)
                        .contains("Access denied to database " + misspelt).endsWith(whatToDo));
        assertThat(validate.all()).doesNotContain(server.securedPassword());

        CliRun run = CliRun.fanout(ThreeDestinations.ingest(topology, inputs));

        assertBrokenRun(run, server, inputs, expected, false, "clickhouse is down, its writer did not open: ", reason, whatToDo);
        assertThat(Phase3EndToEndTest.databaseExists(server, misspelt)).isFalse();

        topology(server, ClickHouseServer.ONE_DATABASE, user, server.securedPassword());
        replayAndAssertEverything(topology, server, ClickHouseServer.ONE_DATABASE, expected);
    }
}
