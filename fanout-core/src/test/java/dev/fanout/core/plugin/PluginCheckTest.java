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
                + "and link; alpha:check.txt opened, took a row of every logical type, closed");
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
                + "(java.lang.NoClassDefFoundError) while linking beta.StampProvider of writer-beta.jar; add the jar that contains "
                + "shared.Stamp to " + plugins.resolve("beta") + "/");
    }

    @Test
    void aRetryableWriteFailureIsWhatAServersClientMeetsWithNobodyListeningAndPasses() throws Exception {
        String provider = "gamma.GammaProvider";
        String source = lineWriterSource("gamma", "GammaProvider", "gamma", "1")
                .replace("    public String scheme()", SELF_CHECK.formatted("gamma"))
                .replace("public void write(WriteBatch batch) throws WriteException {",
                        "public void write(WriteBatch batch) throws WriteException {\n"
                                + "if (batch != null) throw WriteException.retryable(\"connection refused\", null);");
        jar(plugins.resolve("gamma/writer-gamma.jar"), Map.of(provider, source), pluginResources("gamma", API, provider));

        List<PluginCheck.Outcome> outcomes = PluginCheck.checkAll(plugins);

        assertThat(outcomes).extracting(PluginCheck.Outcome::line).containsExactly("ok plugin gamma in " + plugins.resolve("gamma")
                + ": 2 classes of writer-gamma.jar load and link; gamma:check.txt opened, its write refused as expected (retryable: "
                + "nothing listens there), closed");
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
