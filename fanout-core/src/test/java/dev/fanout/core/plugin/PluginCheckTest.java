package dev.fanout.core.plugin;

import static dev.fanout.core.plugin.PluginJars.jar;
import static dev.fanout.core.plugin.PluginJars.lineWriterSource;
import static dev.fanout.core.plugin.PluginJars.pluginResources;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.ApiVersion;
import dev.fanout.api.Column;
import dev.fanout.api.LogicalType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PluginCheck} on plugin directories built while the test runs: a writer whose write path
 * calls a library ({@code shared.Stamp}) passes with the library's jar in its directory and fails,
 * naming the plugin, its directory and the class, without it.
 */
class PluginCheckTest {

    private static final String API = ApiVersion.current().toString();
    /** The line writer of {@link PluginJars}, writing to a file in the check's scratch directory. */
    private static final String SELF_CHECK = """
                public java.util.Optional<Destination> selfCheckDestination(Path scratch) {
                    return java.util.Optional.of(Destination.of("self_check", "%s:check.txt", scratch));
                }
                public String scheme()""";

    @TempDir
    Path dir;
    private Path plugins;
    private Path stamp;

    @BeforeEach
    void library() throws Exception {
        plugins = dir.resolve("plugins");
        stamp = jar(dir.resolve("libs/stamp-1.0.jar"), Map.of("shared.Stamp", """
                package shared;
                public final class Stamp {
                    public static String of(long id) { return "stamp:" + id; }
                }
                """), Map.of());
    }

    /** A plugin {@code name} whose writer stamps each row with {@code shared.Stamp}; {@code members} are added to its provider. */
    private Path stampingPlugin(String name, String members) throws Exception {
        String provider = name + ".StampProvider";
        String source = lineWriterSource(name, "StampProvider", name, "shared.Stamp.of(id)")
                .replace("    public String scheme()", members + SELF_CHECK.formatted(name));
        return jar(plugins.resolve(name).resolve("writer-" + name + ".jar"), Map.of(provider, source),
                pluginResources(name, API, provider), stamp);
    }

    @Test
    void aPluginWithEveryLibraryItsWritePathNeedsPasses() throws Exception {
        stampingPlugin("alpha", "");
        Files.copy(stamp, plugins.resolve("alpha/stamp-1.0.jar"));

        PluginCheck.Outcome outcome = PluginCheck.check(plugins.resolve("alpha"));

        assertThat(outcome.ok()).as(outcome.line()).isTrue();
        assertThat(outcome.line()).isEqualTo("ok plugin alpha in " + plugins.resolve("alpha") + ": 2 classes of writer-alpha.jar load "
                + "and resolve their signatures; alpha:check.txt opened, took a row of every logical type, closed");
    }

    @Test
    void aPluginMissingTheLibraryItsWritePathCallsFailsNamingThePluginTheClassAndTheJarToAdd() throws Exception {
        stampingPlugin("alpha", "");

        PluginCheck.Outcome outcome = PluginCheck.check(plugins.resolve("alpha"));

        assertThat(outcome.ok()).isFalse();
        assertThat(outcome.plugin()).isEqualTo("alpha");
        assertThat(outcome.line()).isEqualTo("FAILED plugin alpha in " + plugins.resolve("alpha") + ": class shared.Stamp is missing "
                + "(java.lang.NoClassDefFoundError) while writing to alpha:check.txt; add the jar that contains shared.Stamp to "
                + plugins.resolve("alpha") + "/");
    }

    @Test
    void aClassOfThePluginJarWhoseSignatureNamesAMissingClassFailsBeforeAnyWrite() throws Exception {
        stampingPlugin("beta", "public shared.Stamp stamp() { return null; }\n");

        PluginCheck.Outcome outcome = PluginCheck.check(plugins.resolve("beta"));

        assertThat(outcome.line()).isEqualTo("FAILED plugin beta in " + plugins.resolve("beta") + ": class shared.Stamp is missing "
                + "(java.lang.NoClassDefFoundError) while loading beta.StampProvider of writer-beta.jar; add the jar that contains "
                + "shared.Stamp to " + plugins.resolve("beta") + "/");
    }

    /** A plugin {@code name} whose write throws what {@code throwStatement} (Java code) throws. */
    private Path failingPlugin(String name, String throwStatement) throws Exception {
        String provider = name + ".FailingProvider";
        String source = lineWriterSource(name, "FailingProvider", name, "1")
                .replace("    public String scheme()", SELF_CHECK.formatted(name))
                .replace("public void write(WriteBatch batch) throws WriteException {",
                        "public void write(WriteBatch batch) throws WriteException {\nif (batch != null) " + throwStatement);
        return jar(plugins.resolve(name).resolve("writer-" + name + ".jar"), Map.of(provider, source), pluginResources(name, API, provider));
    }

    @Test
    void aWriteRefusedForWantOfAListenerIsWhatAServersClientMeetsAndPasses() throws Exception {
        failingPlugin("gamma", "throw WriteException.retryable(\"cannot reach 127.0.0.1:1\", "
                + "new RuntimeException(\"client failed\", new java.net.ConnectException(\"Connection refused\")));");

        PluginCheck.Report report = PluginCheck.checkAll(plugins);

        assertThat(report.lines()).containsExactly("ok plugin gamma in " + plugins.resolve("gamma")
                + ": 2 classes of writer-gamma.jar load and resolve their signatures; gamma:check.txt opened, its write refused as "
                + "expected (retryable: nothing listens there), closed", "1 plugin checked in " + plugins + ": all ok");
        assertThat(report.ok()).isTrue();
    }

    @Test
    void aWriteThatFailsRetryablyForAnotherReasonThanARefusedConnectionFails() throws Exception {
        failingPlugin("delta", "throw WriteException.retryable(\"database is locked\", new java.io.IOException(\"SQLITE_BUSY\"));");

        PluginCheck.Report report = PluginCheck.checkAll(plugins);

        assertThat(report.ok()).isFalse();
        assertThat(report.lines()).containsExactly("FAILED plugin delta in " + plugins.resolve("delta") + ": writing to delta:check.txt "
                + "failed: dev.fanout.api.WriteException: database is locked; fix the plugin or its self-check destination",
                "1 plugin checked in " + plugins + ": 1 failed (delta)");
    }

    @Test
    void aPermanentWriteFailureCausedByARefusedConnectionFails() throws Exception {
        failingPlugin("delta", "throw WriteException.permanent(\"cannot reach 127.0.0.1:1\", new java.net.ConnectException(\"Connection refused\"));");

        assertThat(PluginCheck.check(plugins.resolve("delta")).ok()).isFalse();
    }

    @Test
    void aClassOfAPackageSharedWithTheHostThatTheHostLacksIsAnOlderHostNotAJarToAdd() throws Exception {
        Path newerApi = jar(dir.resolve("libs/slf4j-api-9.jar"), Map.of("org.slf4j.spi.FromTheFuture", """
                package org.slf4j.spi;
                public final class FromTheFuture {
                    public static String of(long id) { return "future:" + id; }
                }
                """), Map.of());
        String provider = "epsilon.StampProvider";
        String source = lineWriterSource("epsilon", "StampProvider", "epsilon", "org.slf4j.spi.FromTheFuture.of(id)")
                .replace("    public String scheme()", SELF_CHECK.formatted("epsilon"));
        jar(plugins.resolve("epsilon/writer-epsilon.jar"), Map.of(provider, source), pluginResources("epsilon", API, provider), newerApi);
        Files.copy(newerApi, plugins.resolve("epsilon/slf4j-api-9.jar"));

        PluginCheck.Outcome outcome = PluginCheck.check(plugins.resolve("epsilon"));

        Path at = plugins.resolve("epsilon");
        assertThat(outcome.line()).isEqualTo("FAILED plugin epsilon in " + at + ": class org.slf4j.spi.FromTheFuture is missing "
                + "(java.lang.NoClassDefFoundError) while writing to epsilon:check.txt; org.slf4j.spi.FromTheFuture belongs to "
                + "slf4j-api, which plugins take from fanout itself, and this fanout's lacks it: the plugin was built against a newer "
                + "one (a copy in " + at + "/ is ignored); use a fanout whose API matches the plugin's, or a build of the plugin for "
                + "this fanout");
    }

    /**
     * A plugin {@code name} declaring {@link dev.fanout.api.Capability#READ} whose writer keeps the
     * packets written and reads them back, each row's values passed through {@code change} (Java
     * statements over {@code Object[] row}) first.
     */
    private Path readingPlugin(String name, String change) throws Exception {
        String provider = name + ".MemoryProvider";
        String source = """
                package %1$s;

                import dev.fanout.api.*;
                import java.nio.file.Path;
                import java.util.*;

                public final class MemoryProvider implements WriterProvider {
                    public String scheme() { return "%1$s"; }
                    public List<String> validate(Destination d) { return List.of(); }
                    public String physicalTarget(Destination d) { return d.uri(); }
                    public Set<Capability> capabilities() { return Set.of(Capability.READ); }
                    public Optional<Destination> selfCheckDestination(Path scratch) {
                        return Optional.of(Destination.of("self_check", "%1$s:memory", scratch));
                    }
                    public BaseWriter create(Destination d) {
                        List<FramePacket> stored = new ArrayList<>();
                        TableReader reader = new TableReader() {
                            public List<String> tables() { return List.of(); }
                            public Optional<Schema> schema(String table) { return Optional.empty(); }
                            public long count(String table, RowFilter rows) { return stored.size(); }
                            public long delete(String table, RowFilter rows) { return 0; }
                            public void scan(String table, RowFilter rows, Optional<List<Object>> afterKey, int batchRows,
                                             PacketSink sink) throws WriteException {
                                for (FramePacket p : stored) {
                                    Object[] row = new Object[p.schema().width()];
                                    for (int c = 0; c < row.length; c++) {
                                        row[c] = p.value(0, c);
                                    }
                                    %2$s
                                    sink.accept(FramePacket.builder(p.table(), p.schema()).addRow(row).build());
                                }
                            }
                        };
                        return new BaseWriter() {
                            public void open() { }
                            public void write(WriteBatch batch) { stored.addAll(batch.packets()); }
                            public Optional<TableReader> reader() { return Optional.of(reader); }
                            public void close() { }
                        };
                    }
                }
                """.formatted(name, change);
        return jar(plugins.resolve(name).resolve("writer-" + name + ".jar"), Map.of(provider, source), pluginResources(name, API, provider));
    }

    @Test
    void aReadingPluginReadsTheRowBackWithEveryValueAsWritten() throws Exception {
        readingPlugin("zeta", "");

        PluginCheck.Outcome outcome = PluginCheck.check(plugins.resolve("zeta"));

        assertThat(outcome.detail()).as(outcome.line()).endsWith("zeta:memory opened, took a row of every logical type, read it back, "
                + "closed");
        assertThat(outcome.ok()).isTrue();
    }

    @Test
    void aReadingPluginThatReadsAValueBackChangedFailsNamingTheColumn() throws Exception {
        readingPlugin("eta", "row[5] = \"changed\";");

        PluginCheck.Outcome outcome = PluginCheck.check(plugins.resolve("eta"));

        assertThat(outcome.ok()).isFalse();
        assertThat(outcome.detail()).isEqualTo("reading back column name (string) of eta:memory gave changed, not the fanout's check ✓ "
                + "written; fix the plugin's type mapping");
    }

    @Test
    void theClassLoadersOfTheCheckAreClosedWhenItReturns() throws Exception {
        String provider = "theta.StampProvider";
        String source = lineWriterSource("theta", "StampProvider", "theta", "1")
                .replace("    public String scheme()", """
                            public StampProvider() {
                                ((java.util.List<Object>) System.getProperties().get("fanout.test.loaders")).add(getClass().getClassLoader());
                            }
                            public String scheme()""");
        jar(plugins.resolve("theta/writer-theta.jar"), Map.of(provider, source), pluginResources("theta", API, provider));
        List<Object> loaders = new java.util.concurrent.CopyOnWriteArrayList<>();
        System.getProperties().put("fanout.test.loaders", loaders);
        try {
            PluginCheck.Report report = PluginCheck.checkAll(plugins);

            assertThat(report.ok()).as(report.lines().toString()).isTrue();
            assertThat(loaders).as("the check's loader and the registry's").hasSize(2).allSatisfy(loader ->
                    assertThat(((ClassLoader) loader).getResource(PluginDescriptor.PATH)).as("a resource of a closed loader").isNull());
        } finally {
            System.getProperties().remove("fanout.test.loaders");
        }
    }

    @Test
    void pluginsThatEachPassButClaimOneSchemeFailTogetherAndAreCountedAsPlugins() throws Exception {
        for (String name : List.of("one", "two")) {
            String provider = name + ".SameProvider";
            jar(plugins.resolve(name).resolve("writer-" + name + ".jar"),
                    Map.of(provider, lineWriterSource(name, "SameProvider", "same", "1")), pluginResources(name, API, provider));
        }

        PluginCheck.Report report = PluginCheck.checkAll(plugins);

        assertThat(report.ok()).isFalse();
        assertThat(report.plugins()).extracting(PluginCheck.Outcome::plugin).containsExactly("one", "two");
        assertThat(report.failed()).isEmpty();
        List<String> lines = report.lines();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(2)).startsWith("FAILED together in " + plugins + ": two writer plugins claim scheme 'same'");
        assertThat(lines.get(3)).isEqualTo("2 plugins checked in " + plugins + ": each ok alone, not together");
    }

    @Test
    void aDirectoryThatDoesNotLoadFailsWithTheLoadersReason() throws Exception {
        Files.createDirectories(plugins.resolve("empty"));

        PluginCheck.Outcome outcome = PluginCheck.check(plugins.resolve("empty"));

        assertThat(outcome.ok()).isFalse();
        assertThat(outcome.detail()).contains("holds no jar");
    }

    @Test
    void theCheckedRowHasAColumnOfEveryLogicalTypeKind() {
        assertThat(PluginCheck.EVERY_TYPE.columns()).extracting(Column::type).extracting(LogicalType::kind)
                .containsExactlyInAnyOrder(LogicalType.Kind.values());
        assertThat(Arrays.stream(LogicalType.Kind.values())).hasSize(PluginCheck.EVERY_TYPE.width());
    }
}
