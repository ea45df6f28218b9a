package dev.fanout.cli.testplugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import dev.fanout.writer.duckdb.DuckDbWriterProvider;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A fault-injecting test scheme over real DuckDB files: {@code <scheme>:path} is the DuckDB file
 * {@code path}, validated, targeted and written by the real DuckDB writer, which a subclass wraps in a
 * {@link Forwarding} writer that misbehaves in one way.
 */
abstract class DuckDbFaultScheme implements WriterProvider {

    private final DuckDbWriterProvider duckdb = new DuckDbWriterProvider();

    /** The real DuckDB writer of {@code destination}, wrapped. */
    protected abstract BaseWriter wrap(Destination destination, BaseWriter real);

    static Destination asDuckDb(Destination d) {
        return new Destination(d.name(), "duckdb:" + d.schemeSpecificPart(), d.options(), d.baseDirectory(), Set.of());
    }

    @Override
    public final BaseWriter create(Destination destination) throws WriteException {
        return wrap(destination, duckdb.create(asDuckDb(destination)));
    }

    @Override
    public final List<String> validate(Destination destination) {
        return duckdb.validate(asDuckDb(destination));
    }

    @Override
    public final String physicalTarget(Destination destination) {
        return duckdb.physicalTarget(asDuckDb(destination));
    }

    @Override
    public final List<OptionSpec> options() {
        return duckdb.options();
    }

    /** A writer passing every call to {@code real}; override what should misbehave. */
    static class Forwarding implements BaseWriter {
        final BaseWriter real;

        Forwarding(BaseWriter real) {
            this.real = real;
        }

        @Override
        public void open() throws WriteException {
            real.open();
        }

        @Override
        public void write(WriteBatch batch) throws WriteException {
            real.write(batch);
        }

        @Override
        public Optional<String> targetIdentity() throws WriteException {
            return real.targetIdentity();
        }

        @Override
        public Optional<TableReader> reader() {
            return real.reader();
        }

        @Override
        public void close() throws WriteException {
            real.close();
        }
    }
}
