package dev.fanout.dlq;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static dev.fanout.dlq.SamplePackets.assertSame;
import static dev.fanout.dlq.SamplePackets.letter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DeadLetterStoreTest {

    @TempDir
    Path tmp;

    @Test
    void everyLogicalTypeRoundTripsExactly() throws IOException {
        Path dir = tmp.resolve("dlq");
        DeadLetter parked = new DeadLetter(DeadLetterStore.newId(), SamplePackets.everyType(), null, "DataError",
                "row 2: null key \u4e2d\uD83D\uDE00", false, 0, Instant.ofEpochSecond(-5, 7), Instant.ofEpochSecond(1, 999_999_999));
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            store.park(parked);
            assertSame(store.records("trades").get(0), parked);
        }
        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
            List<DeadLetter> read = reader.records("trades");
            assertThat(read).hasSize(1);
            assertSame(read.get(0), parked);
            assertThat(read.get(0).destination()).isNull();
            assertThat(read.get(0).packet().domain()).contains("markets");
        }
    }

    @Test
    void valuesOfTheWrongTypeAreKeptAsSubmitted() throws IOException {
        double nanWithPayload = Double.longBitsToDouble(0x7ff8_0000_0000_0001L);
        FramePacket bad = FramePacket.builder("t", SamplePackets.EVERY_TYPE).packetId("bad")
                .addRow("not-a-long", 1, "x", 2.5, nanWithPayload, 3L, 4, "2026-01-01", LocalDate.of(2026, 1, 1),
                        "bytes?", new byte[] {9})
                .addRow(1L, null, null, null, null, null, "lone \uD800 surrogate \uDC00 here", null,
                        Instant.ofEpochSecond(0, 1), null, null)
                .build();
        try (DeadLetterStore store = DeadLetterStore.open(tmp)) {
            store.park(letter("bad-1", bad, "expected int64 but got String"));
            assertSame(store.records("t").get(0).packet(), bad);
        }
    }

    @Test
    void valuesOfUnknownClassesAreKeptAsText() throws IOException {
        Schema schema = Schema.of(List.of(Column.required("id", LogicalType.INT64)), List.of("id"));
        FramePacket packet = FramePacket.builder("t", schema).addRow(new BigInteger("123456789012345678901234567890")).build();
        try (DeadLetterStore store = DeadLetterStore.open(tmp)) {
            store.park(letter("x", packet, "expected int64 but got BigInteger"));
            assertThat(store.records("t").get(0).packet().value(0, 0)).isEqualTo("123456789012345678901234567890");
        }
    }

    @Test
    void aLaterRecordWithTheSameIdSupersedesAndATombstoneResolves() throws IOException {
        try (DeadLetterStore store = DeadLetterStore.open(tmp)) {
            DeadLetter a = letter("a", SamplePackets.versioned("quotes", "pa", 3), "connection refused");
            DeadLetter b = letter("b", SamplePackets.versioned("quotes", "pb", 1), "connection refused");
            DeadLetter c = letter("c", SamplePackets.versioned("quotes", "pc", 2), "connection refused");
            store.park(a);
            store.park(b);
            store.park(c);
            DeadLetter a2 = a.failedAgain("WriteException", "timeout after 30000 ms", true, Instant.parse("2026-02-01T00:00:00Z"));
            store.park(a2);

            List<DeadLetter> read = store.records("quotes");
            assertThat(read).extracting(DeadLetter::id).containsExactly("a", "b", "c");
            assertSame(read.get(0), a2);
            assertThat(read.get(0).attempts()).isEqualTo(4);
            assertThat(read.get(0).firstFailureAt()).isEqualTo(a.firstFailureAt());

            store.resolve("quotes", "b");
            store.resolve("quotes", "never-parked");
            assertThat(store.records("quotes")).extracting(DeadLetter::id).containsExactly("a", "c");
            assertThat(store.find("b")).isEmpty();
            assertThat(store.find("c")).get().extracting(DeadLetter::table).isEqualTo("quotes");

            store.park(b);
            assertThat(store.records("quotes")).extracting(DeadLetter::id).containsExactly("a", "c", "b");
        }
        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(tmp)) {
            assertThat(reader.records("quotes")).extracting(DeadLetter::id).containsExactly("a", "c", "b");
            assertThat(reader.stats("quotes").count()).isEqualTo(3);
        }
    }

    @Test
    void resolvingInATableWithoutAFileCreatesNothing() throws IOException {
        try (DeadLetterStore store = DeadLetterStore.open(tmp)) {
            store.resolve("nothing_here", "x");
            assertThat(store.tables()).isEmpty();
        }
    }

    @Test
    void purgeDeletesOnlyThatTable() throws IOException {
        try (DeadLetterStore store = DeadLetterStore.open(tmp)) {
            store.park(letter("1", SamplePackets.versioned("a", "p1", 1), "m"));
            store.park(letter("2", SamplePackets.versioned("b", "p2", 1), "m"));
            assertThat(store.tables()).containsExactly("a", "b");

            assertThat(store.purge("a")).isTrue();
            assertThat(store.purge("a")).isFalse();
            assertThat(store.tables()).containsExactly("b");
            assertThat(store.records("a")).isEmpty();
            assertThat(store.stats("a").count()).isZero();

            store.park(letter("3", SamplePackets.versioned("a", "p3", 1), "m"));
            assertThat(store.records("a")).extracting(DeadLetter::id).containsExactly("3");
        }
    }

    @Test
    void aReadOnlyStoreRefusesChangesAndAMissingDirectoryIsEmpty() throws IOException {
        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(tmp.resolve("never-created"))) {
            assertThat(reader.isReadOnly()).isTrue();
            assertThat(reader.tables()).isEmpty();
            assertThat(reader.records("x")).isEmpty();
            assertThat(reader.find("x")).isEmpty();
            assertThatThrownBy(() -> reader.park(letter("1", SamplePackets.versioned("a", "p", 1), "m")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("read-only")
                    .hasMessageContaining("never-created");
            assertThatThrownBy(() -> reader.purge("a")).isInstanceOf(IllegalStateException.class);
        }
        assertThat(tmp.resolve("never-created")).doesNotExist();
    }

    @Test
    void compactionKeepsTheLiveRecordsInOrderAndDropsTheFileWhenNothingIsLeft() throws IOException {
        try (DeadLetterStore store = DeadLetterStore.open(tmp)) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String id = DeadLetterStore.newId();
                ids.add(id);
                store.park(letter(id, SamplePackets.versioned("bars", "p" + i, 5), "m " + i));
            }
            for (int i = 0; i < 20; i++) {
                if (i % 4 != 0) {
                    store.resolve("bars", ids.get(i));
                }
            }
            DeadLetter retried = store.find(ids.get(4)).orElseThrow().failedAgain("WriteException", "again", true, Instant.now());
            store.park(retried);
            List<DeadLetter> before = store.records("bars");
            Path file = tmp.resolve("bars.dlq");
            long sizeBefore = Files.size(file);

            TableCompaction compaction = store.compact("bars");

            assertThat(compaction.reclaimedBytes()).isPositive();
            assertThat(compaction.bytesBefore()).isEqualTo(sizeBefore);
            assertThat(Files.size(file)).isEqualTo(compaction.bytesAfter()).isEqualTo(sizeBefore - compaction.reclaimedBytes());
            assertThat(compaction.recordsBefore()).as("20 letters, 15 tombstones, one retry").isEqualTo(36);
            assertThat(compaction.recordsAfter()).isEqualTo(5);
            List<DeadLetter> after = store.records("bars");
            assertThat(after).extracting(DeadLetter::id).containsExactly(ids.get(0), ids.get(4), ids.get(8), ids.get(12), ids.get(16));
            for (int i = 0; i < after.size(); i++) {
                assertSame(after.get(i), before.get(i));
            }
            store.park(letter("after-compaction", SamplePackets.versioned("bars", "px", 1), "m"));
            assertThat(store.records("bars")).hasSize(6);

            for (DeadLetter l : store.records("bars")) {
                store.resolve("bars", l.id());
            }
            store.compact("bars");
            assertThat(file).doesNotExist();
            assertThat(store.tables()).isEmpty();
        }
    }

    @Test
    void statsGroupReasonsAndSpanTheFailureTimes() throws IOException {
        try (DeadLetterStore store = DeadLetterStore.open(tmp)) {
            for (int i = 0; i < 3; i++) {
                store.park(new DeadLetter("t" + i, SamplePackets.versioned("trades", "p" + i, 2), "trades_db",
                        "WriteException", "timeout after " + (1000 + i) + " ms writing packet " + java.util.UUID.randomUUID(),
                        true, 6, Instant.parse("2026-01-0" + (i + 1) + "T00:00:00Z"), Instant.parse("2026-02-0" + (i + 1) + "T00:00:00Z")));
            }
            store.park(new DeadLetter("k", SamplePackets.versioned("trades", "pk", 1), null, "DataError",
                    "null key column 'id' in row 7", false, 0, Instant.parse("2025-12-31T00:00:00Z"),
                    Instant.parse("2025-12-31T00:00:00Z")));

            TableStats stats = store.stats("trades");
            assertThat(stats.count()).isEqualTo(4);
            assertThat(stats.rows()).isEqualTo(7);
            assertThat(stats.oldestFailure()).isEqualTo(Instant.parse("2025-12-31T00:00:00Z"));
            assertThat(stats.newestFailure()).isEqualTo(Instant.parse("2026-02-03T00:00:00Z"));
            assertThat(stats.reasons()).hasSize(2);
            assertThat(stats.topReasons(1)).singleElement().satisfies(r -> {
                assertThat(r.errorClass()).isEqualTo("WriteException");
                assertThat(r.pattern()).isEqualTo("timeout after # ms writing packet <id>");
                assertThat(r.count()).isEqualTo(3);
                assertThat(r.example()).startsWith("timeout after 1000 ms");
            });
            assertThat(stats.corruptBytes()).isZero();
            assertThat(stats.tornTailBytes()).isZero();
        }
    }

    @Test
    void anyTableNameGetsASafeFileOfItsOwn() throws IOException {
        List<String> names = List.of("trades", "Trades", "a/b", "../escape", "..", ".", "quo\"te's", "back\\slash",
                "sp ace", "\u4e2d\u6587\uD83D\uDE00", "x%41", "a.b", "CON", "nul\u0000", "~tilde", "\u00e9".repeat(300));
        try (DeadLetterStore store = DeadLetterStore.open(tmp)) {
            for (String name : names) {
                store.park(letter("id-" + names.indexOf(name), SamplePackets.versioned(name, "p", 1), "m"));
            }
            assertThat(store.tables()).containsExactlyInAnyOrderElementsOf(names);
            for (String name : names) {
                assertThat(store.records(name)).extracting(DeadLetter::id).containsExactly("id-" + names.indexOf(name));
            }
        }
        try (Stream<Path> files = Files.list(tmp)) {
            List<String> fileNames = files.map(p -> p.getFileName().toString()).toList();
            assertThat(fileNames).hasSize(names.size() + 1).contains(DirectoryLock.FILE_NAME);
            assertThat(fileNames).allSatisfy(n -> {
                assertThat(n).matches("[a-z0-9A-F_%~.-]+");
                assertThat(n.length()).isLessThanOrEqualTo(255);
            });
        }
        for (String name : names) {
            String file = TableFileName.of(name);
            if (!file.contains("~")) {
                assertThat(TableFileName.tableOf(file)).isEqualTo(name);
            }
        }
    }

    @Test
    void directoryAndFilesAreOwnerOnly() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path dir = tmp.resolve("data").resolve("dlq");
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            store.park(letter("1", SamplePackets.versioned("trades", "p", 1), "m"));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("trades.dlq")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(".lock")))).isEqualTo("rw-------");
    }

    @Test
    void aSecondOpenInTheSameProcessIsRefusedClearly() throws IOException {
        Path dir = tmp.resolve("dlq");
        try (DeadLetterStore first = DeadLetterStore.open(dir)) {
            assertThatThrownBy(() -> DeadLetterStore.open(tmp.resolve("x").resolve("..").resolve("dlq")))
                    .isInstanceOf(DeadLetterStoreLockedException.class)
                    .hasMessageContaining(dir.toString())
                    .hasMessageContaining("already open for writing in this process")
                    .hasMessageContaining("pid " + ProcessHandle.current().pid())
                    .satisfies(e -> assertThat(((DeadLetterStoreLockedException) e).directory()).isEqualTo(dir));
            first.park(letter("still-works", SamplePackets.versioned("t", "p", 1), "m"));
            try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
                assertThat(reader.records("t")).hasSize(1);
            }
        }
        try (DeadLetterStore again = DeadLetterStore.open(dir)) {
            assertThat(again.records("t")).extracting(DeadLetter::id).containsExactly("still-works");
        }
    }

    @Test
    void aClosedStoreRefusesWork() throws IOException {
        DeadLetterStore store = DeadLetterStore.open(tmp);
        store.close();
        store.close();
        assertThatThrownBy(() -> store.park(letter("1", SamplePackets.versioned("t", "p", 1), "m")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void concurrentParksFromManyThreadsAreAllKept() throws Exception {
        ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try (DeadLetterStore store = DeadLetterStore.open(tmp)) {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                String table = "table_" + (t % 3);
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        String id = DeadLetterStore.newId();
                        store.park(letter(id, SamplePackets.versioned(table, id, 1 + i % 4), "m"));
                        acknowledged.add(id);
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
            Set<String> stored = new HashSet<>();
            for (String table : store.tables()) {
                store.records(table).forEach(l -> stored.add(l.id()));
                assertThat(store.stats(table).corruptBytes()).isZero();
            }
            assertThat(stored).containsExactlyInAnyOrderElementsOf(acknowledged).hasSize(150);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aReaderSeesOnlyWholeRecordsWhileAWriterAppends() throws Exception {
        ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
        try (DeadLetterStore store = DeadLetterStore.open(tmp); DeadLetterStore reader = DeadLetterStore.openReadOnly(tmp)) {
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 150; i++) {
                        String id = "w" + i;
                        store.park(letter(id, SamplePackets.versioned("t", id, 1 + i % 30), "m"));
                        acknowledged.add(id);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            int previous = 0;
            while (writer.isAlive()) {
                List<String> before = List.copyOf(acknowledged);
                List<DeadLetter> seen = reader.records("t");
                assertThat(seen).extracting(DeadLetter::id).containsAll(before);
                assertThat(seen.size()).isGreaterThanOrEqualTo(previous);
                assertThat(reader.stats("t").corruptBytes()).isZero();
                previous = seen.size();
            }
            writer.join();
            assertThat(reader.records("t")).hasSize(150);
        }
    }

    @Test
    void streamDecodesLazilyAndClosesTheFile() throws IOException {
        try (DeadLetterStore store = DeadLetterStore.open(tmp)) {
            for (int i = 0; i < 5; i++) {
                store.park(letter("s" + i, SamplePackets.versioned("t", "p" + i, 3), "m"));
            }
            try (Stream<DeadLetter> s = store.stream("t")) {
                assertThat(s.limit(2).map(DeadLetter::id)).containsExactly("s0", "s1");
            }
            try (Stream<DeadLetter> s = store.stream("missing")) {
                assertThat(s).isEmpty();
            }
        }
    }

    @Test
    void idsAreUniqueSortableAndTypeable() {
        Set<String> ids = new HashSet<>();
        String previous = "";
        for (int i = 0; i < 10_000; i++) {
            String id = DeadLetterStore.newId();
            assertThat(id).matches("[0-9A-HJKMNP-TV-Z]{26}");
            assertThat(id.substring(0, 10)).isGreaterThanOrEqualTo(previous);
            previous = id.substring(0, 10);
            ids.add(id);
        }
        assertThat(ids).hasSize(10_000);
    }
}
