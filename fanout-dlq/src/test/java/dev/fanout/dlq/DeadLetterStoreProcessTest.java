package dev.fanout.dlq;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real second processes: the lock across processes, and a kill -9 while parking or compacting. */
@Timeout(120)
class DeadLetterStoreProcessTest {

    @TempDir
    Path tmp;

    @Test
    void anotherProcessHoldingTheStoreIsNamedInTheError() throws Exception {
        Path dir = tmp.resolve("dlq");
        Process holder = start("hold", dir);
        try {
            BufferedReader out = stdout(holder);
            assertThat(out.readLine()).as(stderr("hold")).isEqualTo("READY");

            assertThatThrownBy(() -> DeadLetterStore.open(dir))
                    .isInstanceOf(DeadLetterStoreLockedException.class)
                    .hasMessageContaining("dead-letter store " + dir)
                    .hasMessageContaining("in use by another fanout process")
                    .hasMessageContaining("pid " + holder.pid())
                    .hasMessageContaining("dlq.path");
            try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
                assertThat(reader.tables()).isEmpty();
            }
        } finally {
            holder.getOutputStream().close();
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            assertThat(store.isReadOnly()).isFalse();
        }
    }

    @Test
    void aRefusedSecondOpenInThisProcessDoesNotReleaseTheLock() throws Exception {
        Path dir = tmp.resolve("dlq");
        try (DeadLetterStore first = DeadLetterStore.open(dir)) {
            assertThatThrownBy(() -> DeadLetterStore.open(dir)).isInstanceOf(DeadLetterStoreLockedException.class);
            Process child = start("try", dir);
            String line = stdout(child).readLine();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(line).as(stderr("try")).startsWith("LOCKED ")
                    .contains("pid " + ProcessHandle.current().pid());
        }
        Process child = start("try", dir);
        assertThat(stdout(child).readLine()).as(stderr("try")).isEqualTo("OPENED");
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void everyRecordAcknowledgedBeforeAKill9IsThereAfterwards() throws Exception {
        Path dir = tmp.resolve("dlq");
        Process parker = start("park", dir);
        List<String> acknowledged = new ArrayList<>();
        try {
            BufferedReader out = stdout(parker);
            String line;
            while (acknowledged.size() < 200 && (line = out.readLine()) != null) {
                acknowledged.add(line);
            }
        } finally {
            parker.destroyForcibly();
            assertThat(parker.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acknowledged).as(stderr("park")).hasSize(200);
        assertThat(parker.exitValue()).isEqualTo(137);

        Set<String> stored = new HashSet<>();
        Map<String, Integer> counts = new HashMap<>();
        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
            assertThat(reader.tables()).isNotEmpty().isSubsetOf("quotes", "trades");
            for (String table : reader.tables()) {
                List<DeadLetter> letters = reader.records(table);
                letters.forEach(l -> stored.add(l.id()));
                counts.put(table, letters.size());
                TableStats stats = reader.stats(table);
                assertThat(stats.corruptBytes()).isZero();
                assertThat(stats.count()).isEqualTo(letters.size());
            }
        }
        assertThat(stored).containsAll(acknowledged);

        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            for (String table : store.tables()) {
                store.park(SamplePackets.letter("after-crash-" + table, SamplePackets.versioned(table, "p", 1), "m"));
                assertThat(store.records(table)).hasSize(counts.get(table) + 1);
                TableStats stats = store.stats(table);
                assertThat(stats.corruptBytes()).isZero();
                assertThat(stats.tornTailBytes()).isZero();
            }
        }
    }

    /**
     * A child compacts one table again and again (every pass rewrites the whole file) and is killed
     * at a random moment after its second pass, so the kills land in the copy, the fsync or the
     * rename. Each time the store holds exactly the live records it held before, reads cleanly
     * without a writer, and the next writer removes the leftover.
     */
    @Test
    void aKill9DuringCompactionLosesNothingAndLeavesAReadableStore() throws Exception {
        Path dir = tmp.resolve("dlq");
        List<DeadLetter> live = new ArrayList<>();
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            for (int i = 0; i < 400; i++) {
                DeadLetter l = SamplePackets.letter("id-" + i, SamplePackets.versioned("trades", "p" + i, 300), "m " + i);
                store.park(l);
                if (i % 2 == 0) {
                    store.resolve("trades", l.id());
                } else {
                    live.add(l);
                }
            }
        }
        int leftoversSeen = 0;
        // at least 4 kills, and on until one has landed mid-copy: where a kill lands is chance
        for (int trial = 0; trial < 4 || (leftoversSeen == 0 && trial < 40); trial++) {
            Process compactor = start("compact", dir, "trades");
            try {
                BufferedReader out = stdout(compactor);
                assertThat(out.readLine()).as(stderr("compact")).isEqualTo("COMPACTED");
                assertThat(out.readLine()).as(stderr("compact")).isEqualTo("COMPACTED");
                Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(1, 60));
            } finally {
                compactor.destroyForcibly();
                assertThat(compactor.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(compactor.exitValue()).as(stderr("compact")).isEqualTo(137);
            if (Files.exists(dir.resolve("trades.dlq.tmp"))) {
                leftoversSeen++;
            }

            try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
                assertThat(reader.tables()).containsExactly("trades");
                List<DeadLetter> read = reader.records("trades");
                assertThat(read).extracting(DeadLetter::id).containsExactlyElementsOf(live.stream().map(DeadLetter::id).toList());
                for (int i = 0; i < read.size(); i++) {
                    SamplePackets.assertSame(read.get(i), live.get(i));
                }
                TableStats stats = reader.stats("trades");
                assertThat(stats.corruptBytes()).isZero();
                assertThat(stats.tornTailBytes()).isZero();
            }
            try (DeadLetterStore store = DeadLetterStore.open(dir)) {
                assertThat(dir.resolve("trades.dlq.tmp")).doesNotExist();
                assertThat(store.records("trades")).hasSize(live.size());
            }
        }
        assertThat(leftoversSeen).as("of up to 40 kills, those that landed before the rename, leaving a half-written copy").isPositive();
    }

    private Process start(String mode, Path dir, String... more) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), StoreProcess.class.getName(), mode, dir.toString()));
        command.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectError(tmp.resolve(mode + ".err").toFile());
        return pb.start();
    }

    private static BufferedReader stdout(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    private String stderr(String mode) {
        try {
            Path err = tmp.resolve(mode + ".err");
            return "child stderr: " + (Files.exists(err) ? Files.readString(err) : "(none)");
        } catch (IOException e) {
            return "child stderr unreadable: " + e;
        }
    }
}
