package dev.fanout.cli;

import dev.fanout.api.IdentifierComparison;
import dev.fanout.cli.IdentifierCasePropertyTest.Scenario;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseServerExtension;
import dev.fanout.writer.clickhouse.ClickHouseTables;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link IdentifierCasePropertyTest}'s scenarios against a real ClickHouse server (the JVM's shared
 * test server), whose names are case-sensitive: every spelling is a table or column of its own, so
 * the database equals the model with nothing refused, and nothing is parked.
 */
class IdentifierCaseClickHousePropertyTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Property(tries = 25, shrinking = ShrinkingMode.BOUNDED)
    void clickHouseEqualsTheModelWithEverySpellingStoredAndNothingParked(@ForAll("scenarios") Scenario scenario) throws Exception {
        ClickHouseServer server = ClickHouseServerExtension.server();
        String database = "case_property_" + DATABASES.incrementAndGet();
        Path dir = Files.createTempDirectory("fanout-case-property-ch");
        try {
            IdentifierCasePropertyTest.check(scenario, dir, server.uri(database), IdentifierComparison.EXACT, () -> stored(server, database));
        } finally {
            IdentifierCasePropertyTest.delete(dir);
            server.query("DROP DATABASE IF EXISTS " + database);
        }
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        return IdentifierCasePropertyTest.scenarioArbitrary();
    }

    /** Every table of {@code database}, read with FINAL, in the form {@link IdentifierCasePropertyTest} compares. */
    private static Map<String, Object> stored(ClickHouseServer server, String database) throws Exception {
        Map<String, Object> tables = new TreeMap<>();
        for (String[] t : server.rows("SELECT name FROM system.tables WHERE database = '" + database + "'")) {
            List<String> columns = new ArrayList<>();
            for (String[] c : server.rows("SELECT name FROM system.columns WHERE database = '" + database + "' AND table = '"
                    + t[0].replace("\\", "\\\\").replace("'", "\\'") + "'")) {
                columns.add(c[0]);
            }
            Map<Long, Map<String, Object>> rows = new TreeMap<>();
            for (Map<String, Object> row : ClickHouseTables.rows(server, database, t[0])) {
                rows.put((Long) row.get("id"), new TreeMap<>(row));
            }
            tables.put(t[0], List.of(new TreeSet<>(columns), rows));
        }
        return tables;
    }
}
