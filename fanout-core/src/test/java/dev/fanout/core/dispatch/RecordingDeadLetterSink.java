package dev.fanout.core.dispatch;

import dev.fanout.dlq.DeadLetter;
import dev.fanout.dlq.DeadLetterSink;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory {@link DeadLetterSink}: keeps every record and the threads that parked them; can be made to fail. */
final class RecordingDeadLetterSink implements DeadLetterSink {
    final List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    final List<String> callers = new CopyOnWriteArrayList<>();
    private volatile IOException failure;

    /** From now on every {@link #park} throws {@code e}, as a full disk would. */
    void failWith(IOException e) {
        this.failure = e;
    }

    @Override
    public void park(DeadLetter letter) throws IOException {
        callers.add(Thread.currentThread().getName());
        IOException e = failure;
        if (e != null) {
            throw e;
        }
        letters.add(letter);
    }

    DeadLetter only() {
        if (letters.size() != 1) {
            throw new AssertionError("expected one dead letter, found " + letters);
        }
        return letters.get(0);
    }

    DeadLetter byId(String id) {
        return letters.stream().filter(l -> l.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no dead letter " + id + " among " + letters));
    }
}
