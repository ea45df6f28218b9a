package dev.fanout.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A documentation page whose {@code ```console} blocks are a session a user types: each line that
 * starts with {@code $ } is a command, the lines after it (to the next command or the end of the
 * block) are what it prints, standard output and standard error together. A command ending in
 * {@code # exit N} is expected to exit with N, every other with 0. Other blocks ({@code ```sh},
 * {@code ```yaml}) are explanation and are not run.
 *
 * <p>What a run prints differs from the page only in what cannot be the same twice, and
 * {@link #comparable} forgives exactly that: the directories it runs in (the page writes
 * {@code /path/to/fanout}); timings, latencies and rates (numbers with one decimal, {@code … rows/s},
 * {@code H:MM:SS}); times of day; packet and record ids; retry delays (random jitter); process ids;
 * loopback ports (free ones are taken where the usual ones are busy); the widths of table columns
 * that follow from those, and the word a cell cut to its width ends in ({@code …}); the {@code batches} column of a run's summary (packets of one table that
 * arrive together may share a batch or not), and with it its {@code applied} and {@code skipped}
 * columns (a row superseded by a later packet's is skipped when the two share a batch, applied when
 * not; {@code received} is compared, and {@code fanout-cli}'s {@code ExamplesEndToEndTest} checks the
 * counts against the batches a run made); the order of the {@code submitted} lines (one reader
 * thread per table); and where log lines fall among the printed lines (other threads write them to
 * standard error; they are compared as a set). A count, a word, a checksum, a version or a line that
 * changes fails the comparison.
 */
final class Walkthrough {

    /** The directory the page's outputs are written under. */
    static final String PAGE_ROOT = "/path/to/fanout";

    /** First words of lines that one command prints from several threads, in whatever order they finish. */
    private static final java.util.Set<String> CONCURRENT_LINES = java.util.Set.of("submitted");
    private static final Pattern EXIT = Pattern.compile("#\\s*exit\\s+(\\d+)\\s*$");
    /** A line of the log (slf4j-simple: {@code [thread] LEVEL logger - message}), written from other threads to standard error. */
    private static final Pattern LOG_LINE = Pattern.compile("^\\[[^\\]]+\\] (ERROR|WARN|INFO|DEBUG|TRACE) ");

    /** One command of the page, where it is, and what the page says it prints. */
    record Step(int line, String command, int expectedExit, List<String> expectedOutput) {
        @Override
        public String toString() {
            return "line " + line + ": $ " + command;
        }
    }

    /** What a test checks after a step ran, e.g. the data a move left behind. */
    @FunctionalInterface
    interface AfterStep {
        void check(Step step, ConsoleSession session) throws Exception;
    }

    private Walkthrough() {
    }

    /**
     * Runs every step of {@code page} in {@code session}, in order, stopping at the first that exits
     * otherwise than the page says, and returns the steps whose output differs from the page (empty
     * when the page is true). With {@code -Dfanout.walkthrough.update=true} it writes what the steps
     * printed into the page instead — also when a step failed, for the steps run so far — and
     * returns no differences.
     */
    static List<String> run(Path page, ConsoleSession session, AfterStep afterStep) throws Exception {
        List<Step> steps = steps(page);
        boolean update = Boolean.getBoolean("fanout.walkthrough.update");
        List<List<String>> printed = new ArrayList<>();
        List<String> differences = new ArrayList<>();
        try {
            for (Step step : steps) {
                Installation.Run r = session.type(step.command());
                Map<String, String> env = session.exported();
                List<String> output = asOnPage(r.out(), session.pathsAsOnPage(), portsAsOnPage(env));
                printed.add(output);
                if (r.code() != step.expectedExit()) {
                    throw new AssertionError(page + ":" + step + " exited " + r.code() + ", the page says " + step.expectedExit()
                            + "; it printed:\n" + r.out());
                }
                if (!comparable(output).equals(comparable(step.expectedOutput()))) {
                    differences.add(page + ":" + step + "\n--- the page shows\n" + String.join("\n", step.expectedOutput())
                            + "\n--- it printed\n" + String.join("\n", output));
                }
                afterStep.check(step, session);
            }
        } finally {
            if (update) {
                for (int i = printed.size(); i < steps.size(); i++) {
                    printed.add(steps.get(i).expectedOutput());
                }
                Files.writeString(page, rewritten(page, printed));
            }
        }
        return update ? List.of() : differences;
    }

    /** The page's commands in order. */
    static List<Step> steps(Path page) throws IOException {
        List<String> lines = Files.readAllLines(page);
        List<Step> steps = new ArrayList<>();
        boolean inConsole = false;
        int commandLine = -1;
        String command = null;
        List<String> output = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!inConsole) {
                inConsole = line.strip().equals("```console");
                continue;
            }
            boolean end = line.strip().equals("```");
            if (end || line.startsWith("$ ")) {
                if (command != null) {
                    steps.add(step(commandLine, command, output));
                }
                command = end ? null : line.substring(2);
                commandLine = i + 1;
                output = new ArrayList<>();
                inConsole = !end;
            } else if (command != null) {
                output.add(line);
            } else {
                throw new IllegalStateException(page + ":" + (i + 1) + ": output before any command in a console block");
            }
        }
        if (inConsole) {
            throw new IllegalStateException(page + ": a console block is not closed");
        }
        return steps;
    }

    private static Step step(int line, String command, List<String> output) {
        Matcher exit = EXIT.matcher(command);
        int code = exit.find() ? Integer.parseInt(exit.group(1)) : 0;
        return new Step(line, command, code, List.copyOf(output));
    }

    /**
     * What a run printed, as the page would show it: the session's directories as the page writes them
     * ({@link ConsoleSession#pathsAsOnPage}),
     * the ClickHouse ports of this run as the defaults the page shows (8123, 9000), the periodic
     * {@code progress} lines of a long run left out, trailing blank lines dropped.
     */
    static List<String> asOnPage(String output, Map<Path, String> paths, String httpPort, String tcpPort) {
        Map<String, String> ports = new java.util.HashMap<>();
        if (httpPort != null) {
            ports.put(httpPort, "8123");
        }
        if (tcpPort != null) {
            ports.put(tcpPort, "9000");
        }
        return asOnPage(output, paths, ports);
    }

    /**
     * The ClickHouse ports a session exported ({@code scripts/clickhouse start} and
     * {@code cluster start}), each mapped to the one the page shows: the scripts' first choices,
     * 8123 and 9000 for the server, 2181 for the cluster's ZooKeeper, 8130+n and 9010+n for its
     * server n.
     */
    static Map<String, String> portsAsOnPage(Map<String, String> exported) {
        Map<String, String> defaults = new java.util.LinkedHashMap<>();
        defaults.put("CH_HTTP_PORT", "8123");
        defaults.put("CH_TCP_PORT", "9000");
        defaults.put("CH_ZOOKEEPER_PORT", "2181");
        for (int n = 1; n <= 4; n++) {
            defaults.put("CH" + n + "_HTTP_PORT", Integer.toString(8130 + n));
            defaults.put("CH" + n + "_TCP_PORT", Integer.toString(9010 + n));
        }
        Map<String, String> ports = new java.util.HashMap<>();
        defaults.forEach((variable, shown) -> {
            if (exported.get(variable) != null) {
                ports.put(exported.get(variable), shown);
            }
        });
        return ports;
    }

    /** {@link #asOnPage(String, Map, String, String)} with every port of {@code ports} (run's port to page's) replaced in one pass. */
    static List<String> asOnPage(String output, Map<Path, String> paths, Map<String, String> ports) {
        String text = output;
        for (Map.Entry<Path, String> path : paths.entrySet()) {
            text = text.replace(path.getKey().toString(), path.getValue());
        }
        if (!ports.isEmpty()) {
            Matcher m = Pattern.compile("(?<=[:= ])(" + String.join("|", ports.keySet().stream().map(Pattern::quote).toList()) + ")\\b")
                    .matcher(text);
            text = m.replaceAll(r -> Matcher.quoteReplacement(ports.get(r.group(1))));
        }
        List<String> lines = new ArrayList<>(text.lines().filter(l -> !l.startsWith("progress ")).toList());
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    /** {@code lines} without what differs from run to run (see the class comment). */
    static List<String> comparable(List<String> lines) {
        List<String> out = new ArrayList<>();
        List<Integer> forgiven = List.of();
        for (String line : lines) {
            List<String> words = List.of(line.strip().split("\\s+"));
            if (line.isBlank()) {
                forgiven = List.of();
            } else if (words.contains("batches") && words.get(0).equals("destination")) {
                forgiven = Stream.of("batches", "applied", "skipped").map(words::indexOf).filter(i -> i >= 0).toList();
            } else if (!forgiven.isEmpty() && !words.get(0).startsWith("--")) {
                List<String> w = new ArrayList<>(words);
                for (int column : forgiven) {
                    if (column < w.size()) {
                        w.set(column, "#");
                    }
                }
                line = String.join(" ", w);
            }
            String l = line
                    .replaceAll("\\d{4}-\\d\\d-\\d\\d[ T]\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z?", "<time>")
                    .replaceAll("\\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\b", "<id>")
                    .replaceAll("retrying in \\d+ ms", "retrying in # ms")
                    .replaceAll("\\bpid \\d+", "pid #")
                    .replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:<port>")
                    .replaceAll("\\S*…", "…")
                    .replaceAll("\\b\\d+:\\d\\d:\\d\\d\\b", "<duration>")
                    .replaceAll("[\\d,]+(\\.\\d+)? rows/s", "# rows/s")
                    .replaceAll("(?<![\\d.])\\d+\\.\\d(?![\\d.])", "#")
                    .replaceAll("-{2,}", "--")
                    .replaceAll("\\s+", " ")
                    .strip();
            out.add(l);
        }
        List<String> logLines = out.stream().filter(l -> LOG_LINE.matcher(l).find()).sorted().toList();
        List<String> printed = sortRunsOfLinesStartingAlike(out.stream().filter(l -> !LOG_LINE.matcher(l).find()).toList());
        List<String> all = new ArrayList<>(printed);
        all.addAll(logLines);
        return all;
    }

    private static List<String> sortRunsOfLinesStartingAlike(List<String> lines) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String word = firstWord(lines.get(i));
            int j = i + 1;
            while (CONCURRENT_LINES.contains(word) && j < lines.size() && firstWord(lines.get(j)).equals(word)) {
                j++;
            }
            List<String> run = new ArrayList<>(lines.subList(i, j));
            run.sort(null);
            out.addAll(run);
            i = j;
        }
        return out;
    }

    private static String firstWord(String line) {
        int space = line.indexOf(' ');
        return space < 0 ? line : line.substring(0, space);
    }

    /** The page with the output of each step replaced by {@code outputs} (same order as {@link #steps}). */
    static String rewritten(Path page, List<List<String>> outputs) throws IOException {
        List<String> lines = Files.readAllLines(page);
        List<String> out = new ArrayList<>();
        boolean inConsole = false;
        boolean skipping = false;
        int step = 0;
        for (String line : lines) {
            if (!inConsole) {
                out.add(line);
                inConsole = line.strip().equals("```console");
                continue;
            }
            if (line.strip().equals("```")) {
                out.add(line);
                inConsole = false;
                skipping = false;
            } else if (line.startsWith("$ ")) {
                out.add(line);
                out.addAll(outputs.get(step++));
                skipping = true;
            } else if (!skipping) {
                out.add(line);
            }
        }
        return String.join("\n", out) + "\n";
    }
}
