package dev.fanout.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A terminal in a fresh clone, as the documentation's {@code ```console} blocks assume: a new
 * directory holding copies of the repository's {@code examples/} (topologies and input) and
 * {@code scripts/}, {@code distribution/target/fanout} linked to the unpacked tarball and its
 * {@code bin/} on {@code PATH}. Commands run one at a time in {@code bash}; what one exports (say,
 * {@code eval "$(scripts/clickhouse start)"}) is there for the next, as in one shell.
 *
 * <p>The directory is a git repository whose one commit holds those files and the repository's
 * {@code .gitignore}, so {@link #changes()} shows what the commands left that git would not ignore.
 */
final class ConsoleSession {

    private static final Pattern EXPORT = Pattern.compile("^declare -x (\\w+)=\"(.*)\"$");

    private final Path directory;
    private final Path installation;
    private final Path environment;

    private ConsoleSession(Path directory, Path installation, Path environment) {
        this.directory = directory;
        this.installation = installation;
        this.environment = environment;
    }

    static ConsoleSession freshClone(Installation installation) throws IOException {
        Path dir = Files.createTempDirectory("fanout clone ");
        Installation.deleteOnExit(dir);
        Installation.copyTree(Installation.REPOSITORY.resolve("scripts"), dir.resolve("scripts"));
        Files.createDirectories(dir.resolve("examples"));
        try (Stream<Path> files = Files.list(Installation.REPOSITORY.resolve("examples"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                Files.copy(f, dir.resolve("examples").resolve(f.getFileName()));
            }
        }
        Installation.copyTree(Installation.REPOSITORY.resolve("examples/input"), dir.resolve("examples/input"));
        Files.createDirectories(dir.resolve("distribution/target"));
        Files.createSymbolicLink(dir.resolve("distribution/target/fanout"), installation.home());
        Files.copy(Installation.REPOSITORY.resolve(".gitignore"), dir.resolve(".gitignore"));
        git(dir, "init", "-q");
        Files.writeString(dir.resolve(".git/info/exclude"), "# the test's own shell state, not the page's\n/.console-environment\n");
        git(dir, "add", "-A");
        git(dir, "-c", "user.name=fanout tests", "-c", "user.email=tests@fanout.invalid", "commit", "-q", "-m", "a fresh clone");
        Path environment = dir.resolve(".console-environment");
        Files.writeString(environment, "export PATH=\"" + installation.home().resolve("bin") + ":$PATH\"\n");
        return new ConsoleSession(dir, installation.home(), environment);
    }

    private static String git(Path dir, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Installation.Run r = Installation.run(dir, Map.of(), command);
        if (r.code() != 0) {
            throw new IOException(String.join(" ", command) + " in " + dir + ": " + r.output());
        }
        return r.out();
    }

    /** {@code git status --porcelain --untracked-files=all}: every file the commands created, changed or deleted that git does not ignore. */
    String changes() throws IOException {
        return git(directory, "status", "--porcelain", "--untracked-files=all");
    }

    Path directory() {
        return directory;
    }

    /**
     * Where this session's paths are, and how a page writes them: the clone as {@code /path/to/fanout},
     * the installation (which {@code bin/fanout} reports by its real path, not through the link) as
     * {@code /path/to/fanout/distribution/target/fanout}.
     */
    Map<Path, String> pathsAsOnPage() {
        Map<Path, String> paths = new java.util.LinkedHashMap<>();
        paths.put(installation, Walkthrough.PAGE_ROOT + "/distribution/target/fanout");
        paths.put(directory, Walkthrough.PAGE_ROOT);
        try {
            // scripts/clickhouse names its directory by its physical path (pwd -P), which differs where the temporary directory is a link
            paths.putIfAbsent(installation.toRealPath(), Walkthrough.PAGE_ROOT + "/distribution/target/fanout");
            paths.putIfAbsent(directory.toRealPath(), Walkthrough.PAGE_ROOT);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return paths;
    }

    /** {@code command} as typed at the prompt in this session's directory; standard output and error together, as a terminal shows them. */
    Installation.Run type(String command) throws IOException {
        String script = ". \"$FANOUT_CONSOLE_ENV\"\ncd \"$FANOUT_CONSOLE_DIR\"\n{\n" + command + "\n} 2>&1\ncode=$?\n"
                + "export -p > \"$FANOUT_CONSOLE_ENV\"\nexit $code\n";
        return Installation.run(directory, Map.of("FANOUT_CONSOLE_ENV", environment.toString(), "FANOUT_CONSOLE_DIR", directory.toString()),
                List.of("bash", "-c", script));
    }

    /** The variables the commands so far exported. */
    Map<String, String> exported() throws IOException {
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(environment)) {
            Matcher m = EXPORT.matcher(line);
            if (m.matches()) {
                env.put(m.group(1), m.group(2));
            }
        }
        return env;
    }
}
