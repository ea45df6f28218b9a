package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fanout plugins --check} from the unpacked tarball: the installation as built passes; one
 * whose {@code plugins/clickhouse/} lost its Guava jar fails with exit 2, naming the plugin and the
 * missing package.
 *
 * <p>Written ahead of the option: {@code plugins --check} and the self-contained plugin directories
 * (Guava in {@code plugins/clickhouse/}) arrive with the packaging change of issue 13; until that is
 * merged these tests fail (unknown option, and no Guava jar to delete).
 */
class PluginsCheckTest {

    @TempDir
    Path work;

    @Test
    void theInstallationAsBuiltPassesTheCheck() throws Exception {
        Installation installation = Installation.unpack();

        Installation.Run r = installation.fanout(work, SampleWork.environment(null), "plugins", "--check");

        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.out()).as(r.output()).contains("clickhouse").contains("duckdb").contains("motherduck");
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
        assertThat(r.out() + r.err()).as(r.output()).contains("clickhouse").containsPattern("com[./]google[./]common");
    }
}
