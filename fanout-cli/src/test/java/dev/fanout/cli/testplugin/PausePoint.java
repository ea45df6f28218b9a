package dev.fanout.cli.testplugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.RowDigest;
import dev.fanout.api.RowExport;
import dev.fanout.api.RowFilter;
import dev.fanout.api.SameEngineCopy;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A pause point a test controls, for killing a fanout process at a known moment, shared by the
 * pausing schemes ({@link PausingDuckDbProvider}, {@link PausingClickHouseProvider}): in a process
 * started with {@code -D}{@value #DIR}{@code =<dir>}, the writers of those schemes, together, stop
 * before their write number {@value #BEFORE} (default 1) — a range copied inside the engine or exported
 * as a row stream counts as a write: they create {@code <dir>/}{@value #PAUSED}, then wait until {@code <dir>/}{@value #RELEASE}
 * exists. So when the test sees {@value #PAUSED}, exactly the writes before that one have returned,
 * and nothing is being written. With {@code -D}{@value #REFUSE}{@code =true} every write fails
 * permanently instead of writing, so its packets are parked. Without {@value #DIR} nothing pauses.
 */
public final class PausePoint {

    public static final String DIR = "fanout.test.pause.dir";
    public static final String BEFORE = "fanout.test.pause.before";
    public static final String REFUSE = "fanout.test.pause.refuse";
    public static final String PAUSED = "paused";
    public static final String RELEASE = "release";

    private static final AtomicInteger WRITES = new AtomicInteger();

    private PausePoint() {
    }

    /**
     * {@code real}, the writer of {@code destination}, pausing before each write and each range it
     * copies inside its engine from a source that {@code asReal} turns into a destination of its own scheme.
     */
    static BaseWriter pausing(Destination destination, BaseWriter real, UnaryOperator<Destination> asReal) {
        return new FaultScheme.Forwarding(real) {
            @Override
            public void write(WriteBatch batch) throws WriteException {
                pauseIfDue();
                if (Boolean.getBoolean(REFUSE)) {
                    throw WriteException.permanent("destination " + destination.name() + ": injected refusal of table "
                            + batch.table(), null);
                }
                real.write(batch);
            }

            @Override
            public Optional<SameEngineCopy> sameEngineCopy() {
                return real.sameEngineCopy().map(engine -> new SameEngineCopy() {
                    @Override
                    public boolean reaches(Destination source) {
                        return engine.reaches(asReal.apply(source));
                    }

                    @Override
                    public Attached attach(Destination source) throws WriteException {
                        return pausing(engine.attach(asReal.apply(source)));
                    }
                });
            }

            @Override
            public Optional<TableReader> reader() {
                return real.reader().map(PausePoint::pausing);
            }
        };
    }

    /** {@code reader}, whose row export pauses before each range as before a write; everything else forwarded. */
    private static TableReader pausing(TableReader reader) {
        return new TableReader() {
            @Override
            public List<String> tables() throws WriteException {
                return reader.tables();
            }

            @Override
            public Optional<Schema> schema(String table) throws WriteException {
                return reader.schema(table);
            }

            @Override
            public long count(String table, RowFilter rows) throws WriteException {
                return reader.count(table, rows);
            }

            @Override
            public void scan(String table, RowFilter rows, Optional<List<Object>> afterKey, int batchRows, PacketSink sink)
                    throws WriteException {
                reader.scan(table, rows, afterKey, batchRows, sink);
            }

            @Override
            public long delete(String table, RowFilter rows) throws WriteException {
                return reader.delete(table, rows);
            }

            @Override
            public boolean digestsRows() {
                return reader.digestsRows();
            }

            @Override
            public Optional<List<RowDigest.Bucket>> bucketDigests(String table, RowFilter rows, int buckets) throws WriteException {
                return reader.bucketDigests(table, rows, buckets);
            }

            @Override
            public void rowDigests(String table, RowFilter rows, int buckets, Set<Integer> ofBuckets, RowDigest.RowSink sink)
                    throws WriteException {
                reader.rowDigests(table, rows, buckets, ofBuckets, sink);
            }

            @Override
            public Optional<RowExport> rowExport() {
                return reader.rowExport().map(export -> (table, rows, afterKey, maxRows, out) -> {
                    pauseIfDue();
                    return export.export(table, rows, afterKey, maxRows, out);
                });
            }
        };
    }

    /** {@code attached}, pausing before a range as before a write. */
    private static SameEngineCopy.Attached pausing(SameEngineCopy.Attached attached) {
        return new SameEngineCopy.Attached() {
            @Override
            public Optional<Schema> schema(String table) throws WriteException {
                return attached.schema(table);
            }

            @Override
            public Optional<SameEngineCopy.CopiedRange> copyRange(String table, RowFilter rows, Optional<List<Object>> afterKey,
                                                                  int maxRows) throws WriteException {
                pauseIfDue();
                return attached.copyRange(table, rows, afterKey, maxRows);
            }

            @Override
            public SameEngineCopy.RowComparison compare(String table, RowFilter rows) throws WriteException {
                return attached.compare(table, rows);
            }

            @Override
            public void close() throws WriteException {
                attached.close();
            }
        };
    }

    private static void pauseIfDue() {
        String dir = System.getProperty(DIR);
        if (dir == null || WRITES.incrementAndGet() != Integer.getInteger(BEFORE, 1)) {
            return;
        }
        Path control = Path.of(dir);
        try {
            Files.writeString(control.resolve(PAUSED), ProcessHandle.current().pid() + "\n");
            while (!Files.exists(control.resolve(RELEASE))) {
                Thread.sleep(10);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
