package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fanout plugins} from the unpacked tarball: every built-in writer is found in its own directory. */
class PluginsCommandTest {

    private static Installation installation;

    @TempDir
    java.nio.file.Path work;

    @BeforeAll
    static void unpack() throws Exception {
        installation = Installation.unpack();
    }

    @Test
    void everyBuiltInPluginIsListedFromItsDirectoryInTheInstallation() throws Exception {
        Installation.Run r = installation.fanout(work, Map.of(), "plugins");

        assertThat(r.code()).as(r.output()).isZero();
        for (String[] plugin : new String[][] {{"duckdb", "duckdb"}, {"md", "motherduck"}, {"ch", "clickhouse"}}) {
            assertThat(r.out().lines()).as(r.output()).anyMatch(l -> l.startsWith(plugin[0] + " ") && l.contains(" " + plugin[1] + " ")
                    && l.contains(installation.home().resolve("plugins").resolve(plugin[1]).toString()));
        }
    }
}
