package dev.fanout.examples.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin as a user installs it: {@code target/plugin/} copied into {@code plugins/sqlite/} of a
 * fanout distribution (the main build's {@code distribution/target/fanout}, mirrored into a temp
 * directory whose path has a space, so the build output is not changed: its lib/ and other plugin
 * directories linked, bin/ copied), {@code examples/phase-2-sqlite.yaml} (trades and quotes to
 * {@code sqlite:}), the real {@code bin/fanout ingest} of the whole sample of two days — started
 * through a symbolic link, as from a directory on the PATH — and the trades checked with sqlite-jdbc
 * against the CSVs.
 */
class SqlitePluginEndToEndIT {

    @TempDir
    Path dir;

    private Path home;
    private Path launcher;
    private Path samples;

    @BeforeEach
    void installPluginIntoADistribution() throws IOException {
        Path distribution = Path.of(System.getProperty("fanout.distribution")).toAbsolutePath().normalize();
        assertThat(distribution.resolve("bin/fanout")).as("the fanout distribution (run the main build's mvn install first, or "
                + "pass -Dfanout.distribution=DIR)").isRegularFile();
        assertThat(distribution.resolve("lib/fanout-api-" + System.getProperty("fanout.version") + ".jar"))
                .as("the distribution runs the fanout-api this plugin was built against: set fanout.version in "
                        + "examples/writer-sqlite/pom.xml to the main build's version").isRegularFile();
        Path plugin = Path.of(System.getProperty("fanout.plugin.build"));
        assertThat(plugin).as("the plugin directory built by mvn package").isDirectory();

        home = dir.resolve("fanout home");
        Files.createDirectories(home.resolve("bin"));
        Files.copy(distribution.resolve("bin/fanout"), home.resolve("bin/fanout"));
        home.resolve("bin/fanout").toFile().setExecutable(true);
        Files.createSymbolicLink(home.resolve("lib"), distribution.resolve("lib"));
        Files.createDirectories(home.resolve("plugins"));
        try (Stream<Path> builtIn = Files.list(distribution.resolve("plugins"))) {
            for (Path p : builtIn.toList()) {
                Files.createSymbolicLink(home.resolve("plugins").resolve(p.getFileName()), p);
            }
        }
        Path sqlite = Files.createDirectories(home.resolve("plugins/sqlite"));
        try (Stream<Path> jars = Files.list(plugin)) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, sqlite.resolve(jar.getFileName()));
            }
        }
        samples = distribution.resolve("conf/examples/input");
        launcher = Files.createSymbolicLink(Files.createDirectories(dir.resolve("on path")).resolve("fanout"),
                Path.of("../fanout home/bin/fanout"));
    }

    @AfterEach
    void unlinkTheDistribution() throws IOException {
        try (Stream<Path> plugins = Files.list(home.resolve("plugins"))) {
            for (Path p : plugins.filter(Files::isSymbolicLink).toList()) {
                Files.delete(p);
            }
        }
        Files.delete(home.resolve("lib"));
    }

    @Test
    void fanoutPluginsListsTheSqlitePluginFromItsDirectory() throws Exception {
        // as `sh bin/fanout` from the installation, with a CDPATH that has a bin/ of its own
        Files.createDirectories(dir.resolve("elsewhere/bin"));
        Run r = run(home, Map.of("CDPATH", dir.resolve("elsewhere").toString()), "sh", "bin/fanout", "plugins");

        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.output().lines()).anyMatch(l -> l.matches("sqlite +sqlite +0\\.1\\.0-SNAPSHOT +\\d+\\.\\d+ +schema evolution +"
                + java.util.regex.Pattern.quote(home.resolve("plugins/sqlite").toString()) + " +SQLite database file.*"));
        assertThat(r.output()).contains(home.resolve("plugins/duckdb").toString());
    }

    @Test
    void fanoutPluginsCheckDrivesTheSqliteWritePathInItsOwnClassLoader() throws Exception {
        Run r = fanout("plugins", "--check");

        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.output().lines()).contains("ok plugin sqlite in " + home.resolve("plugins/sqlite") + ": "
                + "5 classes of writer-sqlite-0.1.0-SNAPSHOT.jar load and resolve their signatures; sqlite:self-check.sqlite opened, took a row of every "
                + "logical type, closed");
    }

    @Test
    void ingestOfTheWholeSampleThroughTheExampleTopologyStoresTheLatestVersionOfEveryTradeInSqlite() throws Exception {
        // examples/phase-2-sqlite.yaml, copied so that its data/ is the test's own
        Path topology = Files.copy(Path.of(System.getProperty("fanout.example.topology")), dir.resolve("phase-2-sqlite.yaml"));
        Path day1 = samples.resolve("day1/trades.csv");
        Path day2 = samples.resolve("day2/trades.csv");
        List<String> args = new ArrayList<>(List.of("ingest", "--no-progress", "--topology", topology.toString()));
        for (String day : List.of("day1", "day2")) {
            try (Stream<Path> files = Files.list(samples.resolve(day))) {
                files.map(Path::toString).sorted().forEach(args::add);
            }
        }

        Run r = fanout(args.toArray(String[]::new));

        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.output()).containsPattern("trades_lite +up +2,350 ").containsPattern("quotes_lite +up +900 ")
                .containsPattern("main_db +up +\\d")
                .contains(dir.resolve("data/trades.sqlite").toString(), dir.resolve("data/quotes.sqlite").toString());
        Map<String, String[]> expected = latestPerTrade(day1, day2);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/trades.sqlite"));
             Statement s = c.createStatement()) {
            List<String> mismatches = new ArrayList<>();
            int rows = 0;
            try (ResultSet rs = s.executeQuery("SELECT trade_id, symbol, price, quantity, side, updated_at, venue, _fanout_version, "
                    + "strftime('%Y-%m-%d %H:%M:%S', updated_at) FROM trades")) {
                while (rs.next()) {
                    rows++;
                    String[] csv = expected.get(rs.getString(1));
                    LocalDateTime updated = LocalDateTime.parse(csv[6].replace(' ', 'T'));
                    long micros = ChronoUnit.MICROS.between(LocalDateTime.of(1970, 1, 1, 0, 0), updated);
                    boolean same = csv[1].equals(rs.getString(2)) && Double.parseDouble(csv[3]) == rs.getDouble(3)
                            && Long.parseLong(csv[4]) == rs.getLong(4) && csv[5].equals(rs.getString(5))
                            && (csv[6].replace(' ', 'T') + "Z").equals(rs.getString(6))
                            && java.util.Objects.equals(csv.length > 7 ? csv[7] : null, rs.getString(7))
                            && micros == rs.getLong(8)
                            && csv[6].substring(0, 19).equals(rs.getString(9));
                    if (!same) {
                        mismatches.add(String.join(",", csv) + " stored as " + rs.getString(1) + "," + rs.getString(2) + "," + rs.getString(3)
                                + "," + rs.getString(4) + "," + rs.getString(5) + "," + rs.getString(6) + "," + rs.getString(7) + ","
                                + rs.getString(8) + "," + rs.getString(9));
                    }
                }
            }
            assertThat(rows).isEqualTo(expected.size()).isEqualTo(2_100);
            assertThat(mismatches).isEmpty();
        }
    }

    /** Per trade_id the CSV row with the latest updated_at (ties: the later row), as its fields. */
    private static Map<String, String[]> latestPerTrade(Path... files) throws IOException {
        Map<String, String[]> latest = new LinkedHashMap<>();
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.split(",", -1);
                String[] stored = latest.get(fields[0]);
                if (stored == null || fields[6].compareTo(stored[6]) >= 0) {
                    latest.put(fields[0], fields);
                }
            }
        }
        return latest;
    }

    private record Run(int code, String output) {
    }

    /** {@code bin/fanout} through the symbolic link, from the test's directory. */
    private Run fanout(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        return run(dir, Map.of(), command.toArray(String[]::new));
    }

    private static Run run(Path workingDirectory, Map<String, String> environment, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workingDirectory.toFile()).redirectErrorStream(true);
        pb.environment().remove("FANOUT_PLUGIN_DIR");
        pb.environment().remove("FANOUT_DATA_DIR");
        pb.environment().putAll(environment);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("bin/fanout finished").isTrue();
        return new Run(p.exitValue(), output);
    }
}
