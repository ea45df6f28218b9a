package dev.fanout.api;

import java.util.Optional;

/**
 * Writes batches into one physical target (a DuckDB file, a MotherDuck database, a ClickHouse
 * database). The core gives each writer exactly one thread — its lane — and never calls it from two
 * threads at once, so implementations need no locking of their own.
 *
 * <p><b>Lifecycle</b>, all calls on the lane thread:
 * <ol>
 *   <li>{@link WriterProvider#create} builds the writer; nothing is connected yet.
 *       <ol type="a">
 *         <li>{@link #targetIdentity()}, before the first {@code open}: the identity the writer can
 *             tell without its engine (an embedded file's, from the file system). {@code fanout
 *             validate} also creates writers only to ask this, and closes them unopened.</li>
 *       </ol></li>
 *   <li>{@link #open()}: connect, take the target's lock where it has one, check access. When it
 *       throws, the core treats the destination as failing, not the run: it calls {@code open}
 *       again before each later write attempt — a retryable {@link WriteException} (a lock held by
 *       another process, a server down) is retried with the retry policy and counted by the circuit
 *       breaker, a permanent one (not a database, permission denied, bad credentials) fails the
 *       batch at once — and parks the batch with the open error as its reason until an
 *       {@code open} returns. So {@code open} may be called again after it threw, and a failed
 *       {@code open} must leave nothing behind (no connection, lock or half-built state) and must
 *       not stop a later call from succeeding once the cause is gone. After it returned it is not
 *       called again.
 *       <ol type="a">
 *         <li>{@link #checkConnection()}, only where fanout must know that the target answers before
 *             any row moves ({@code fanout validate --connect}): once, after {@code open}, before any
 *             write.</li>
 *         <li>{@link #targetIdentity()} again, once {@code open} returned (a file created meanwhile
 *             has its own identity now; a server client can ask its server), and, while it answers
 *             empty or throws, again before each later write until it answers.</li>
 *       </ol></li>
 *   <li>{@link #write(WriteBatch)} (the core calls it through {@link #writeCounted}) any number of times, one table per call, in the order the
 *       producer submitted packets for that table. When it returns, the batch is durable at the
 *       target. When it throws, nothing of the batch may be visible that a replay would not
 *       overwrite identically: writes are upserts keyed by the primary key and conditional on the
 *       row version, so the core may replay any batch, in part or whole, at any time.</li>
 *   <li>{@link #close()} once at the end, also when no {@code open} ever succeeded: release
 *       connections and locks. A writer refused after {@code open} because another destination of
 *       the process holds its {@link #targetIdentity() target} is closed at once, never opened again,
 *       and closed again at the end.</li>
 * </ol>
 *
 * <p><b>Upsert semantics every writer keeps</b>: within a batch, of the rows with one key the one
 * with the highest {@link FramePacket#rowVersion version} wins (ties: the later row); against the
 * stored table, a row replaces the stored one only when its version is greater or equal, and then
 * whole: columns its packet lacks become NULL, so the final state does not depend on the order in
 * which packets arrive. New columns are added as nullable; int32 → int64 → float64 widen in place; anything else is a
 * permanent {@link WriteException} naming the table and column.
 */
public interface BaseWriter extends AutoCloseable {

    /** Step 2: connects and prepares; may be called again after it threw, and then leaves nothing behind. */
    void open() throws WriteException;

    /** Step 3: upserts one batch atomically, or throws and leaves replay-safe state. */
    void write(WriteBatch batch) throws WriteException;

    /**
     * Step 3 as the core calls it: {@link #write} that also tells what became of the batch's rows —
     * applied (inserted or replacing a stored row) or skipped (superseded within the batch, or not
     * newer than the stored row, a replay included) — for the run summary and the
     * {@code fanout.destination.<d>.applied}/{@code .skipped} metrics. The same contract as
     * {@code write} otherwise: when it throws, nothing is counted.
     *
     * <p>The default calls {@code write} and reports {@link WriteOutcome#unreported}: applied and
     * skipped unknown, shown as {@code -}. A writer that can count (an engine returning affected-row
     * counts from its upsert, plus the rows {@link LatestPerKey} dropped) overrides this, and its
     * {@code write} calls it and ignores the outcome. A writer wrapping another forwards it.
     *
     * <p>Why a second method rather than a result from {@code write}: changing {@code write}'s
     * return type would break every plugin compiled against this interface; a separate
     * "last write's counts" accessor would be state kept between calls that a wrapper could lose; a
     * separate optional interface would be hidden by every wrapper that does not implement it. A
     * default method keeps old plugins working unchanged and lets wrappers forward it like any other.
     *
     * @return the batch's {@link WriteBatch#rowCount() rows} as received, and applied when counted
     */
    default WriteOutcome writeCounted(WriteBatch batch) throws WriteException {
        write(batch);
        return WriteOutcome.unreported(batch.rowCount());
    }

    /**
     * Step 2a: proves by a real round trip, with this writer's credentials, that the target answers
     * now; {@code fanout validate --connect} calls it after {@link #open()} and before any
     * {@link #write}, on the same thread. A writer
     * may open without reaching its target — a server that is down when a run starts must not stop
     * the run's other destinations, its writes retry and park instead — so an opened writer is not
     * proof of a connection. The default does nothing: right for writers whose {@code open} connects.
     *
     * @throws WriteException retryable when the target does not answer for now (naming where it was
     *                        sought), permanent when it refuses (credentials, privileges); never
     *                        carrying a secret
     */
    default void checkConnection() throws WriteException {
    }

    /**
     * Steps 1a and 2b: the identity of the physical thing this writer writes to, as far as it can be
     * told now — not of its name. Two writers whose identities are equal write one target, whatever
     * their URIs say: a DuckDB file under a hard link's second name, one ClickHouse server under two
     * host spellings. The core lets one destination of the process hold an identity at a time:
     * another destination reporting it is refused before its {@code open} (so an embedded file never
     * gets a second connection) or right after, its packets parked with a reason naming both
     * destinations; {@code fanout validate} compares the identities before opening, and
     * {@code validate --connect} after. {@link WriterProvider#physicalTarget} stays the name-based
     * check every topology passes first.
     *
     * <p>The string is compared for equality only, and read by people in that refusal: make it say
     * what the thing is, e.g. {@code DuckDB file (device 2049, inode 1234)} or
     * {@code ClickHouse database market (server host db1, data path /var/lib/clickhouse/data/market/)},
     * and make it the same for every plugin that can reach that thing (a DuckDB file is a DuckDB file,
     * whichever plugin opens it). It never holds a secret.
     *
     * <p>Before {@link #open()}: an embedded file answers from the file system without starting its
     * engine — an existing file by its device and inode
     * ({@code Files.readAttributes(p, BasicFileAttributes.class).fileKey()}), a new one by its nearest
     * existing directory's and the rest of its path. A server client answers empty there. After
     * {@code open} returned: the file answers again (it may exist now); a server client answers once
     * it has reached its server (e.g. the server's host name and the database's data path, which one
     * server under any host name shares), throwing a retryable {@link WriteException} while the
     * server cannot be reached — as its write would.
     *
     * @return empty (the default) when the writer cannot tell, or has nothing beyond its name
     * @throws WriteException retryable when the target cannot be reached for now, permanent when it
     *                        refuses; the core treats either as a failure of opening
     */
    default Optional<String> targetIdentity() throws WriteException {
        return Optional.empty();
    }

    /**
     * The optional {@link Capability#READ} capability: this writer's tables read back over its own
     * connection, between {@link #open()} and {@link #close()}, on the writer's thread. Empty (the
     * default) when the engine cannot be read, and then the destination cannot be a migration source.
     */
    default Optional<TableReader> reader() {
        return Optional.empty();
    }

    /**
     * The optional {@link Capability#COPY_FROM_SAME_ENGINE} capability: copies and compares rows of
     * another destination of this writer's plugin inside the engine, over this writer's connection,
     * between {@link #open()} and {@link #close()}, on the writer's thread. Empty (the default) for
     * writers that cannot; a migration then streams rows through {@link #reader()} and {@link #write}.
     */
    default Optional<SameEngineCopy> sameEngineCopy() {
        return Optional.empty();
    }

    /**
     * The optional {@link Capability#LOAD_ROWS} capability: rows another plugin's reader exported in
     * the fanout row stream format ({@link RowExport}), upserted without becoming packets, over this
     * writer's connection, between {@link #open()} and {@link #close()}, on the writer's thread.
     * Empty (the default) for writers that cannot; a migration then writes packets.
     */
    default Optional<RowLoad> rowLoad() {
        return Optional.empty();
    }

    /** Step 4: releases everything; safe to call after a failed {@link #open()} and more than once. */
    @Override
    void close() throws WriteException;
}
