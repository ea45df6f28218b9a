package dev.fanout.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What the README and {@code docs/*.md} point at exists, and the commands they show but do not run
 * are ones the CLI takes. The {@code ```console} blocks are run and compared by the distribution tests
 * ({@code ReadmeExamplesTest}, {@code MigrationWalkthroughTest}, {@code DocsConsoleBlocksTest}); the
 * {@code ```sh} blocks are instructions for a reader's own shell (a build, an install, a copy), so
 * here each {@code fanout} invocation in them is parsed with the commands as they are now: an option
 * renamed or removed fails this test. Relative links must name an existing file, and a link to a
 * heading of a Markdown file ({@code page.md#anchor}) one of its headings as GitHub spells them.
 */
class DocumentationPagesTest {

    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\[[^\\]\\n]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern INLINE_CODE = Pattern.compile("`[^`\\n]*`");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern FANOUT = Pattern.compile("^(?:\\S*/)?(?:bin/)?fanout$");

    static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(REPOSITORY.resolve("README.md"));
        try (Stream<Path> docs = Files.list(REPOSITORY.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    @Test
    void everyRelativeLinkOfTheReadmeAndTheDocsPointsAtAFileAndHeadingThatExist() throws IOException {
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path page : pages()) {
            List<String> lines = Files.readAllLines(page);
            boolean fenced = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.strip().startsWith("```")) {
                    fenced = !fenced;
                    continue;
                }
                if (fenced) {
                    continue;
                }
                Matcher m = LINK.matcher(INLINE_CODE.matcher(line).replaceAll(c -> c.group().contains("](") ? "" : Matcher.quoteReplacement(c.group())));
                while (m.find()) {
                    String target = m.group(1);
                    if (target.matches("^[a-z][a-z0-9+.-]*:.*")) {
                        continue;
                    }
                    links++;
                    String problem = problem(page, target);
                    if (problem != null) {
                        broken.add(REPOSITORY.relativize(page) + ":" + (i + 1) + ": " + target + ": " + problem);
                    }
                }
            }
        }
        assertThat(links).as("relative links found in README.md and docs/*.md").isGreaterThan(20);
        assertThat(broken).as("links that point at nothing").isEmpty();
    }

    private static String problem(Path page, String target) throws IOException {
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        if (!resolved.startsWith(REPOSITORY)) {
            return "outside the repository";
        }
        if (!Files.exists(resolved)) {
            return "no such file " + REPOSITORY.relativize(resolved);
        }
        if (anchor != null && resolved.toString().endsWith(".md") && !anchors(resolved).contains(anchor)) {
            return "no heading with anchor #" + anchor + " in " + REPOSITORY.relativize(resolved);
        }
        return null;
    }

    /** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
    static Set<String> anchors(Path page) throws IOException {
        Set<String> anchors = new TreeSet<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(page)) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
            }
            Matcher h = HEADING.matcher(line);
            if (fenced || !h.matches()) {
                continue;
            }
            String slug = h.group(1).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
            String unique = slug;
            for (int n = 1; anchors.contains(unique); n++) {
                unique = slug + "-" + n;
            }
            anchors.add(unique);
        }
        return anchors;
    }

    @Test
    void anchorsAreSpelledAsGitHubSpellsThem() throws IOException {
        Path page = Files.createTempFile("page", ".md");
        try {
            Files.writeString(page, "# fanout dlq list\n## Phase 1 → 2: a DuckDB file per busy table\n### A local server (`scripts/clickhouse`)\n"
                    + "```sh\n# not a heading\n```\n## Phase 1 → 2: a DuckDB file per busy table\n");
            assertThat(anchors(page)).containsExactlyInAnyOrder("fanout-dlq-list", "phase-1--2-a-duckdb-file-per-busy-table",
                    "a-local-server-scriptsclickhouse", "phase-1--2-a-duckdb-file-per-busy-table-1");
        } finally {
            Files.delete(page);
        }
    }

    @Test
    void everyFanoutCommandInAShBlockParsesWithTheCurrentCommands() throws IOException {
        List<String> refused = new ArrayList<>();
        List<String> parsed = new ArrayList<>();
        for (Path page : pages()) {
            List<String> lines = Files.readAllLines(page);
            boolean inSh = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (!inSh) {
                    inSh = line.strip().equals("```sh");
                    continue;
                }
                if (line.strip().equals("```")) {
                    inSh = false;
                    continue;
                }
                for (List<String> words : commands(line)) {
                    if (words.isEmpty() || !FANOUT.matcher(words.get(0)).matches()) {
                        continue;
                    }
                    String where = REPOSITORY.relativize(page) + ":" + (i + 1) + ": " + String.join(" ", words);
                    try {
                        Main.commandLine().parseArgs(words.subList(1, words.size()).toArray(String[]::new));
                        parsed.add(where);
                    } catch (CommandLine.ParameterException e) {
                        refused.add(where + ": " + e.getMessage());
                    }
                }
            }
        }
        assertThat(refused).as("fanout commands in ```sh blocks that the CLI refuses").isEmpty();
        assertThat(parsed).as("fanout commands in ```sh blocks").anyMatch(c -> c.startsWith("README.md:") && c.contains("fanout ingest --topology examples/phase-2.yaml"));
    }

    @Test
    void aShLineIsSplitIntoCommandsAndWordsAsAShellDoes() {
        assertThat(commands("mvn -q install && bin/fanout ingest --topology 'a b.yaml' x/* # a comment"))
                .containsExactly(List.of("mvn", "-q", "install"), List.of("bin/fanout", "ingest", "--topology", "a b.yaml", "x/*"));
        assertThat(commands("export PATH=\"$PWD/bin:$PATH\"; fanout plugins")).containsExactly(List.of("export", "PATH=$PWD/bin:$PATH"), List.of("fanout", "plugins"));
    }

    /** A line of a {@code ```sh} block as the commands it holds ({@code &&}, {@code ||}, {@code ;}, {@code |} between them), each as its words. */
    static List<List<String>> commands(String line) {
        List<List<String>> commands = new ArrayList<>();
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (c == '#' && word == null) {
                break;
            } else if (Character.isWhitespace(c) || c == ';' || c == '&' || c == '|') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                if (!Character.isWhitespace(c) && !words.isEmpty()) {
                    commands.add(words);
                    words = new ArrayList<>();
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        if (!words.isEmpty()) {
            commands.add(words);
        }
        return commands;
    }
}
