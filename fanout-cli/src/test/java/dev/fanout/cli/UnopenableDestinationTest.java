package dev.fanout.cli;

import dev.fanout.dlq.DeadLetter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Random;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A destination that cannot be opened when an ingest starts is a failing destination, not a failed
 * run: three DuckDB destinations, the trades one unusable in each way a new user meets, and every
 * table of the two others equals the expectation row by row, the trades packets are parked with the
 * open error as the reason, and after the cause is gone {@code fanout dlq replay} lands them.
 *
 * <p>A folder the user may not write is not here: these tests run as root, which writes through mode
 * bits. distribution-tests' {@code PermissionDeniedTest} runs that case from the tarball as an
 * unprivileged user.
 */
@Timeout(180)
class UnopenableDestinationTest {

    @TempDir
    Path work;

    private Path data() {
        return work.resolve("data");
    }

    /** Where trades go: a file in a folder of its own, so each case can spoil folder or file. */
    private Path tradesDir() {
        return data().resolve("trades");
    }

    private Path topology() throws IOException {
        return ThreeDestinations.topology(work, "three.yaml", "trades_db", "{ uri: \"duckdb:data/trades/trades.duckdb\" }");
    }

    private Examples.Tables everything() throws Exception {
        Examples.Tables all = Examples.readAll(data());
        if (Files.isDirectory(tradesDir())) {
            all.putAll(Examples.readAll(tradesDir()));
        }
        return all;
    }

    private List<DeadLetter> parkedTrades() throws IOException {
        return ThreeDestinations.parked(data().resolve("dlq")).stream().filter(d -> d.packet().table().equals("trades")).toList();
    }

    /**
     * Ingests day 1 with trades_db broken by {@code breakIt}; checks the others, the parked trades and
     * their reason; mends it with {@code mend}; replays; checks every table.
     */
    private void brokenThenReplayed(ThrowingRunnable breakIt, ThrowingRunnable mend, String... reasonWords) throws Exception {
        Path topology = topology();
        List<Path> inputs = Examples.inputs("day1", "day2");
        Examples.Tables expected = ThreeDestinations.expectation(inputs, "trades.duckdb");
        Files.createDirectories(data());
        breakIt.run();

        CliRun run = fanout(ThreeDestinations.ingest(topology, inputs));

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(1);
        Examples.Tables others = Examples.readAll(data());
        Examples.assertMatches(ThreeDestinations.withoutTrades(expected, "trades.duckdb"), others);
        List<DeadLetter> parked = parkedTrades();
        assertThat(parked).isNotEmpty().allSatisfy(d -> {
            assertThat(d.destination()).isEqualTo("trades_db");
            assertThat(d.message()).contains(reasonWords);
        });
        assertThat(parked.stream().mapToLong(d -> d.packet().rowCount()).sum()).isEqualTo(ThreeDestinations.tradeRows(inputs));
        assertThat(run.out()).containsPattern("trades_db +down ").contains("trades_db is down, its writer did not open: ")
                .containsPattern("quotes_db +up ").containsPattern("main_db +up ");
        assertThat(run.err()).contains("table trades:").contains(reasonWords).contains("fanout dlq replay");

        mend.run();
        CliRun replay = fanout("dlq", "replay", "--no-progress", "--topology", topology.toString());

        assertThat(replay.code()).as(replay.out() + replay.err()).isEqualTo(0);
        assertThat(replay.out()).containsPattern("trades_db +up ");
        Examples.assertMatches(expected, everything());
        assertThat(parkedTrades()).isEmpty();
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void itsFolderIsAPlainFile() throws Exception {
        brokenThenReplayed(() -> Files.writeString(tradesDir(), "not a folder"),
                () -> Files.delete(tradesDir()),
                "cannot create the directory of DuckDB file");
    }

    @Test
    void itsFileIsNotADuckDbDatabase() throws Exception {
        Path file = tradesDir().resolve("trades.duckdb");
        brokenThenReplayed(() -> {
            Files.createDirectories(tradesDir());
            byte[] noise = new byte[64 * 1024];
            new Random(14).nextBytes(noise);
            Files.write(file, noise);
        }, () -> Files.delete(file), "cannot open DuckDB file", "trades.duckdb");
    }

    @Test
    void itsFileIsLockedByAnotherProcess() throws Exception {
        Path file = tradesDir().resolve("trades.duckdb");
        DuckDbLockHolder[] holder = new DuckDbLockHolder[1];
        try {
            brokenThenReplayed(() -> {
                Files.createDirectories(tradesDir());
                holder[0] = DuckDbLockHolder.start(file);
            }, () -> {
                holder[0].close();
                // the holder's own table, which the expectation does not know
                try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
                    s.execute("DROP TABLE held");
                }
            }, "is locked by another process (PID ");
        } finally {
            if (holder[0] != null) {
                holder[0].close();
            }
        }
    }

    @Test
    void requireAllDestinationsWritesNothingAndExitsTwoNamingTheDestination() throws Exception {
        Path topology = topology();
        Path file = tradesDir().resolve("trades.duckdb");
        Files.createDirectories(tradesDir());
        try (DuckDbLockHolder holder = DuckDbLockHolder.start(file)) {
            CliRun run = fanout(ThreeDestinations.ingest(topology, Examples.inputs("day1", "day2"), "--require-all-destinations"));

            assertThat(run.code()).as(run.out() + run.err()).isEqualTo(2);
            assertThat(run.err()).startsWith("fanout ingest: could not open 1 destination: destination trades_db: ")
                    .contains("is locked by another process (PID " + holder.pid() + ")");
            Examples.Tables written = Examples.readAll(data());
            assertThat(written.values()).allSatisfy(tables -> assertThat(tables).isEmpty());
            assertThat(parkedTrades()).isEmpty();

            CliRun lenient = fanout(ThreeDestinations.ingest(topology, Examples.inputs("day1", "day2")));
            assertThat(lenient.code()).as(lenient.out() + lenient.err()).isEqualTo(1);
            long parked = parkedTrades().size();
            assertThat(parked).isPositive();

            CliRun replay = fanout("dlq", "replay", "--no-progress", "--topology", topology.toString(), "--require-all-destinations");
            assertThat(replay.code()).as(replay.out() + replay.err()).isEqualTo(2);
            assertThat(replay.err()).startsWith("fanout dlq replay: could not open 1 destination: destination trades_db: ")
                    .contains("is locked by another process");
            assertThat(parkedTrades()).hasSize((int) parked).allSatisfy(d -> assertThat(d.attempts()).isEqualTo(2));
        }
    }
}
