package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fanout plugins --check} from the unpacked tarball: the installation as built passes, each
 * plugin on a line of its own; one whose {@code plugins/clickhouse/} lost its Guava jar (which the
 * ClickHouse client needs as it is built) fails with exit 2, naming the plugin, its directory, the
 * missing class and the jar to add, while the other plugins still pass.
 */
class PluginsCheckTest {

    @TempDir
    Path work;

    @Test
    void theInstallationAsBuiltPassesTheCheck() throws Exception {
        Installation installation = Installation.unpack();

        Installation.Run r = installation.fanout(work, SampleWork.environment(null), "plugins", "--check");

        assertThat(r.code()).as(r.output()).isZero();
        Path plugins = installation.home().resolve("plugins");
        assertThat(r.out().lines()).as(r.output())
                .anyMatch(l -> l.matches("ok plugin clickhouse in " + quote(plugins.resolve("clickhouse")) + ": .*ch://127\\.0\\.0\\.1:\\d+/fanout_check opened.*"))
                .anyMatch(l -> l.matches("ok plugin duckdb in " + quote(plugins.resolve("duckdb")) + ": .*read it back, closed"))
                .anyMatch(l -> l.matches("ok plugin motherduck in " + quote(plugins.resolve("motherduck")) + ": .*read it back, closed"))
                .contains("3 plugins checked in " + plugins + ": all ok");
    }

    @Test
    void aClickHousePluginWithoutGuavaFailsTheCheckNamingThePluginAndTheMissingPackage() throws Exception {
        Installation installation = Installation.unpack();
        Path plugin = installation.home().resolve("plugins/clickhouse");
        List<Path> guava;
        try (Stream<Path> jars = Files.list(plugin)) {
            guava = jars.filter(p -> p.getFileName().toString().matches("guava-.*\\.jar")).toList();
        }
        assertThat(guava).as("the Guava jar in " + plugin + " (client-v2 needs it)").isNotEmpty();
        for (Path jar : guava) {
            Files.delete(jar);
        }

        Installation.Run r = installation.fanout(work, SampleWork.environment(null), "plugins", "--check");

        assertThat(r.code()).as(r.output()).isEqualTo(2);
        Path plugins = installation.home().resolve("plugins");
        assertThat(r.out().lines()).as(r.output())
                .anyMatch(l -> l.matches("FAILED plugin clickhouse in " + quote(plugin) + ": class com\\.google\\.common\\.collect\\.ImmutableList "
                        + "is missing \\(java\\.lang\\.NoClassDefFoundError\\) while opening ch://127\\.0\\.0\\.1:\\d+/fanout_check; "
                        + "add the jar that contains com\\.google\\.common\\.collect\\.ImmutableList to " + quote(plugin) + "/"))
                .anyMatch(l -> l.startsWith("ok plugin duckdb in "))
                .anyMatch(l -> l.startsWith("ok plugin motherduck in "))
                .contains("3 plugins checked in " + plugins + ": 1 failed (clickhouse)");
    }

    private static String quote(Path path) {
        return java.util.regex.Pattern.quote(path.toString());
    }
}
