package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The unpacked tarball's THIRD-PARTY, beside LICENSE: a line for every jar it ships in lib/ and plugins/NAME/, with a license. */
class ThirdPartyListTest {

    private static Installation installation;

    @BeforeAll
    static void unpack() throws Exception {
        installation = Installation.unpack();
    }

    @Test
    void everyShippedJarIsListedWithItsCoordinatesAndALicense() throws Exception {
        Path home = installation.home();
        assertThat(home.resolve("LICENSE")).isRegularFile();
        Path list = home.resolve("THIRD-PARTY");
        assertThat(list).as("THIRD-PARTY in the installation's root").isRegularFile();
        Map<String, String> listed = new TreeMap<>();
        for (String line : Files.readAllLines(list)) {
            String[] cells = line.split("  ", 3);
            if (cells.length == 3 && cells[0].endsWith(".jar")) {
                listed.put(cells[0], cells[2]);
                assertThat(cells[1]).as(line).matches("[\\w.-]+:[\\w.-]+:[\\w.-]+");
            }
        }
        List<String> shipped = new ArrayList<>();
        try (Stream<Path> files = Stream.concat(Files.list(home.resolve("lib")), Files.walk(home.resolve("plugins"), 2))) {
            files.filter(p -> p.toString().endsWith(".jar")).forEach(p -> shipped.add(home.relativize(p).toString()));
        }

        assertThat(shipped).as("jars in lib/ and plugins/").hasSizeGreaterThan(10).anyMatch(j -> j.startsWith("plugins/clickhouse/"));
        assertThat(listed.keySet()).as(Files.readString(list)).containsExactlyInAnyOrderElementsOf(shipped);
        assertThat(listed).allSatisfy((jar, license) -> assertThat(license).as(jar).isNotBlank());
        assertThat(listed).as("picocli, under Apache 2.0").anySatisfy((jar, license) -> {
            assertThat(jar).startsWith("lib/picocli-");
            assertThat(license).containsIgnoringCase("Apache");
        });
    }
}
