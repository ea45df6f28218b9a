package dev.fanout.core.plugin;

import static dev.fanout.core.plugin.PluginJars.jar;
import static dev.fanout.core.plugin.PluginJars.lineWriterSource;
import static dev.fanout.core.plugin.PluginJars.pluginResources;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.api.ApiVersion;
import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.core.Fanout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two plugins carrying incompatible versions of one library ({@code shared.Stamp}: v1 has
 * {@code of(long)}, v2 only {@code of(long, String)}) serve one topology side by side: each plugin's
 * writer links against its own copy, so a wrong one would fail with {@code NoSuchMethodError}.
 */
class ConflictingLibraryVersionsTest {

    private static final String API = ApiVersion.current().toString();
    private static final Schema IDS = Schema.of(List.of(Column.of("id", LogicalType.INT64)), List.of("id"));

    @TempDir
    Path dir;

    private Path library(String name, String source) throws Exception {
        return jar(dir.resolve("libs").resolve(name), Map.of("shared.Stamp", source), Map.of());
    }

    @Test
    void twoPluginsWithConflictingVersionsOfOneLibraryWriteThroughOneTopology() throws Exception {
        Path v1 = library("stamp-1.0.jar", """
                package shared;
                public final class Stamp {
                    public static String of(long id) { return "v1:" + id; }
                }
                """);
        Path v2 = library("stamp-2.0.jar", """
                package shared;
                public final class Stamp {
                    public static String of(long id, String prefix) { return prefix + "[" + id + "]"; }
                }
                """);
        Path plugins = dir.resolve("plugins");
        jar(plugins.resolve("alpha/writer-alpha.jar"), Map.of("alpha.AlphaProvider",
                lineWriterSource("alpha", "AlphaProvider", "alpha", "shared.Stamp.of(id)")), pluginResources("alpha", API, "alpha.AlphaProvider"), v1);
        Files.copy(v1, plugins.resolve("alpha/stamp-1.0.jar"));
        jar(plugins.resolve("beta/writer-beta.jar"), Map.of("beta.BetaProvider",
                lineWriterSource("beta", "BetaProvider", "beta", "shared.Stamp.of(id, \"v2\")")), pluginResources("beta", API, "beta.BetaProvider"), v2);
        Files.copy(v2, plugins.resolve("beta/stamp-2.0.jar"));
        Path topology = Files.writeString(dir.resolve("topology.yaml"), """
                version: 1
                destinations:
                  a_out: { uri: "alpha:out/a.txt" }
                  b_out: { uri: "beta:out/b.txt" }
                routes:
                  - { match: { table: left }, to: a_out }
                  - { match: { table: right }, to: b_out }
                default: a_out
                """);
        Files.createDirectories(dir.resolve("out"));
        assertThatThrownBy(() -> getClass().getClassLoader().loadClass("shared.Stamp")).isInstanceOf(ClassNotFoundException.class);

        try (Fanout fanout = Fanout.builder().topology(topology).pluginDirectory(plugins).build()) {
            assertThat(fanout.submit(FramePacket.builder("left", IDS).addRow(1L).addRow(2L).build()).get().isCommitted()).isTrue();
            assertThat(fanout.submit(FramePacket.builder("right", IDS).addRow(3L).build()).get().isCommitted()).isTrue();
            assertThat(fanout.submit(FramePacket.builder("left", IDS).addRow(4L).build()).get().isCommitted()).isTrue();
        }

        assertThat(Files.readAllLines(dir.resolve("out/a.txt"))).containsExactly("left 1 v1:1", "left 2 v1:2", "left 4 v1:4");
        assertThat(Files.readAllLines(dir.resolve("out/b.txt"))).containsExactly("right 3 v2[3]");
    }
}
