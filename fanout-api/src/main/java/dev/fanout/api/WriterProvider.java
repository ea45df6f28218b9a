package dev.fanout.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
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
     * A stable identity of the physical target as its name tells it, without touching the target,
     * e.g. the absolute normalized path of a DuckDB file or {@code host:port/database}. The core
     * refuses two destinations with one identity, because each physical target must have exactly one
     * writer. Names do not tell everything (a hard link, two spellings of one host):
     * {@link BaseWriter#targetIdentity()} gives the identity of the thing itself.
     */
    String physicalTarget(Destination destination);

    /** The options this provider accepts; sensitive ones are masked wherever fanout prints them. */
    default List<OptionSpec> options() {
        return List.of();
    }

    /**
     * How this plugin's engine compares table and column names. fanout's names are case-sensitive;
     * when the engine's are not, the core refuses a second name that differs only by case from one it
     * already sent to the destination, and the writer must refuse one that differs only by case from a
     * stored name (a permanent {@link WriteException} naming both) instead of writing into it — see
     * {@link IdentifierComparison}.
     *
     * <p>The default is {@link IdentifierComparison#CASE_INSENSITIVE}, because a wrong declaration
     * then costs a loud refusal, never a silent merge of two tables. A writer whose engine tells
     * {@code Trades} and {@code trades} apart declares {@link IdentifierComparison#EXACT}; the writer
     * contract kit fails either wrong declaration.
     */
    default IdentifierComparison identifierComparison() {
        return IdentifierComparison.CASE_INSENSITIVE;
    }

    /** What this plugin's writers can do beyond upserting; {@link Capability#READ} means {@link BaseWriter#reader()} is present. */
    default Set<Capability> capabilities() {
        return Set.of();
    }

    /**
     * A destination this plugin can open here and now, with no account, no network and no server
     * started for it, so that {@code fanout plugins --check} can drive the real write path — open,
     * write one packet with a column of every logical type, read it back when the plugin declares
     * {@link Capability#READ}, close — in the plugin's own class loader. That proves at build or
     * install time that the plugin directory holds every library the write path links to, which
     * loading the provider alone does not.
     *
     * <p>The destination must validate, write nothing outside {@code scratchDirectory} (a fresh
     * empty directory the check deletes afterwards), and need nothing from the machine beyond what
     * the plugin directory brings: an embedded engine names a file in {@code scratchDirectory}, and
     * every step must succeed. A client of a server names a loopback port where it expects no server
     * (one that was free a moment ago, say), so that opening builds the client; the check accepts an
     * open or a write that then fails with a {@link WriteException#retryable() retryable} exception
     * whose causes include a {@link java.net.ConnectException} (connection refused) — and nothing
     * else: any other failure, retryable or not, fails the check.
     *
     * @param scratchDirectory an empty directory the destination may use; its base directory too
     * @return empty (the default) when the plugin has no such destination: the check then only loads
     *     its classes and resolves their signatures
     */
    default Optional<Destination> selfCheckDestination(Path scratchDirectory) {
        return Optional.empty();
    }

    /**
     * The shards of {@code destination} when it is a sharded cluster ({@link Capability#SHARDS}):
     * the core then writes through one lane per shard instead of one for the destination, as
     * {@link ShardLayout} describes. Called once when a dispatcher starts, before any writer opens;
     * it may connect to learn the layout (e.g. a ClickHouse cluster's {@code system.clusters}).
     *
     * <p>When this throws, the destination runs as one lane with the writer of {@code destination}
     * itself, which must then place rows on the shards by itself; a migration, {@code tables} and
     * {@code show} always use that writer (and its reader).
     *
     * @return empty (the default) when {@code destination} is one target
     * @throws WriteException when the layout cannot be learned now, e.g. no server of the cluster
     *                        answers; its message names the destination and says what to do
     */
    default Optional<ShardLayout> shardLayout(Destination destination) throws WriteException {
        return Optional.empty();
    }

    /** One line for {@code fanout plugins}. */
    default String description() {
        return scheme() + " writer";
    }
}
