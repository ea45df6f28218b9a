package dev.fanout.cli.testplugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.IdentifierComparison;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A fault-injecting test scheme over a real engine: {@code <scheme>:rest} is the destination
 * {@code <real scheme>:rest} of {@code real}, validated, targeted and written by the real writer,
 * which a subclass wraps in a {@link Forwarding} writer that misbehaves in one way.
 */
public abstract class FaultScheme implements WriterProvider {

    private final WriterProvider real;

    FaultScheme(WriterProvider real) {
        this.real = Objects.requireNonNull(real, "real is null");
    }

    /** The real writer of {@code destination}, wrapped. */
    protected abstract BaseWriter wrap(Destination destination, BaseWriter real);

    /** {@code d} as a destination of the real scheme, its options' sensitivity as the real plugin declares it. */
    Destination asReal(Destination d) {
        Set<String> sensitive = real.options().stream().filter(OptionSpec::sensitive).map(OptionSpec::name).collect(Collectors.toSet());
        return new Destination(d.name(), real.scheme() + ":" + d.schemeSpecificPart(), d.options(), d.baseDirectory(), sensitive);
    }

    @Override
    public final BaseWriter create(Destination destination) throws WriteException {
        return wrap(destination, real.create(asReal(destination)));
    }

    @Override
    public final List<String> validate(Destination destination) {
        return real.validate(asReal(destination));
    }

    @Override
    public final String physicalTarget(Destination destination) {
        return real.physicalTarget(asReal(destination));
    }

    @Override
    public final List<OptionSpec> options() {
        return real.options();
    }

    @Override
    public final IdentifierComparison identifierComparison() {
        return real.identifierComparison();
    }

    /** A writer passing every call to {@code real}; override what should misbehave. */
    public static class Forwarding implements BaseWriter {
        protected final BaseWriter real;

        public Forwarding(BaseWriter real) {
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
