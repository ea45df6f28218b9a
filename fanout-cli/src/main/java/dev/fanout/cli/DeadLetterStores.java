package dev.fanout.cli;

import dev.fanout.core.Fanout;
import dev.fanout.core.topology.Topology;
import dev.fanout.dlq.DeadLetterStore;
import dev.fanout.dlq.DeadLetterStoreLockedException;

import java.io.IOException;
import java.nio.file.Path;

/** Opening the topology's dead-letter store for a command that writes, with errors a person can act on. */
final class DeadLetterStores {

    private DeadLetterStores() {
    }

    /** The store at the topology's {@code dlq.path}, locked for this process; null when the topology has none. */
    static DeadLetterStore openFor(Topology topology) throws IOException {
        if (topology.dlqPath().isEmpty()) {
            return null;
        }
        return open(topology.dlqPath().get());
    }

    /** The store at {@code path}, locked for this process; another process holding it is a usage error. */
    static DeadLetterStore open(Path path) throws IOException {
        try {
            return DeadLetterStore.open(path);
        } catch (DeadLetterStoreLockedException e) {
            throw new ConfigurationProblem(e.getMessage(), e);
        }
    }

    /** {@code builder} parking into {@code store} when there is one. */
    static Fanout.Builder withSink(Fanout.Builder builder, DeadLetterStore store) {
        return store == null ? builder : builder.deadLetters(store);
    }
}
