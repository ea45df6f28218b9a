package dev.fanout.cli;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.ApiVersion;
import dev.fanout.writer.duckdb.DuckDbWriterProvider;
import dev.fanout.writer.motherduck.MotherDuckWriterProvider;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI with a plugin directory laid out as the distribution's: {@code plugins/duckdb} (the DuckDB
 * writer and its own copy of the DuckDB driver) and {@code plugins/motherduck} (its writer, bundling
 * the DuckDB writer and driver). The host reads CSV with the DuckDB driver on its class path while
 * both plugins write with theirs: three copies of DuckDB's native library in one JVM.
 */
class PluginDirectoryCliTest {

    @TempDir
    Path dir;

    private Path plugins;
    private String previous;

    @BeforeEach
    void pluginDirectory() throws Exception {
        plugins = dir.resolve("plugins");
        Path duckdbWriter = jarOf(DuckDbWriterProvider.class, dir.resolve("build/writer-duckdb.jar"));
        Path driver = jarOf(DuckDBDriver.class, dir.resolve("build/duckdb_jdbc.jar"));
        Path motherDuckWriter = jarOf(MotherDuckWriterProvider.class, dir.resolve("build/writer-motherduck.jar"));
        for (Path jar : List.of(duckdbWriter, driver)) {
            copy(jar, plugins.resolve("duckdb"));
        }
        for (Path jar : List.of(motherDuckWriter, duckdbWriter, driver)) {
            copy(jar, plugins.resolve("motherduck"));
        }
        previous = System.getProperty(InstalledPlugins.PROPERTY);
        System.setProperty(InstalledPlugins.PROPERTY, plugins.toString());
    }

    @AfterEach
    void restore() {
        if (previous == null) {
            System.clearProperty(InstalledPlugins.PROPERTY);
        } else {
            System.setProperty(InstalledPlugins.PROPERTY, previous);
        }
    }

    @Test
    void pluginsShowsEachSchemeWithPluginVersionApiCapabilitiesAndDirectory() {
        CliRun r = fanout("plugins");

        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("writer plugins from " + plugins + ":");
        assertThat(lines.get(1)).matches("scheme +plugin +version +api +capabilities +directory +description");
        String api = ApiVersion.current().toString();
        assertThat(lines).anyMatch(l -> l.matches("duckdb +duckdb +\\S+ +" + api.replace(".", "\\.")
                + " +read, schema evolution, copy from same engine, export rows +" + plugins.resolve("duckdb") + " +.*"));
        assertThat(lines).anyMatch(l -> l.matches("md +motherduck +\\S+ +" + api.replace(".", "\\.")
                + " +read, schema evolution +" + plugins.resolve("motherduck") + " +.*"));
        assertThat(lines).hasSize(5);
    }

    @Test
    void ingestReadsWithTheHostsDuckDbAndWritesThroughEachPluginsOwn() throws Exception {
        Path csv = Files.writeString(dir.resolve("trades.csv"), "id,symbol\n1,AAPL\n2,MSFT\n");
        Path quotes = Files.writeString(dir.resolve("quotes.csv"), "id,px\n1,1.5\n");
        Path topology = Files.writeString(dir.resolve("t.yaml"), """
                version: 1
                destinations:
                  local: { uri: "duckdb:data/local.duckdb" }
                  cloud: { uri: "md:cloud", options: { token: unused, test_local_path: data/cloud.duckdb } }
                routes:
                  - { match: { table: quotes }, to: cloud }
                default: local
                """);

        CliRun r = fanout("ingest", "--no-progress", "--topology", topology.toString(), "--primary-key", "id", csv.toString(), quotes.toString());

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(rows(dir.resolve("data/local.duckdb"), "SELECT id || ':' || symbol FROM trades ORDER BY id")).containsExactly("1:AAPL", "2:MSFT");
        assertThat(rows(dir.resolve("data/cloud.duckdb"), "SELECT id || ':' || px FROM cloud.main.quotes")).containsExactly("1:1.5");
    }

    @Test
    void pluginDirOnTheCommandLineWinsOverTheConfiguredDirectory() throws IOException {
        Path other = dir.resolve("other-plugins");
        copy(dir.resolve("build/writer-duckdb.jar"), other.resolve("duckdb"));
        copy(dir.resolve("build/duckdb_jdbc.jar"), other.resolve("duckdb"));

        CliRun r = fanout("plugins", "--plugin-dir", other.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("writer plugins from " + other + ":").doesNotContain("motherduck");
    }

    @Test
    void aBrokenPluginIsAConfigurationErrorNamingItsDirectory() throws IOException {
        Files.createDirectories(plugins.resolve("broken"));
        Files.writeString(plugins.resolve("broken/writer.jar"), "not a jar");

        CliRun r = fanout("plugins");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("writer plugin directory " + plugins.resolve("broken") + ": cannot read jar writer.jar")
                .doesNotContain("ServiceConfigurationError");
    }

    private static List<String> rows(Path file, String sql) throws Exception {
        List<String> rows = new ArrayList<>();
        String attach = sql.contains("cloud.main") ? "ATTACH '" + file + "' AS cloud (READ_ONLY)" : null;
        try (Connection c = DriverManager.getConnection(attach == null ? "jdbc:duckdb:" + file : "jdbc:duckdb:");
             Statement s = c.createStatement()) {
            if (attach != null) {
                s.execute(attach);
            }
            try (ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
        }
        return rows;
    }

    private static void copy(Path jar, Path directory) throws IOException {
        Files.createDirectories(directory);
        Files.copy(jar, directory.resolve(jar.getFileName()));
    }

    /** The jar {@code type} was loaded from, or its class directory packed into {@code target} (a reactor build's target/classes). */
    private static Path jarOf(Class<?> type, Path target) throws IOException, URISyntaxException {
        Path source = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        Files.createDirectories(target.getParent());
        if (Files.isRegularFile(source)) {
            return Files.copy(source, target);
        }
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target)); Stream<Path> files = Files.walk(source)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(source.relativize(f).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        return target;
    }
}
