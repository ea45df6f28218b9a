package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.security.auth.module.UnixSystem;
import dev.fanout.cli.Examples;
import dev.fanout.cli.ThreeDestinations;
import dev.fanout.dlq.DeadLetter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination whose folder the user may not write, for real: root writes through mode bits, so
 * {@code bin/fanout} runs from the unpacked tarball as the unprivileged user {@code nobody} (uid and
 * gid 65534, through util-linux's {@code setpriv}), with the three destinations of
 * {@link ThreeDestinations} and the trades one's folder owned by root and not writable by that user.
 * The two others equal the expectation row by row, every trades row is parked with a reason naming
 * the file, DuckDB's "Permission denied" and what to do, the summary shows {@code trades_db} down, the run exits
 * 1; once the folder is given to the user ({@code chown}), {@code fanout dlq replay}, run as that user
 * too, lands them and every table equals the expectation.
 *
 * <p>Switching users needs root, which the test machines and CI have; run otherwise, the test fails
 * saying so rather than pass without having seen the refusal.
 */
class PermissionDeniedTest {

    private static final int NOBODY = 65534;
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    private static Installation installation;

    @TempDir
    Path work;

    @BeforeAll
    static void unpackForAnotherUser() throws IOException {
        assertThat(new UnixSystem().getUid()).as("this test runs bin/fanout as the unprivileged user nobody (uid " + NOBODY
                + ") to see a folder refuse it, and switching users needs root: run it as root (scripts/test-all and CI do)").isZero();
        assertThat(SETPRIV).as("setpriv switches to the user nobody: install util-linux").isExecutable();
        installation = Installation.unpack();
        // the temporary directory holding the installation is 0700 root: let the user reach bin/fanout
        Files.setPosixFilePermissions(installation.home().getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** {@code bin/fanout args...} in the work directory as {@code nobody}, with the work directory as its home. */
    private Installation.Run fanoutAsNobody(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(SETPRIV.toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--",
                installation.launcher().toString()));
        command.addAll(List.of(args));
        Map<String, String> env = new HashMap<>(SampleWork.environment(null));
        env.put("HOME", work.toString());
        return Installation.run(work, env, command);
    }

    private static void giveToNobody(Path tree) throws IOException {
        try (Stream<Path> files = Files.walk(tree)) {
            for (Path p : files.toList()) {
                Files.setAttribute(p, "unix:uid", NOBODY, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", NOBODY, LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    @Test
    void aFolderTheUserMayNotWriteParksItsPacketsWhileTheOthersCommitAndReplayLandsThemOnceItMay() throws Exception {
        SampleWork.copyExamples(installation, work);
        List<Path> inputs = SampleWork.inputs(work);
        Path topology = ThreeDestinations.topology(work, "three.yaml", "trades_db", "{ uri: \"duckdb:data/trades/trades.duckdb\" }");
        Examples.Tables expected = ThreeDestinations.expectation(inputs, "trades.duckdb");
        Path data = work.resolve("data");
        Path trades = data.resolve("trades");
        Files.createDirectories(data);
        giveToNobody(work);
        Files.createDirectory(trades);
        Files.setPosixFilePermissions(trades, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = trades.resolve("trades.duckdb");

        Installation.Run run = fanoutAsNobody(ThreeDestinations.ingest(topology, inputs));

        assertThat(run.code()).as(run.output()).isEqualTo(1);
        Examples.assertMatches(ThreeDestinations.withoutTrades(expected, "trades.duckdb"), Examples.readAll(data));
        assertThat(file).as("nothing of trades was written").doesNotExist();
        List<DeadLetter> parked = ThreeDestinations.parked(data.resolve("dlq"));
        assertThat(parked).as(run.output()).isNotEmpty().allSatisfy(d -> {
            assertThat(d.packet().table()).isEqualTo("trades");
            assertThat(d.destination()).isEqualTo("trades_db");
            assertThat(d.retryable()).as(d.message()).isFalse();
            assertThat(d.message()).startsWith("destination trades_db: cannot open DuckDB file " + file + ": ")
                    .contains("Permission denied").endsWith(" — the user running fanout must be able to write the file and its folder "
                            + trades + ": change their owner or mode, or give this destination a file in a folder it may write");
        });
        assertThat(parked.stream().mapToLong(d -> d.packet().rowCount()).sum()).isEqualTo(ThreeDestinations.tradeRows(inputs));
        assertThat(run.out()).as(run.output()).containsPattern("trades_db +down ").contains("trades_db is down, its writer did not open: ")
                .containsPattern("quotes_db +up ").containsPattern("main_db +up ");
        assertThat(run.err()).as(run.output()).contains("table trades:").contains("Permission denied").contains(file.toString())
                .contains("fanout dlq replay");

        giveToNobody(trades);
        Installation.Run replay = fanoutAsNobody("dlq", "replay", "--no-progress", "--topology", topology.toString());

        assertThat(replay.code()).as(replay.output()).isZero();
        assertThat(replay.out()).as(replay.output()).containsPattern("trades_db +up ");
        Examples.Tables stored = Examples.readAll(data);
        stored.putAll(Examples.readAll(trades));
        Examples.assertMatches(expected, stored);
        assertThat(ThreeDestinations.parked(data.resolve("dlq"))).isEmpty();
        assertThat(Files.getAttribute(file, "unix:uid")).as("the replay ran as nobody").isEqualTo(NOBODY);
    }
}
