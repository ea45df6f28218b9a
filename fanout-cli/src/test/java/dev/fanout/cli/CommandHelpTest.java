package dev.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The help every command prints, walked through the picocli model: each command's first description
 * line — what {@code fanout --help} lists — is a whole sentence, and every value is labelled in one
 * style ({@code N}, {@code DIR}, {@code FILE}, not {@code <rows>}). Also the commands a newcomer
 * types first: {@code fanout dlq} alone, {@code fanout version}, and the singular of one.
 */
class CommandHelpTest {

    @TempDir
    Path work;

    static List<CommandLine> everyCommand() {
        List<CommandLine> all = new ArrayList<>();
        collect(Main.commandLine(), all);
        return all;
    }

    private static void collect(CommandLine cl, List<CommandLine> all) {
        all.add(cl);
        cl.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, all));
    }

    @Test
    void everyCommandsFirstDescriptionLineIsAWholeSentence() {
        List<String> problems = new ArrayList<>();
        for (CommandLine cl : everyCommand()) {
            CommandSpec spec = cl.getCommandSpec();
            String[] description = spec.usageMessage().description();
            if (description.length == 0 || !description[0].strip().endsWith(".")) {
                problems.add(spec.qualifiedName() + ": " + (description.length == 0 ? "(no description)" : description[0]));
            }
        }
        assertThat(problems).as("first description lines that are not a whole sentence").isEmpty();
    }

    @Test
    void everyValueIsLabelledInCapitals() {
        List<String> problems = new ArrayList<>();
        for (CommandLine cl : everyCommand()) {
            List<ArgSpec> args = new ArrayList<>(cl.getCommandSpec().options());
            args.addAll(cl.getCommandSpec().positionalParameters());
            for (ArgSpec arg : args) {
                if (arg.typeInfo().isBoolean() || arg.arity().max() == 0) {
                    continue;
                }
                if (!arg.paramLabel().matches("[A-Z][A-Z0-9_]*")) {
                    problems.add(cl.getCommandSpec().qualifiedName() + " " + arg + ": " + arg.paramLabel());
                }
            }
        }
        assertThat(problems).as("values labelled otherwise than N, DIR, FILE, ...").isEmpty();
    }

    @Test
    void theTopLevelHelpListsEverySubcommandWithItsWholeFirstSentence() {
        CliRun help = fanout("--help");
        assertThat(help.code()).isEqualTo(0);
        for (CommandLine sub : Main.commandLine().getSubcommands().values()) {
            String first = sub.getCommandSpec().usageMessage().description()[0];
            String lastWord = first.substring(first.lastIndexOf(' ') + 1);
            assertThat(help.out()).as("fanout --help on " + sub.getCommandName()).contains(lastWord);
        }
        assertThat(help.out()).contains("tables", "show", "version");
    }

    @Test
    void dlqAloneListsItsSubcommandsAndExits2() {
        CliRun run = fanout("dlq");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("list", "show", "replay", "purge", "export", "compact").doesNotContain("Missing required option");

        CliRun list = fanout("dlq", "list");
        assertThat(list.code()).isEqualTo(2);
        assertThat(list.err()).contains("Missing required option: '--topology=FILE'").contains("Usage: fanout dlq list");
    }

    @Test
    void versionIsACommandAndAnOption() {
        CliRun word = fanout("version");
        CliRun option = fanout("--version");
        assertThat(word.code()).isEqualTo(0);
        assertThat(option.code()).isEqualTo(0);
        assertThat(word.out()).startsWith("fanout ").contains("Java ").isEqualTo(option.out());
    }

    @Test
    void ingestHelpNamesTsv() {
        assertThat(fanout("ingest", "--help").out()).contains("TSV").contains(".tsv");
        assertThat(fanout("--help").out()).contains("CSV, TSV");
    }

    @Test
    void oneOfAThingIsSingular() throws Exception {
        Path topology = work.resolve("one.yaml");
        Files.writeString(topology, """
                version: 1
                destinations:
                  main: { uri: "duckdb:data/main.duckdb" }
                routes:
                  - { match: { table: trades }, to: main }
                tables:
                  trades: { primary_key: [id] }
                """);
        CliRun run = fanout("validate", topology.toString());
        assertThat(run.code()).as(run.err()).isEqualTo(0);
        assertThat(run.out()).contains("1 destination, 1 route, 1 table configured");
    }
}
