package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell integration the tarball ships, as a user finds it: {@code fanout completion bash} prints
 * a script bash accepts and that registers a completion for {@code fanout}, the same script is
 * installed as {@code share/bash-completion/completions/fanout}, and a man page per command lies in
 * {@code share/man/man1/} that {@code man} formats.
 */
class ShellIntegrationTest {

    private static Installation installation;

    @TempDir
    Path work;

    @BeforeAll
    static void unpack() throws Exception {
        installation = Installation.unpack();
    }

    @Test
    void completionBashIsAScriptBashAcceptsAndTheShippedOneIsTheSame() throws Exception {
        Installation.Run completion = installation.fanout(work, Map.of(), "completion", "bash");
        assertThat(completion.code()).as(completion.output()).isZero();
        Path script = work.resolve("fanout.bash");
        Files.writeString(script, completion.out());

        Installation.Run syntax = Installation.run(work, Map.of(), List.of("bash", "-n", script.toString()));
        assertThat(syntax.code()).as("bash -n on the completion script: " + syntax.output()).isZero();

        Installation.Run loaded = Installation.run(work, Map.of(), List.of("bash", "-c", "source '" + script + "' && complete -p fanout"));
        assertThat(loaded.code()).as(loaded.output()).isZero();
        assertThat(loaded.out()).contains("fanout");

        Path shipped = installation.home().resolve("share/bash-completion/completions/fanout");
        assertThat(shipped).isRegularFile();
        assertThat(Files.readString(shipped)).isEqualTo(completion.out());
    }

    @Test
    void everyCommandHasAManPageThatManFormats() throws Exception {
        Path man1 = installation.home().resolve("share/man/man1");
        for (String page : List.of("fanout.1", "fanout-ingest.1", "fanout-tables.1", "fanout-show.1", "fanout-dlq-replay.1", "fanout-bench-memory.1")) {
            assertThat(man1.resolve(page)).isRegularFile();
        }
        Installation.Run man = Installation.run(work, Map.of("MANWIDTH", "100"), List.of("man", "-l", man1.resolve("fanout-tables.1").toString()));
        assertThat(man.code()).as(man.output()).isZero();
        assertThat(man.out()).containsPattern("fanout-tables +- Show the rows each destination stores now").contains("--topology=FILE");
    }
}
