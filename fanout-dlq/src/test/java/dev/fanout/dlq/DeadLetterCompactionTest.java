package dev.fanout.dlq;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static dev.fanout.dlq.SamplePackets.assertSame;
import static dev.fanout.dlq.SamplePackets.letter;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link DeadLetterStore#compact} and {@link DeadLetterStore#compactIfEmpty} on real files. */
class DeadLetterCompactionTest {

    @TempDir
    Path tmp;

    @Test
    void aCompactedFileHoldsExactlyTheLatestRecordOfEachLiveIdAndNothingElse() throws IOException {
        Path dir = tmp.resolve("dlq");
        List<DeadLetter> live = new ArrayList<>();
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            for (int i = 0; i < 30; i++) {
                DeadLetter l = letter("id-" + i, SamplePackets.versioned("trades", "p" + i, 1 + i % 7), "m " + i);
                store.park(l);
                if (i % 3 == 0) {
                    DeadLetter again = l.failedAgain("WriteException", "again " + i, true, Instant.ofEpochSecond(1_000_000 + i));
                    store.park(again);
                    live.add(again);
                } else if (i % 3 == 1) {
                    store.resolve("trades", l.id());
                } else {
                    live.add(l);
                }
            }
            store.park(letter("re-emitted", SamplePackets.reEmitted(), "m"));
        }
        Path file = dir.resolve("trades.dlq");
        long sizeBefore = Files.size(file);

        TableCompaction c;
        List<DeadLetter> before;
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            before = store.records("trades");
            c = store.compact("trades");
            assertThat(store.records("trades")).hasSize(before.size());
        }

        assertThat(c.table()).isEqualTo("trades");
        assertThat(c.recordsBefore()).as("30 letters, 10 retries, 10 tombstones, one re-emitted").isEqualTo(51);
        assertThat(c.recordsAfter()).isEqualTo(live.size() + 1).isEqualTo(before.size());
        assertThat(c.bytesBefore()).isEqualTo(sizeBefore);
        assertThat(c.droppedBytes()).isZero();
        assertThat(c.removed()).isFalse();
        long expectedBytes = 0;
        for (DeadLetter l : before) {
            expectedBytes += Frames.HEADER_BYTES + PayloadCodec.letter(l).length;
        }
        assertThat(Files.size(file)).isEqualTo(c.bytesAfter()).isEqualTo(expectedBytes).isLessThan(sizeBefore);
        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
            List<DeadLetter> after = reader.records("trades");
            assertThat(after).hasSize(before.size());
            for (int i = 0; i < after.size(); i++) {
                assertSame(after.get(i), before.get(i));
            }
            assertThat(after.subList(0, live.size())).extracting(DeadLetter::message)
                    .containsExactlyElementsOf(live.stream().map(DeadLetter::message).toList());
        }
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }

        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            TableCompaction again = store.compact("trades");
            assertThat(again.recordsBefore()).isEqualTo(again.recordsAfter()).isEqualTo(c.recordsAfter());
            assertThat(again.bytesAfter()).isEqualTo(again.bytesBefore()).isEqualTo(c.bytesAfter());
        }
    }

    @Test
    void aTableWhoseLettersWereAllResolvedLosesItsFileAndAnUntouchedTableKeepsIt() throws IOException {
        Path dir = tmp.resolve("dlq");
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            for (int i = 0; i < 5; i++) {
                store.park(letter("t-" + i, SamplePackets.versioned("trades", "p" + i, 3), "m"));
                store.park(letter("q-" + i, SamplePackets.versioned("quotes", "p" + i, 3), "m"));
            }
            for (int i = 0; i < 5; i++) {
                store.resolve("trades", "t-" + i);
            }
            store.resolve("quotes", "q-0");
            long quotesSize = Files.size(dir.resolve("quotes.dlq"));
            long tradesSize = Files.size(dir.resolve("trades.dlq"));

            Optional<TableCompaction> quotes = store.compactIfEmpty("quotes");
            Optional<TableCompaction> trades = store.compactIfEmpty("trades");

            assertThat(quotes).as("four quotes still parked").isEmpty();
            assertThat(Files.size(dir.resolve("quotes.dlq"))).isEqualTo(quotesSize);
            assertThat(trades).hasValueSatisfying(c -> {
                assertThat(c.removed()).isTrue();
                assertThat(c.recordsBefore()).isEqualTo(10);
                assertThat(c.recordsAfter()).isZero();
                assertThat(c.reclaimedBytes()).isEqualTo(tradesSize);
            });
            assertThat(dir.resolve("trades.dlq")).doesNotExist();
            assertThat(store.tables()).containsExactly("quotes");
            assertThat(store.compactIfEmpty("never-parked")).isEmpty();
            assertThat(store.compact("never-parked").bytesBefore()).isZero();

            store.park(letter("t-late", SamplePackets.versioned("trades", "late", 2), "m"));
            assertThat(store.records("trades")).extracting(DeadLetter::id).containsExactly("t-late");
            store.park(letter("q-late", SamplePackets.versioned("quotes", "late", 2), "m"));
            assertThat(store.records("quotes")).extracting(DeadLetter::id).containsExactly("q-1", "q-2", "q-3", "q-4", "q-late");
        }
    }

    @Test
    void appendsAfterACompactionGoToTheNewFile() throws IOException {
        Path dir = tmp.resolve("dlq");
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            store.park(letter("a", SamplePackets.versioned("trades", "a", 2), "m"));
            store.park(letter("b", SamplePackets.versioned("trades", "b", 2), "m"));
            store.resolve("trades", "a");
            store.compact("trades");
            store.park(letter("c", SamplePackets.versioned("trades", "c", 2), "m"));
            store.resolve("trades", "b");
        }
        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
            assertThat(reader.records("trades")).extracting(DeadLetter::id).containsExactly("c");
            assertThat(reader.stats("trades").corruptBytes()).isZero();
        }
    }

    @Test
    void aTornTailIsNotCopiedAndIsReported() throws IOException {
        Path dir = tmp.resolve("dlq");
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            store.park(letter("a", SamplePackets.versioned("trades", "a", 2), "m"));
        }
        Path file = dir.resolve("trades.dlq");
        long whole = Files.size(file);
        ByteBuffer[] frame = Frames.frame(PayloadCodec.FORMAT_1, PayloadCodec.letter(letter("b", SamplePackets.versioned("trades", "b", 2), "m")));
        byte[] torn = new byte[Frames.HEADER_BYTES + 5];
        frame[0].get(torn, 0, Frames.HEADER_BYTES);
        Files.write(file, torn, java.nio.file.StandardOpenOption.APPEND);

        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            TableCompaction c = store.compact("trades");
            assertThat(c.droppedBytes()).isEqualTo(torn.length);
            assertThat(c.recordsAfter()).isEqualTo(1);
            assertThat(Files.size(file)).isEqualTo(whole);
            assertThat(store.records("trades")).extracting(DeadLetter::id).containsExactly("a");
        }
    }

    @Test
    void theLeftoverOfACompactionCutShortIsIgnoredByReadersAndRemovedByTheNextWriter() throws IOException {
        Path dir = tmp.resolve("dlq");
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            store.park(letter("a", SamplePackets.versioned("trades", "a", 2), "m"));
        }
        Path leftover = dir.resolve("trades.dlq.tmp");
        Files.write(leftover, Files.readAllBytes(dir.resolve("trades.dlq")));
        Files.write(leftover, new byte[] {'F', 'D'}, java.nio.file.StandardOpenOption.APPEND);

        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(dir)) {
            assertThat(reader.tables()).containsExactly("trades");
            assertThat(reader.records("trades")).extracting(DeadLetter::id).containsExactly("a");
        }
        try (DeadLetterStore store = DeadLetterStore.open(dir)) {
            assertThat(leftover).doesNotExist();
            assertThat(store.records("trades")).extracting(DeadLetter::id).containsExactly("a");
        }
    }

    @Test
    void aReadOnlyStoreRefusesToCompact() throws IOException {
        try (DeadLetterStore reader = DeadLetterStore.openReadOnly(tmp)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> reader.compact("trades"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("read-only").hasMessageContaining("compact");
        }
    }
}
