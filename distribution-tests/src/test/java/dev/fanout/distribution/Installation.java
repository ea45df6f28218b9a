package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * fanout as a user installs it: {@code distribution/target/fanout.tar.gz} unpacked with {@code tar}
 * into a new temporary directory whose path holds a space, and {@code bin/fanout} run from there as a
 * process. Every test class gets an installation of its own (so one that deletes a plugin's jar does
 * not break another), removed when the JVM exits.
 */
final class Installation {

    /** Where the repository's own files are (scripts/, examples/, docs/). */
    static final Path REPOSITORY = Path.of(System.getProperty("fanout.repository", "..")).toAbsolutePath().normalize();

    private static final long TIMEOUT_MINUTES = 10;

    private final Path home;

    private Installation(Path home) {
        this.home = home;
    }

    /** Unpacks the tarball the build just made into {@code <tmp>/fanout dist…/fanout}. */
    static Installation unpack() throws IOException {
        Path tarball = Path.of(System.getProperty("fanout.tarball", "../distribution/target/fanout.tar.gz")).toAbsolutePath().normalize();
        assertThat(tarball).as("the distribution's tarball: build it first (mvn install, or mvn package -pl distribution -am)").isRegularFile();
        Path parent = Files.createTempDirectory("fanout dist ");
        deleteOnExit(parent);
        Run r = run(parent, Map.of(), List.of("tar", "-xzf", tarball.toString()));
        assertThat(r.code()).as("tar -xzf %s: %s", tarball, r.output()).isZero();
        Installation installation = new Installation(parent.resolve("fanout"));
        assertThat(installation.launcher()).as("bin/fanout in the unpacked tarball").isExecutable();
        return installation;
    }

    Path home() {
        return home;
    }

    Path launcher() {
        return home.resolve("bin/fanout");
    }

    /**
     * {@code bin/fanout args...} run in {@code workDir}, with this process's environment less any
     * {@code CH_*} and {@code FANOUT_*} variables, plus {@code env}.
     */
    Run fanout(Path workDir, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(launcher().toString());
        command.addAll(List.of(args));
        return run(workDir, env, command);
    }

    /**
     * {@code bin/fanout args...} started in {@code workDir}, environment as for {@link #fanout}, for
     * a test that acts while it runs (a server killed mid-run); {@link Started#await()} ends it.
     */
    Started start(Path workDir, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(launcher().toString());
        command.addAll(List.of(args));
        return Started.launch(workDir, env, command);
    }

    /**
     * A process run to its end (at most ten minutes, then it and every process it started are
     * killed): exit code, standard output, standard error. The environment is this process's less any
     * {@code CH_*} and {@code FANOUT_*} variables, plus {@code env}.
     */
    static Run run(Path workDir, Map<String, String> env, List<String> command) throws IOException {
        return Started.launch(workDir, env, command).await();
    }

    /** A process started with its output going to temporary files. */
    static final class Started {
        private final List<String> command;
        private final Process process;
        private final Path out;
        private final Path err;

        private Started(List<String> command, Process process, Path out, Path err) {
            this.command = command;
            this.process = process;
            this.out = out;
            this.err = err;
        }

        static Started launch(Path workDir, Map<String, String> env, List<String> command) throws IOException {
            Path out = Files.createTempFile("fanout-out", ".txt");
            Path err = Files.createTempFile("fanout-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            Map<String, String> environment = pb.environment();
            // hermetic: a developer's own CH_* or FANOUT_* exports must not change what a test runs
            environment.keySet().removeIf(name -> name.startsWith("CH_") || name.startsWith("FANOUT_"));
            environment.putAll(new HashMap<>(env));
            try {
                return new Started(command, pb.start(), out, err);
            } catch (IOException e) {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
                throw e;
            }
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Kills the process and every process it started (SIGKILL), for a test that fails while it runs. */
        void kill() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }

        /** Waits for the end (at most ten minutes, then it and every process it started are killed). */
        Run await() throws IOException {
            try {
                if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor();
                    throw new AssertionError(String.join(" ", command) + " ran past " + TIMEOUT_MINUTES + " minutes; output so far: "
                            + Files.readString(out) + Files.readString(err));
                }
                return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IOException("interrupted while running " + command, e);
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }
    }

    /** One finished process. */
    record Run(int code, String out, String err) {
        /** Both streams, for assertion messages. */
        String output() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** A figure as fanout prints it, {@code 1,234} grouped with commas, as a number. */
    static long number(String figure) {
        return Long.parseLong(figure.replace(",", ""));
    }

    /** Copies the directory tree {@code from} into {@code to} (created), file attributes (the executable bit) kept. */
    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    static void deleteOnExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                // under the system's temporary directory: harmless if left
            }
        }));
    }
}
