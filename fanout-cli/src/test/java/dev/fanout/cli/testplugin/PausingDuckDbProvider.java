package dev.fanout.cli.testplugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Destination;
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

/**
 * A pause point a test controls, for killing a fanout process at a known moment: scheme
 * {@code paused:path} is a real DuckDB file written by the real DuckDB writer, and in a process
 * started with {@code -D}{@value #DIR}{@code =<dir>} the writers of this scheme, together, stop before
 * their write number {@value #BEFORE} (default 1): they create {@code <dir>/}{@value #PAUSED}, then wait
 * until {@code <dir>/}{@value #RELEASE} exists. So when the test sees {@value #PAUSED}, exactly the writes
 * before that one have returned, and nothing is being written. With {@code -D}{@value #REFUSE}{@code =true}
 * every write fails permanently instead of writing, so its packets are parked. Without {@value #DIR}
 * the scheme is plain DuckDB.
 *
 * <p>Like the real scheme it copies from another destination of its own scheme inside DuckDB
 * ({@link Capability#COPY_FROM_SAME_ENGINE}), and exports row streams ({@link Capability#EXPORT_ROWS}); each range
 * copied inside DuckDB or exported counts as a write and pauses likewise.
 */
public final class PausingDuckDbProvider extends DuckDbFaultScheme {

    public static final String DIR = "fanout.test.pause.dir";
    public static final String BEFORE = "fanout.test.pause.before";
    public static final String REFUSE = "fanout.test.pause.refuse";
    public static final String PAUSED = "paused";
    public static final String RELEASE = "release";

    private static final AtomicInteger WRITES = new AtomicInteger();

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
        return new Forwarding(real) {
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
                return real.sameEngineCopy().map(engine -> source -> pausing(engine.attach(asDuckDb(source))));
            }

            @Override
            public Optional<TableReader> reader() {
                return real.reader().map(PausingDuckDbProvider::pausing);
            }
        };
    }

    /** {@code reader}, whose row export pauses before a range as before a write. */
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
