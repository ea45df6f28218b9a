package dev.fanout.cli;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --verbose} ({@code -v}): a failed command's one line, then — only with it — its stack trace
 * with the causes; accepted before or after the subcommand and listed in every command's help; and
 * found by {@link Main#verboseRequested} where picocli takes it as the option, so the log levels are
 * set before logging starts. (The log levels themselves are per process: see the distribution test
 * {@code VerboseClickHouseDownTest}.)
 */
@Timeout(120)
class VerboseTest {

    @TempDir
    Path dir;

    /** An ingest whose packets file breaks off mid-array: a failed command whose cause is Jackson's exception. */
    private String[] failingIngest(String before, String after) throws IOException {
        Path topology = Files.writeString(dir.resolve("t.yaml"), """
                version: 1
                destinations:
                  main_db: { uri: "duckdb:data/main.duckdb" }
                default: main_db
                tables:
                  t: { primary_key: [id] }
                """);
        Path packets = Files.writeString(dir.resolve("broken.ndjson"), """
                {"table": "t", "schema": {"columns": [{"name": "id", "type": "int64"}], "primary_key": ["id"]}, "rows": [[1], [
                """);
        List<String> args = new ArrayList<>(List.of("ingest", "--topology", topology.toString(), "--no-progress", "--packets", packets.toString()));
        if (before != null) {
            args.add(0, before);
        }
        if (after != null) {
            args.add(after);
        }
        return args.toArray(String[]::new);
    }

    private static String firstLine(CliRun r) {
        return r.err().lines().filter(l -> l.startsWith("fanout ingest:")).findFirst().orElseThrow();
    }

    @Test
    void withoutVerboseAFailureIsOneLineWithoutAStackTrace() throws IOException {
        CliRun r = fanout(failingIngest(null, null));

        assertThat(r.code()).isEqualTo(1);
        assertThat(firstLine(r)).contains("broken.ndjson:1: malformed JSON");
        assertThat(r.all()).doesNotContain("\tat ").doesNotContain("Caused by: ");
    }

    @Test
    void withVerboseAfterTheSubcommandTheStackTraceFollowsTheSameLine() throws IOException {
        String quiet = firstLine(fanout(failingIngest(null, null)));

        CliRun r = fanout(failingIngest(null, "--verbose"));

        assertThat(r.code()).isEqualTo(1);
        assertThat(firstLine(r)).isEqualTo(quiet);
        List<String> lines = r.err().lines().toList();
        assertThat(lines.get(lines.indexOf(quiet) + 1)).startsWith("dev.fanout.dlq.PacketJsonException: ");
        assertThat(r.err()).contains("\tat dev.fanout.dlq.PacketJson").contains("Caused by: com.fasterxml.jackson.core");
    }

    @Test
    void theShortOptionBeforeTheSubcommandWorksToo() throws IOException {
        CliRun r = fanout(failingIngest("-v", null));

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("\tat ").contains("Caused by: ");
    }

    @Test
    void everyCommandsHelpListsVerbose() {
        List<String> commands = new ArrayList<>();
        collect(Main.commandLine(), commands);
        assertThat(commands).contains("fanout", "fanout ingest", "fanout dlq replay", "fanout validate");

        for (String command : commands) {
            List<String> args = new ArrayList<>(List.of(command.split(" ")).subList(1, command.split(" ").length));
            args.add("--help");
            CliRun r = fanout(args.toArray(String[]::new));
            assertThat(r.code()).as(command).isEqualTo(0);
            assertThat(r.out()).as(command).contains("-v, --verbose");
        }
    }

    private static void collect(CommandLine cl, List<String> into) {
        into.add(cl.getCommandSpec().qualifiedName());
        cl.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, into));
    }

    @Test
    void verboseCountsWhereItIsTheOptionOnly() {
        assertThat(Main.verboseRequested(new String[]{"--verbose", "validate", "--topology", "t.yaml"})).isTrue();
        assertThat(Main.verboseRequested(new String[]{"-v", "validate", "--topology", "t.yaml"})).isTrue();
        assertThat(Main.verboseRequested(new String[]{"validate", "--topology", "t.yaml", "-v"})).isTrue();
        assertThat(Main.verboseRequested(new String[]{"dlq", "list", "--verbose", "--topology", "t.yaml"})).isTrue();
        assertThat(Main.verboseRequested(new String[]{"validate", "--topology", "t.yaml"})).isFalse();
        assertThat(Main.verboseRequested(new String[]{"ingest", "--topology", "t.yaml", "--", "-v"})).as("after --, a file name").isFalse();
        assertThat(Main.verboseRequested(new String[]{"validate", "--topology=-v"})).as("not an option's value").isFalse();
    }
}
