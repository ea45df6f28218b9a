package dev.fanout.cli.testplugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Destination;
import dev.fanout.writer.clickhouse.ClickHouseWriterProvider;

import java.util.Set;

/**
 * Scheme {@code pausedch://host:port/database}: the real ClickHouse destination
 * {@code ch://host:port/database}, written by the real ClickHouse writer, which stops at the test's
 * {@link PausePoint} (or refuses every write, as it says); plain ClickHouse in a process without one.
 * Like the real scheme it copies from another database of its own scheme on the same server inside
 * ClickHouse ({@link Capability#COPY_FROM_SAME_ENGINE}), each range copied pausing as a write does.
 */
public final class PausingClickHouseProvider extends FaultScheme {

    public PausingClickHouseProvider() {
        super(new ClickHouseWriterProvider());
    }

    @Override
    public String scheme() {
        return "pausedch";
    }

    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.READ, Capability.SCHEMA_EVOLUTION, Capability.COPY_FROM_SAME_ENGINE);
    }

    @Override
    protected BaseWriter wrap(Destination destination, BaseWriter real) {
        return PausePoint.pausing(destination, real, this::asReal);
    }
}
