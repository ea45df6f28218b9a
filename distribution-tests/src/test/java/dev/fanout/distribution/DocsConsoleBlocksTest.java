package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The {@code ```console} blocks of every {@code docs/*.md} page that no test of its own runs, each
 * page in a fresh clone of its own with the unpacked tarball ({@link Walkthrough},
 * {@link ConsoleSession}): every command must exit and print as the page shows. A new page with
 * console blocks is run here without being named; {@code docs/migration.md} has
 * {@link MigrationWalkthroughTest}, which also checks the data after each move, and README.md
 * {@link ReadmeExamplesTest}.
 */
class DocsConsoleBlocksTest {

    private static final Path DOCS = Installation.REPOSITORY.resolve("docs");
    /** Pages whose blocks a dedicated test runs. */
    private static final List<String> RUN_ELSEWHERE = List.of("migration.md");

    static List<Path> pagesWithConsoleBlocks() throws IOException {
        List<Path> pages = new ArrayList<>();
        try (Stream<Path> docs = Files.list(DOCS)) {
            for (Path page : docs.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                if (!RUN_ELSEWHERE.contains(page.getFileName().toString()) && !Walkthrough.steps(page).isEmpty()) {
                    pages.add(page);
                }
            }
        }
        return pages;
    }

    @Test
    void thePagesRunElsewhereHaveConsoleBlocksAndThePluginPageIsRunHere() throws IOException {
        for (String page : RUN_ELSEWHERE) {
            assertThat(Walkthrough.steps(DOCS.resolve(page))).as("commands of docs/" + page).isNotEmpty();
        }
        assertThat(pagesWithConsoleBlocks()).as("docs pages run by this test").contains(DOCS.resolve("writing-a-plugin.md"));
    }

    @TestFactory
    Stream<DynamicTest> everyCommandOfTheDocsPagesExitsAndPrintsAsThePageShows() throws IOException {
        return pagesWithConsoleBlocks().stream().map(page -> DynamicTest.dynamicTest("docs/" + page.getFileName(), () -> {
            ConsoleSession session = ConsoleSession.freshClone(Installation.unpack());
            List<String> differences = Walkthrough.run(page, session, (step, s) -> { });
            assertThat(differences).as("outputs that differ from " + page + " (run with -Dfanout.walkthrough.update=true to write what "
                    + "the commands print now into it)").isEmpty();
            assertThat(session.changes()).as("git status --porcelain in the clone after the commands of " + page
                    + ": files .gitignore misses").isEmpty();
        }));
    }
}
