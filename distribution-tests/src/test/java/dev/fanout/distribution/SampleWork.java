package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.writer.clickhouse.ClickHouseServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A user's work directory: the examples the installation ships ({@code conf/examples/}: the phase
 * topologies and the sample input) copied into it, and the environment a user's shell gives
 * {@code bin/fanout} — fixed here, so a developer's own {@code CH_*} or {@code FANOUT_*} variables
 * cannot change what a test runs.
 */
final class SampleWork {

    private SampleWork() {
    }

    /** Copies the installation's {@code conf/examples/} (topologies and {@code input/}) into {@code dir}. */
    static Path copyExamples(Installation installation, Path dir) throws IOException {
        Path examples = installation.home().resolve("conf/examples");
        assertThat(examples.resolve("phase-3.yaml")).as("the shipped examples").isRegularFile();
        Installation.copyTree(examples, dir);
        return dir;
    }

    /**
     * The sample's input files as the shell expands {@code input/day1/* input/day2/*}: relative to
     * {@code work}, each day's files in name order.
     */
    static List<String> inputArguments(Path work) {
        List<String> args = new ArrayList<>();
        for (String day : List.of("day1", "day2")) {
            try (Stream<Path> files = Files.list(work.resolve("input").resolve(day))) {
                files.map(p -> "input/" + day + "/" + p.getFileName()).sorted().forEach(args::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertThat(args).as("sample input files").isNotEmpty();
        return args;
    }

    /** The same files as paths, for the expectation ({@code Examples.expectation}). */
    static List<Path> inputs(Path work) {
        return inputArguments(work).stream().map(work::resolve).toList();
    }

    /**
     * The environment of a run whose topologies reach {@code server} as the shipped ones are written
     * to ({@code CH_HTTP_PORT}, user {@code default} without a password), with DuckDB files under
     * the topology's own {@code data/} and the installation's own plugins.
     */
    static Map<String, String> environment(ClickHouseServer server) {
        Map<String, String> env = new HashMap<>(Map.of("CH_USER", "default", "CH_PASSWORD", "", "FANOUT_DATA_DIR", "",
                "FANOUT_PLUGIN_DIR", ""));
        if (server != null) {
            env.put("CH_HTTP_PORT", Integer.toString(server.httpPort()));
        }
        return env;
    }

    /**
     * The one value {@code sql} returns, as the server's own TabSeparated text: read through the
     * harness's plain HTTP query, without any decoding of fanout's.
     */
    static String scalar(ClickHouseServer server, String sql) throws IOException {
        return new String(server.query(sql + " FORMAT TabSeparated"), java.nio.charset.StandardCharsets.UTF_8).strip();
    }

    /** {@code ingest --no-progress --topology TOPOLOGY} and the whole sample, run in {@code work}. */
    static String[] ingestSample(Path work, String topology) {
        List<String> args = new ArrayList<>(List.of("ingest", "--no-progress", "--topology", topology));
        args.addAll(inputArguments(work));
        return args.toArray(String[]::new);
    }
}
