package dev.fanout.cli.testplugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fault injection for end-to-end tests: scheme {@code flaky:path} is a real DuckDB file written by
 * the real DuckDB writer, except that while {@link #FAILING} is set every write fails retryably, as a
 * disk or network outage would.
 */
public final class FlakyDuckDbProvider extends DuckDbFaultScheme {

    /** While true, every write of every flaky destination throws a retryable error. */
    public static final AtomicBoolean FAILING = new AtomicBoolean();
    /** Writes refused so far. */
    public static final AtomicInteger REFUSED = new AtomicInteger();

    @Override
    public String scheme() {
        return "flaky";
    }

    @Override
    protected BaseWriter wrap(Destination destination, BaseWriter real) {
        return new Forwarding(real) {
            @Override
            public void write(WriteBatch batch) throws WriteException {
                if (FAILING.get()) {
                    REFUSED.incrementAndGet();
                    throw WriteException.retryable("destination " + destination.name() + ": injected outage (disk unavailable)", null);
                }
                real.write(batch);
            }

            @Override
            public Optional<TableReader> reader() {
                return Optional.empty();
            }
        };
    }
}
