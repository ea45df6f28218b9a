package dev.fanout.cli;

import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static dev.fanout.cli.CliRun.fanout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code fanout ingest} tells the user when a file cannot be read or a destination or the
 * dead-letter folder cannot be written: the file and the line, the column and the value where DuckDB
 * names them, and the cause DuckDB gives on the lines after its first — in a few lines, with no stack
 * trace.
 */
@Timeout(120)
class MessagesKeepTheCauseTest {

    @TempDir
    Path dir;

    private Path topology(String dlq, String destination) throws IOException {
        Path t = dir.resolve("t.yaml");
        Files.writeString(t, """
                version: 1
                destinations:
                  main_db: { uri: "duckdb:%s" }
                default: main_db
                dlq: { path: %s }
                tables:
                  big: { primary_key: [id] }
                  latin: { primary_key: [id] }
                  amounts: { primary_key: [id] }
                  rows: { primary_key: [id] }
                """.formatted(destination, dlq));
        return t;
    }

    private Path topology() throws IOException {
        return topology("data/dlq", "data/main.duckdb");
    }

    private CliRun ingest(Path topology, Path file) {
        return fanout("ingest", "--topology", topology.toString(), "--no-progress", file.toString());
    }

    /** No stack trace, and the error itself on at most a few lines. */
    private static void assertShort(CliRun r) {
        assertShort(r, "fanout ingest:");
    }

    /** No stack trace, and one line on standard error, starting with {@code prefix}, that is the error, not too long. */
    private static void assertShort(CliRun r, String prefix) {
        assertThat(r.out() + r.err()).doesNotContain("at dev.").doesNotContain("Exception in thread").doesNotContain("\tat ");
        assertThat(r.err().lines().filter(l -> l.startsWith(prefix)).toList()).hasSize(1)
                .allSatisfy(l -> assertThat(l).hasSizeLessThan(700));
    }

    @Test
    void aValueLongerThanDuckDbsMaximumLineSizeIsNamedAsSuch() throws IOException {
        Path big = dir.resolve("big.csv");
        Files.writeString(big, "id,payload\n1,a\n2," + "x".repeat(3_000_000) + "\n3,c\n");

        CliRun r = ingest(topology(), big);

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("refused " + big + ": line 3: ").contains("Maximum line size of 2000000 bytes exceeded");
        assertShort(r, "refused ");
    }

    @Test
    void latin1BytesAreNamedAsAnEncodingProblemOnTheirLine() throws IOException {
        Path latin = dir.resolve("latin.csv");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("id,name\n1,a\n2,b\n3,c\n4,d\n5,e\n6,f\n7,g\n".getBytes(StandardCharsets.US_ASCII));
        bytes.writeBytes("8,caf\u00e9\n9,h\n".getBytes(StandardCharsets.ISO_8859_1));
        Files.write(latin, bytes.toByteArray());

        CliRun r = ingest(topology(), latin);

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("refused " + latin + ": line 9: not utf-8 encoded");
        assertShort(r, "refused ");
    }

    /**
     * Types are inferred from the whole file, so a value that does not fit the type of the rows before
     * it makes the column text instead of failing the read after 30,000 rows were sent.
     */
    @Test
    void aNonNumericValueLateInANumericColumnMakesTheColumnText() throws Exception {
        Path amounts = dir.resolve("amounts.csv");
        StringBuilder csv = new StringBuilder("id,amount\n");
        for (int i = 1; i <= 30_000; i++) {
            csv.append(i).append(',').append(i * 10).append('\n');
        }
        csv.append("30001,oops\n");
        Files.writeString(amounts, csv);

        CliRun r = ingest(topology(), amounts);

        assertThat(r.code()).as(r.err()).isZero();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("data/main.duckdb"));
             java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT count(*), max(amount) FILTER (WHERE id = 30001), "
                     + "max(amount) FILTER (WHERE id = 7), typeof(any_value(amount)) FROM amounts")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(30_001);
            assertThat(rs.getString(2)).isEqualTo("oops");
            assertThat(rs.getString(3)).isEqualTo("70");
            assertThat(rs.getString(4)).isEqualTo("VARCHAR");
        }
    }

    @Test
    void aDeadLetterFolderThatCannotBeCreatedSaysWhatFailedAndWhy() throws IOException {
        Files.writeString(dir.resolve("plain"), "a file where a folder should be");
        Path amounts = dir.resolve("amounts.csv");
        Files.writeString(amounts, "id,amount\n1,10\n");

        CliRun r = ingest(topology("plain/dlq", "data/main.duckdb"), amounts);

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("dead-letter store " + dir.resolve("plain/dlq")).contains("cannot create its directory")
                .contains(dir.resolve("plain") + ": a file (not a directory) is in the way");
        assertShort(r);
    }

    /**
     * A real full disk (a 1 MiB tmpfs; needs root and {@code mount}; without them the test fails saying so): the parked
     * packets' reason, as {@code fanout dlq show} prints it, says "No space left on device".
     */
    @Test
    void aFullDiskIsNamedInTheReasonOfEveryParkedPacket() throws Exception {
        Path mount = dir.resolve("full");
        Files.createDirectories(mount);
        org.assertj.core.api.Assertions.assertThat(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()))
                .as("mounting a 1 MiB tmpfs (how this test makes a real full or read-only file system) failed: the test suite needs root and mount; run it as root (scripts/test-all does on the project's machines)").isTrue();
        try {
            Path rows = dir.resolve("rows.csv");
            StringBuilder csv = new StringBuilder("id,payload\n");
            Random random = new Random(1);
            for (int i = 1; i <= 100_000; i++) {
                csv.append(i).append(',').append(Long.toHexString(random.nextLong())).append(Long.toHexString(random.nextLong())).append('\n');
            }
            Files.writeString(rows, csv);
            Path t = topology("data/dlq", "full/main.duckdb");
            Files.writeString(t, Files.readString(t) + "retry: { max_attempts: 2, initial_backoff: 10ms, max_backoff: 20ms }\n");

            CliRun r = fanout("ingest", "--topology", t.toString(), "--no-progress", "--packet-rows=2000", rows.toString());

            assertThat(r.code()).as(r.err()).isEqualTo(1);
            assertThat(r.out() + r.err()).doesNotContain("at dev.").doesNotContain("Exception in thread");
            List<DeadLetter> parked;
            try (DeadLetterStore store = DeadLetterStore.openReadOnly(dir.resolve("data/dlq"))) {
                parked = store.records("rows");
            }
            assertThat(parked).isNotEmpty();
            assertThat(parked).allSatisfy(d -> assertThat(d.message()).contains("No space left on device"));
            CliRun show = fanout("dlq", "--topology", t.toString(), "show", "--id", parked.get(parked.size() - 1).id(), "--max-rows", "1");
            assertThat(show.out()).contains("No space left on device");
        } finally {
            run("umount", "-l", mount.toString());
        }
    }

    private static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
