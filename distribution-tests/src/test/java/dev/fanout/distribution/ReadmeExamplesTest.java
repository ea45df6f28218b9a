package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.cli.Examples;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's {@code ```console} blocks (the tour: the main job, {@code fanout tables}, {@code fanout show}
 * and {@code fanout plan}, with what they print), run from a fresh clone
 * with the unpacked tarball as {@code distribution/target/fanout} ({@link Walkthrough}); the five
 * DuckDB files it leaves are then compared row by row with the input files' expectation, and
 * {@code git status} in the clone is clean (the repository's {@code .gitignore} covers all it created).
 */
class ReadmeExamplesTest {

    private static final Path PAGE = Installation.REPOSITORY.resolve("README.md");

    @Test
    void theMainJobPrintsWhatTheReadmeShowsAndStoresTheLatestVersionOfEveryRow() throws Exception {
        assertThat(Walkthrough.steps(PAGE)).as("commands in " + PAGE).isNotEmpty();
        ConsoleSession session = ConsoleSession.freshClone(Installation.unpack());

        List<String> differences = Walkthrough.run(PAGE, session, (step, s) -> { });

        assertThat(differences).as("outputs that differ from the README (run with -Dfanout.walkthrough.update=true to write what "
                + "the commands print now into it)").isEmpty();
        Examples.assertMatches(Examples.expectation(Examples.inputs("day1", "day2")),
                Examples.readAll(session.directory().resolve("examples/data")));
        assertThat(session.changes()).as("git status --porcelain in the clone after the README's commands: files .gitignore misses").isEmpty();
    }
}
