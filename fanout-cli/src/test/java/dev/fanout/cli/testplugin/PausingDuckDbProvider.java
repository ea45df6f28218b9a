package dev.fanout.cli.testplugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Destination;

import java.util.Set;

/**
 * Scheme {@code paused:path}: a real DuckDB file written by the real DuckDB writer, which stops at the
 * test's {@link PausePoint} (or refuses every write, as it says); plain DuckDB in a process without one.
 * Like the real scheme it copies from another destination of its own scheme inside DuckDB
 * ({@link Capability#COPY_FROM_SAME_ENGINE}) and exports row streams ({@link Capability#EXPORT_ROWS}), each range
 * copied or exported pausing as a write does.
 */
public final class PausingDuckDbProvider extends DuckDbFaultScheme {

    @Override
    public String scheme() {
        return "paused";
    }

    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.READ, Capability.SCHEMA_EVOLUTION, Capability.COPY_FROM_SAME_ENGINE, Capability.EXPORT_ROWS);
    }

    @Override
    protected BaseWriter wrap(Destination destination, BaseWriter real) {
        return PausePoint.pausing(destination, real, this::asReal);
    }
}
