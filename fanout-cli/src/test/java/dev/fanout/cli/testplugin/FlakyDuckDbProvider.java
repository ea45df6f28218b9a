package dev.fanout.cli.testplugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import dev.fanout.writer.duckdb.DuckDbWriterProvider;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fault injection for end-to-end tests: scheme {@code flaky:path} is a real DuckDB file written by
 * the real DuckDB writer, except that while {@link #FAILING} is set every write fails retryably, as a
 * disk or network outage would.
 */
public final class FlakyDuckDbProvider implements WriterProvider {

    /** While true, every write of every flaky destination throws a retryable error. */
    public static final AtomicBoolean FAILING = new AtomicBoolean();
    /** Writes refused so far. */
    public static final AtomicInteger REFUSED = new AtomicInteger();

    private final DuckDbWriterProvider duckdb = new DuckDbWriterProvider();

    private static Destination asDuckDb(Destination d) {
        return new Destination(d.name(), "duckdb:" + d.schemeSpecificPart(), d.options(), d.baseDirectory(), java.util.Set.of());
    }

    @Override
    public String scheme() {
        return "flaky";
    }

    @Override
    public BaseWriter create(Destination destination) throws WriteException {
        BaseWriter real = duckdb.create(asDuckDb(destination));
        return new BaseWriter() {
            @Override
            public void open() throws WriteException {
                real.open();
            }

            @Override
            public void write(WriteBatch batch) throws WriteException {
                if (FAILING.get()) {
                    REFUSED.incrementAndGet();
                    throw WriteException.retryable("destination " + destination.name() + ": injected outage (disk unavailable)", null);
                }
                real.write(batch);
            }

            @Override
            public void close() throws WriteException {
                real.close();
            }
        };
    }

    @Override
    public List<String> validate(Destination destination) {
        return duckdb.validate(asDuckDb(destination));
    }

    @Override
    public String physicalTarget(Destination destination) {
        return duckdb.physicalTarget(asDuckDb(destination));
    }

    @Override
    public List<OptionSpec> options() {
        return duckdb.options();
    }
}
