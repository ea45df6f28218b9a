package dev.fanout.core.dispatch;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.FramePacket;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A fake target for core tests: remembers every batch it was given, and the threads that called it. */
class RecordingWriter implements BaseWriter {

    /** Runs at the start of each write; may block or throw. */
    @FunctionalInterface
    interface Hook {
        void beforeWrite(WriteBatch batch) throws WriteException;
    }

    final List<WriteBatch> batches = new CopyOnWriteArrayList<>();
    final List<String> callers = new CopyOnWriteArrayList<>();
    final AtomicInteger opens = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    private final Hook hook;

    RecordingWriter() {
        this(batch -> { });
    }

    RecordingWriter(Hook hook) {
        this.hook = hook;
    }

    /** Writes of {@code table} signal {@code entered}, then wait for {@code gate}; other tables pass. */
    static RecordingWriter blockingTable(String table, CountDownLatch entered, CountDownLatch gate) {
        return new RecordingWriter(batch -> {
            if (batch.table().equals(table)) {
                entered.countDown();
                await(gate);
            }
        });
    }

    /** Every write signals {@code entered}, then waits for {@code gate}. */
    static RecordingWriter blocking(CountDownLatch entered, CountDownLatch gate) {
        return new RecordingWriter(batch -> {
            entered.countDown();
            await(gate);
        });
    }

    static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not opened within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void open() throws WriteException {
        callers.add(Thread.currentThread().getName());
        opens.incrementAndGet();
    }

    @Override
    public void write(WriteBatch batch) throws WriteException {
        callers.add(Thread.currentThread().getName());
        hook.beforeWrite(batch);
        batches.add(batch);
    }

    @Override
    public void close() {
        callers.add(Thread.currentThread().getName());
        closes.incrementAndGet();
    }

    /** Ids of the committed packets of {@code table}, in write order. */
    List<String> packetIds(String table) {
        return batches.stream().filter(b -> b.table().equals(table))
                .flatMap(b -> b.packets().stream()).map(FramePacket::packetId).toList();
    }

    /** Values of the first column of every committed row of {@code table}, in write order. */
    List<Object> keys(String table) {
        return batches.stream().filter(b -> b.table().equals(table)).flatMap(b -> b.packets().stream())
                .flatMap(p -> java.util.stream.IntStream.range(0, p.rowCount()).mapToObj(r -> p.value(r, 0))).toList();
    }

    /** Row counts of each packet, per batch, in write order: e.g. [[2, 2], [1]]. */
    List<List<Integer>> shape(String table) {
        return batches.stream().filter(b -> b.table().equals(table))
                .map(b -> b.packets().stream().map(FramePacket::rowCount).toList()).toList();
    }
}
