package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.writer.clickhouse.ClickHouseServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The logs of {@code bin/fanout ingest} while its ClickHouse destination is down (a real server of
 * this class's own, stopped), with and without {@code --verbose}: log levels are set once per
 * process, so only a process shows them. Without it, one line from fanout per retry with the reason
 * and none from the ClickHouse client, and no stack trace; with it (before or after the subcommand),
 * the same retry lines each followed by the cause's stack trace, fanout's debug lines, and the
 * client's own warnings. Either way the secured user's password — in the process's environment, the
 * topology's {@code "${CH_PASSWORD}"} — appears nowhere: not on stdout, stderr, nor in the
 * dead-letter files — nor does a wrong one, whose open failure comes with its stack trace too.
 */
class VerboseClickHouseDownTest {

    private static final Pattern RETRY = Pattern.compile(
            "(?m)^\\[fanout-lane-clickhouse] WARN dev\\.fanout\\.core\\.dispatch\\.Lane - destination clickhouse table trades: "
                    + "opening the writer for a write of 1 packets \\(first [0-9a-f-]+\\) failed, attempt [12] of 3, retrying in \\d+ ms: "
                    + "destination clickhouse: cannot reach ClickHouse at 127\\.0\\.0\\.1:\\d+ .*$");
    private static final Pattern CLIENT_LINE = Pattern.compile("(?m)^\\[[^]]+] (WARN|INFO|ERROR) com\\.clickhouse\\.");
    private static final Pattern RETRIES_COLUMN = Pattern.compile("(?m)^clickhouse +down +\\S+ +\\S+ +\\S+ +\\S+ +\\S+ +(\\d+) ");

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

    /** Trades to the ClickHouse server as its secured user, the rest to a DuckDB file; two attempts per batch. */
    private void topology() throws IOException {
        SampleWork.copyExamples(installation, work);
        Files.writeString(work.resolve("down.yaml"), """
                version: 1
                destinations:
                  clickhouse: { uri: "%s", options: { user: "%s", password: "${CH_PASSWORD}" } }
                  main_db:    { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: clickhouse }
                default: main_db
                tables:
                  trades:      { primary_key: [trade_id], version_column: updated_at }
                  quotes_us:   { primary_key: [symbol], version_column: ts }
                  quotes_eu:   { primary_key: [symbol], version_column: ts }
                  bars:        { primary_key: [symbol, day], version_column: updated_at }
                  instruments: { primary_key: [symbol], version_column: updated_at }
                batch: { max_rows: 50000, max_age: 200ms }
                retry: { max_attempts: 3, initial_backoff: 1ms, max_backoff: 5ms }
                dlq: { path: data/dlq }
                """.formatted(server.uri("market_verbose"), ClickHouseServer.SECURED_USER));
    }

    /** {@code bin/fanout [before] ingest … [after]} with the server stopped. */
    private Installation.Run ingestWhileDown(String before, String after) throws Exception {
        topology();
        List<String> args = new ArrayList<>();
        if (before != null) {
            args.add(before);
        }
        args.addAll(List.of(SampleWork.ingestSample(work, "down.yaml")));
        if (after != null) {
            args.add(after);
        }
        Map<String, String> env = SampleWork.environment(server);
        env.put("CH_PASSWORD", server.securedPassword());
        server.stop();
        try {
            return installation.fanout(work, env, args.toArray(String[]::new));
        } finally {
            server.restart();
        }
    }

    private static long count(Pattern pattern, String text) {
        return pattern.matcher(text).results().count();
    }

    /** The retries column of the clickhouse row of the summary. */
    private static long retries(Installation.Run r) {
        Matcher m = RETRIES_COLUMN.matcher(r.out());
        assertThat(m.find()).as(r.output()).isTrue();
        return Long.parseLong(m.group(1));
    }

    private void assertParkedAndNoSecret(Installation.Run r) throws IOException {
        assertThat(r.code()).as(r.output()).isEqualTo(1);
        assertThat(r.out()).as(r.output()).containsPattern("main_db +up ");
        assertThat(r.err()).as(r.output()).contains("fanout dlq replay");
        assertThat(r.out() + r.err()).doesNotContain(server.securedPassword());
        StringBuilder dlq = new StringBuilder();
        try (Stream<Path> files = Files.walk(work.resolve("data/dlq"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                dlq.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        assertThat(dlq).as("dead-letter files").containsAnyOf("cannot reach ClickHouse", "authentication failed").doesNotContain(server.securedPassword());
    }

    @Test
    void withoutVerboseEachRetryIsOneLineFromFanoutAndTheClientSaysNothing() throws Exception {
        Installation.Run r = ingestWhileDown(null, null);

        assertParkedAndNoSecret(r);
        long retries = retries(r);
        assertThat(retries).as(r.output()).isPositive();
        assertThat(count(RETRY, r.err())).as(r.output()).isEqualTo(retries);
        assertThat(count(CLIENT_LINE, r.err())).as(r.output()).isZero();
        assertThat(r.err()).as(r.output()).doesNotContain("\tat ").doesNotContain("Caused by: ").doesNotContain(" DEBUG ");
    }

    @Test
    void withVerboseTheRetryLinesCarryTheirStackTracesAndTheClientSpeaks() throws Exception {
        Installation.Run r = ingestWhileDown("--verbose", null);

        assertParkedAndNoSecret(r);
        assertThat(count(RETRY, r.err())).as(r.output()).isEqualTo(retries(r)).isPositive();
        assertThat(count(CLIENT_LINE, r.err())).as(r.output()).isPositive();
        assertThat(r.err()).as(r.output()).contains("DEBUG dev.fanout.core.dispatch.Lane - lane clickhouse started");
        List<String> lines = r.err().lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (RETRY.matcher(lines.get(i)).matches()) {
                assertThat(lines.get(i + 1)).as(r.output()).startsWith("dev.fanout.api.WriteException: destination clickhouse: ");
                assertThat(lines.get(i + 2)).as(r.output()).startsWith("\tat ");
            }
        }
        assertThat(r.err()).as(r.output()).contains("Caused by: ");
    }

    @Test
    void withVerboseAWrongPasswordsOpenFailureCarriesItsStackTraceAndNeitherPassword() throws Exception {
        topology();
        String wrong = "not-" + server.securedPassword();
        Map<String, String> env = SampleWork.environment(server);
        env.put("CH_PASSWORD", wrong);
        List<String> args = new ArrayList<>(List.of("-v"));
        args.addAll(List.of(SampleWork.ingestSample(work, "down.yaml")));

        Installation.Run r = installation.fanout(work, env, args.toArray(String[]::new));

        assertParkedAndNoSecret(r);
        assertThat(r.out() + r.err()).doesNotContain(wrong);
        List<String> lines = r.err().lines().toList();
        int open = lines.indexOf(lines.stream().filter(l -> l.contains("WARN dev.fanout.core.dispatch.Lane - destination clickhouse: "
                + "the writer did not open")).findFirst().orElseThrow(() -> new AssertionError(r.output())));
        assertThat(lines.get(open)).as(r.output()).contains("authentication failed for user " + ClickHouseServer.SECURED_USER);
        assertThat(lines.get(open + 1)).as(r.output()).startsWith("dev.fanout.api.WriteException: ");
        assertThat(lines.get(open + 2)).as(r.output()).startsWith("\tat ");
    }

    @Test
    void theShortOptionAfterTheSubcommandDoesTheSame() throws Exception {
        Installation.Run r = ingestWhileDown(null, "-v");

        assertParkedAndNoSecret(r);
        assertThat(count(CLIENT_LINE, r.err())).as(r.output()).isPositive();
        assertThat(r.err()).as(r.output()).contains("\tat ");
    }
}
