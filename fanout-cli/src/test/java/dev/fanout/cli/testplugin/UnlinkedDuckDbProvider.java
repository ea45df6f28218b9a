package dev.fanout.cli.testplugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Destination;

import java.util.Set;

/**
 * A plugin whose directory lacks a library: scheme {@code unlinked:path} validates like a DuckDB file,
 * but its writer's {@code open()} throws the {@link NoClassDefFoundError} a missing jar causes, as
 * the ClickHouse client does when Guava is absent from its plugin directory.
 */
public final class UnlinkedDuckDbProvider extends DuckDbFaultScheme {

    /** The class the writer cannot load, as the JVM names it. */
    public static final String MISSING_CLASS = "com/google/common/collect/ImmutableList";

    @Override
    public String scheme() {
        return "unlinked";
    }

    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.READ);
    }

    @Override
    protected BaseWriter wrap(Destination destination, BaseWriter real) {
        return new Forwarding(real) {
            @Override
            public void open() {
                throw new NoClassDefFoundError(MISSING_CLASS);
            }
        };
    }
}
