package dev.fanout.api;

import java.util.List;
import java.util.Set;

/**
 * The entry point of a writer plugin, found with {@link java.util.ServiceLoader}: list the
 * implementation in {@code META-INF/services/dev.fanout.api.WriterProvider}. It needs a public no-arg
 * constructor and must be cheap to instantiate: the core creates one per process to learn its scheme.
 *
 * <p>A provider owns one URI scheme, lowercase ({@code duckdb}, {@code md}, {@code ch}). The core
 * refuses two providers claiming one scheme. Methods may be called from any thread.
 */
public interface WriterProvider {

    /** The URI scheme this provider serves, lowercase, without the colon. */
    String scheme();

    /**
     * Builds an unopened writer for {@code destination}; see {@link BaseWriter} for what comes next.
     *
     * @throws WriteException (permanent) when the destination is unusable, e.g. a malformed URI
     */
    BaseWriter create(Destination destination) throws WriteException;

    /**
     * Every problem with {@code destination} found without connecting — malformed URI, unknown or
     * missing options — each as one sentence naming the destination and saying what to fix. Empty
     * when it looks usable.
     */
    List<String> validate(Destination destination);

    /**
     * A stable identity of the physical target, e.g. the absolute normalized path of a DuckDB file
     * or {@code host:port/database}. The core refuses two destinations with one identity, because
     * each physical target must have exactly one writer.
     */
    String physicalTarget(Destination destination);

    /** The options this provider accepts; sensitive ones are masked wherever fanout prints them. */
    default List<OptionSpec> options() {
        return List.of();
    }

    /** What this plugin's writers can do beyond upserting; {@link Capability#READ} means {@link BaseWriter#reader()} is present. */
    default Set<Capability> capabilities() {
        return Set.of();
    }

    /** One line for {@code fanout plugins}. */
    default String description() {
        return scheme() + " writer";
    }
}
