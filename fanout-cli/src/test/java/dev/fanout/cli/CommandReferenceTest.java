package dev.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The generated reference is current and usable: {@code docs/cli.md} equals what
 * {@link CommandReference#markdown} makes of the commands now (run with {@code -Dfanout.regenerate=true},
 * as {@code scripts/cli-reference} does, it rewrites the file instead); every man page is roff that
 * {@code groff} formats without a warning; the completion script is one bash accepts.
 */
class CommandReferenceTest {

    private static final Path CLI_MD = Path.of("..", "docs", "cli.md").toAbsolutePath().normalize();

    @TempDir
    Path work;

    @Test
    void docsCliMdIsGeneratedFromTheCommandsAsTheyAre() throws Exception {
        String generated = CommandReference.markdown(Main.commandLine());
        if (Boolean.getBoolean("fanout.regenerate")) {
            Files.writeString(CLI_MD, generated, StandardCharsets.UTF_8);
        }
        if (!Files.exists(CLI_MD) || !Files.readString(CLI_MD, StandardCharsets.UTF_8).equals(generated)) {
            fail("docs/cli.md differs from the commands' help: run " + CommandReference.REGENERATE + " to regenerate it");
        }
        for (CommandLineName c : CommandLineName.values()) {
            assertThat(generated).contains("\n## " + c.qualified + "\n");
        }
    }

    /** A few commands the page must hold, so an empty model cannot pass. */
    private enum CommandLineName {
        TABLES("fanout tables"), SHOW("fanout show"), DLQ_LIST("fanout dlq list"), BENCH_MEMORY("fanout bench memory");

        final String qualified;

        CommandLineName(String qualified) {
            this.qualified = qualified;
        }
    }

    @Test
    void everyManPageFormatsWithoutWarnings() throws Exception {
        Map<String, String> pages = CommandReference.manPages(Main.commandLine());
        assertThat(pages).containsKeys("fanout.1", "fanout-ingest.1", "fanout-dlq-replay.1", "fanout-completion.1");
        assertThat(pages).hasSameSizeAs(CommandReference.commands(Main.commandLine()));
        for (Map.Entry<String, String> page : pages.entrySet()) {
            Path file = work.resolve(page.getKey());
            Files.writeString(file, page.getValue());
            Process groff = new ProcessBuilder("groff", "-man", "-Tutf8", "-ww", file.toString())
                    .redirectOutput(work.resolve(page.getKey() + ".txt").toFile()).redirectError(work.resolve(page.getKey() + ".err").toFile()).start();
            assertThat(groff.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(groff.exitValue()).as(page.getKey()).isEqualTo(0);
            assertThat(Files.readString(work.resolve(page.getKey() + ".err"))).as("groff warnings on " + page.getKey()).isEmpty();
            assertThat(Files.readString(work.resolve(page.getKey() + ".txt"))).as(page.getKey()).contains("Usage: fanout");
        }
    }

    @Test
    void completionBashIsAScriptBashAccepts() throws Exception {
        CliRun run = fanout("completion", "bash");
        assertThat(run.code()).as(run.err()).isEqualTo(0);
        assertThat(run.out()).contains("complete -F").contains("tables").contains("--topology");
        Path script = work.resolve("fanout.bash");
        Files.writeString(script, run.out());
        Process bash = new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("bash.out").toFile()).start();
        assertThat(bash.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(bash.exitValue()).as(Files.readString(work.resolve("bash.out"))).isEqualTo(0);
    }
}
