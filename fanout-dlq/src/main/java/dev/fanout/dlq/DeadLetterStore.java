package dev.fanout.dlq;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The durable dead-letter store: a directory (the topology's {@code dlq.path}) with one append-only
 * file per table. Nothing parked here is lost: a packet that could not be written waits, with its
 * reason, until a replay commits it or a person purges it.
 *
 * <p><b>Durability.</b> {@link #park} appends one checksummed record and fsyncs the file (and, for a
 * new file, the directory) before it returns: that return is the point at which the dispatcher may
 * acknowledge the packet as dead-lettered. A crash mid-append leaves at most a torn last record, which
 * readers skip and the next writer cuts off; a damaged record is skipped without hiding the others.
 *
 * <p><b>State.</b> Records are never rewritten in place. Parking a letter whose id is already stored
 * (a failed replay: {@link DeadLetter#failedAgain}) supersedes the older record; {@link #resolve}
 * appends a tombstone. Readers see the latest record of each id, tombstoned ids excluded, in the order
 * the ids were first parked. So a file grows until {@link #compact} replaces it, atomically, with a copy
 * of its live records.
 *
 * <p><b>Concurrency.</b> One process at a time writes a store ({@link #open} takes an exclusive file
 * lock, {@link DeadLetterStoreLockedException} otherwise); any number read it ({@link #openReadOnly}),
 * also while it is being written. All methods are thread-safe; appends to different tables proceed in
 * parallel.
 *
 * <p><b>Privacy.</b> The directory is created 0700 and every file 0600 where the file system has POSIX
 * permissions: the records hold the rows themselves.
 *
 * <p>The file format is described in the module's README.
 */
public final class DeadLetterStore implements DeadLetterSink, AutoCloseable {

    static final System.Logger LOG = System.getLogger(DeadLetterStore.class.getName());

    private static final String COMPACTION_SUFFIX = ".tmp";
    private static final char[] CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final DirectoryLock lock;
    private final Map<String, TableLog> logs = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private DeadLetterStore(Path dir, DirectoryLock lock) {
        this.dir = dir;
        this.lock = lock;
    }

    /**
     * Opens the store at {@code dir} for writing, creating the directory (0700) when needed.
     *
     * @throws DeadLetterStoreLockedException when another process, or another open store in this one,
     *                                        writes it
     * @throws IOException                    when the directory cannot be created or locked
     */
    public static DeadLetterStore open(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir is null");
        Path d = dir.toAbsolutePath().normalize();
        createDirectory(d);
        DirectoryLock lock = DirectoryLock.acquire(d);
        try {
            removeCompactionLeftovers(d);
        } catch (IOException e) {
            lock.close();
            throw new IOException("dead-letter store " + d + ": cannot remove the leftovers of an interrupted compaction: "
                    + IoFailures.reason(e), e);
        }
        return new DeadLetterStore(d, lock);
    }

    /**
     * Opens the store at {@code dir} for reading only, without the lock, so it works while a fanout
     * process writes the store (a record being appended is not seen yet). A missing directory is an
     * empty store.
     */
    public static DeadLetterStore openReadOnly(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir is null");
        Path d = dir.toAbsolutePath().normalize();
        if (Files.exists(d) && !Files.isDirectory(d)) {
            throw new IOException("dead-letter store " + d + " is not a directory: point dlq.path at a directory");
        }
        return new DeadLetterStore(d, null);
    }

    /**
     * A new record id: 26 characters (a ULID: milliseconds since the epoch, then 80 random bits, in
     * Crockford base 32), so ids sort by creation time and can be typed into {@code fanout dlq show --id}.
     */
    public static String newId() {
        long time = System.currentTimeMillis();
        byte[] r = new byte[10];
        RANDOM.nextBytes(r);
        char[] out = new char[26];
        for (int i = 9; i >= 0; i--) {
            out[i] = CROCKFORD[(int) (time & 31)];
            time >>>= 5;
        }
        long hi = (r[0] & 0xff) << 8 | (r[1] & 0xff);
        long lo = ByteBuffer.wrap(r, 2, 8).getLong();
        for (int i = 25; i >= 10; i--) {
            out[i] = CROCKFORD[(int) (lo & 31)];
            lo = lo >>> 5 | (hi & 31) << 59;
            hi >>>= 5;
        }
        return new String(out);
    }

    /** The store's directory, absolute. */
    public Path directory() {
        return dir;
    }

    public boolean isReadOnly() {
        return lock == null;
    }

    /**
     * Appends {@code letter} to its table's file and fsyncs it; returns only once the record is durable.
     * A letter with the id of a stored one supersedes it.
     *
     * @throws IOException naming the file when the record could not be made durable; the file is left
     *                     ending at the previous record
     */
    @Override
    public void park(DeadLetter letter) throws IOException {
        Objects.requireNonNull(letter, "letter is null");
        requireWritable("park");
        append(letter.table(), PayloadCodec.format(letter), PayloadCodec.letter(letter), true);
    }

    /**
     * Marks the dead letter {@code id} of {@code table} as done (its replay committed) by appending a
     * durable tombstone. Resolving an id that is not stored, or a table without a file, changes nothing.
     */
    public void resolve(String table, String id) throws IOException {
        Objects.requireNonNull(table, "table is null");
        Objects.requireNonNull(id, "id is null");
        requireWritable("resolve");
        append(table, PayloadCodec.FORMAT_1, PayloadCodec.tombstone(id, Instant.now()), false);
    }

    /**
     * Deletes every dead letter of {@code table}: its file goes.
     *
     * @return whether the table had a file
     */
    public boolean purge(String table) throws IOException {
        Objects.requireNonNull(table, "table is null");
        requireWritable("purge");
        TableLog log = log(table);
        synchronized (log) {
            log.closeChannel();
            Files.deleteIfExists(log.file.resolveSibling(log.file.getFileName() + COMPACTION_SUFFIX));
            boolean existed = Files.deleteIfExists(log.file);
            if (existed) {
                Permissions.syncDirectory(dir);
            }
            return existed;
        }
    }

    /**
     * Rewrites {@code table}'s file with only the latest record of each live id, in the order the ids
     * were first parked, or removes the file when nothing is live. Worth it after a replay: resolved and
     * superseded records stay in the file until then. Records this version cannot decode (a newer
     * format) are kept as they are; damaged bytes and a torn tail, which no reader can use, are not
     * copied (each is logged with its offset when read).
     *
     * <p><b>Crash safety.</b> The live records are copied to {@code <file>.tmp}, which is fsynced and
     * then renamed over the file (an atomic rename), and the directory is fsynced. A crash before the
     * rename leaves the old file whole and a leftover that the next {@link #open} removes and readers
     * never look at; after it, the new file. No moment exists at which a live record is in neither.
     * Readers ({@link #openReadOnly}) see the old file or the new one, each whole.
     *
     * @return what the file held before and after
     */
    public TableCompaction compact(String table) throws IOException {
        return compact(table, false).orElseThrow();
    }

    /**
     * {@link #compact} when none of {@code table}'s dead letters is live any more — a replay resolved
     * them all — which removes its file; otherwise leaves the file as it is and returns empty. Costs
     * one read of the file.
     */
    public Optional<TableCompaction> compactIfEmpty(String table) throws IOException {
        return compact(table, true);
    }

    private Optional<TableCompaction> compact(String table, boolean onlyWhenEmpty) throws IOException {
        Objects.requireNonNull(table, "table is null");
        requireWritable("compact");
        TableLog log = log(table);
        synchronized (log) {
            log.closeChannel();
            FileChannel in;
            try {
                in = FileChannel.open(log.file, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return onlyWhenEmpty ? Optional.empty() : Optional.of(new TableCompaction(table, 0, 0, 0, 0, 0));
            }
            try (in) {
                long size = in.size();
                TableIndex index = index(in, size, log.file, false);
                long dropped = index.scan.corruptBytes() + index.scan.tornTailBytes();
                if (onlyWhenEmpty && !index.live.isEmpty()) {
                    return Optional.empty();
                }
                if (index.live.isEmpty() && index.kept.isEmpty()) {
                    Files.delete(log.file);
                    Permissions.syncDirectory(dir);
                    return Optional.of(new TableCompaction(table, index.records, size, 0, 0, dropped));
                }
                Path tmp = log.file.resolveSibling(log.file.getFileName() + COMPACTION_SUFFIX);
                List<Long> offsets = new ArrayList<>(index.kept);
                index.live.values().forEach(e -> offsets.add(e.offset()));
                long written;
                try {
                    written = copyFrames(in, size, offsets, tmp);
                } catch (IOException | RuntimeException e) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException cleanup) {
                        e.addSuppressed(cleanup);
                    }
                    if (e instanceof IOException io) {
                        throw new IOException("cannot compact dead-letter file " + log.file + " (" + IoFailures.reason(io)
                                + "); the file is as it was: check free space (it needs up to " + size
                                + " bytes more) and permissions of " + dir, e);
                    }
                    throw e;
                }
                try {
                    Files.move(tmp, log.file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    Files.deleteIfExists(tmp);
                    throw new IOException("cannot compact dead-letter file " + log.file + ": renaming the compacted copy over it"
                            + " failed (" + IoFailures.reason(e) + "); the file is as it was", e);
                }
                Permissions.syncDirectory(dir);
                return Optional.of(new TableCompaction(table, index.records, size, offsets.size(), written, dropped));
            }
        }
    }

    /** Copies the frames at {@code offsets} of {@code in} into a new file {@code to} and fsyncs it; returns the bytes copied. */
    private static long copyFrames(FileChannel in, long size, List<Long> offsets, Path to) throws IOException {
        long written = 0;
        try (FileChannel out = FileChannel.open(to, Permissions.fileOptions(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), Permissions.ownerFile())) {
            for (long offset : offsets) {
                Frames.Frame f = Frames.read(in, offset, size);
                if (f == null) {
                    throw new IOException("the record at offset " + offset + " changed while being copied; is another program"
                            + " writing the file?");
                }
                long n = f.end() - offset;
                for (long copied = 0; copied < n; ) {
                    copied += in.transferTo(offset + copied, n - copied, out);
                }
                written += n;
            }
            out.force(true);
        }
        return written;
    }

    /** The tables that have a file in the store, sorted. */
    public List<String> tables() throws IOException {
        requireOpen();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> tables = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                if (!TableFileName.isTableFile(name) || !Files.isRegularFile(p)) {
                    continue;
                }
                String table = TableFileName.tableOf(name);
                if (table == null) {
                    table = tableInside(p);
                }
                if (table != null) {
                    tables.add(table);
                }
            }
        }
        tables.sort(Comparator.naturalOrder());
        return tables;
    }

    /** The live dead letters of {@code table}, in the order their ids were first parked. */
    public List<DeadLetter> records(String table) throws IOException {
        try (Stream<DeadLetter> s = stream(table)) {
            return s.toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Like {@link #records} but decodes one record at a time, for tables too large to hold in memory.
     * Close the stream: it holds the file open. Read failures surface as {@link UncheckedIOException}.
     */
    public Stream<DeadLetter> stream(String table) throws IOException {
        Objects.requireNonNull(table, "table is null");
        requireOpen();
        Path file = dir.resolve(TableFileName.of(table));
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return Stream.empty();
        }
        try {
            long limit = readLimit(table, ch);
            TableIndex index = index(ch, limit, file);
            return index.live.values().stream()
                    .map(e -> decodeAt(ch, e.offset(), limit, file))
                    .filter(Objects::nonNull)
                    .onClose(() -> {
                        try {
                            ch.close();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The live dead letter with {@code id}, in whichever table it is. */
    public Optional<DeadLetter> find(String id) throws IOException {
        Objects.requireNonNull(id, "id is null");
        for (String table : tables()) {
            Path file = dir.resolve(TableFileName.of(table));
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long limit = readLimit(table, ch);
                Entry e = index(ch, limit, file).live.get(id);
                if (e != null) {
                    return Optional.ofNullable(decodeAt(ch, e.offset(), limit, file));
                }
            } catch (NoSuchFileException e) {
                // purged meanwhile
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        return Optional.empty();
    }

    /** Counts, failure times and grouped reasons of {@code table}'s live dead letters, without decoding rows. */
    public TableStats stats(String table) throws IOException {
        Objects.requireNonNull(table, "table is null");
        requireOpen();
        Path file = dir.resolve(TableFileName.of(table));
        TableIndex index;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            index = index(ch, readLimit(table, ch), file);
        } catch (NoSuchFileException e) {
            return new TableStats(table, 0, 0, null, null, List.of(), 0, 0);
        }
        long rows = 0;
        Instant oldest = null;
        Instant newest = null;
        Map<List<String>, int[]> counts = new HashMap<>();
        Map<List<String>, String> examples = new HashMap<>();
        for (Entry e : index.live.values()) {
            PayloadCodec.Summary s = e.summary();
            rows += s.rowCount();
            oldest = oldest == null || s.firstFailureAt().isBefore(oldest) ? s.firstFailureAt() : oldest;
            newest = newest == null || s.lastFailureAt().isAfter(newest) ? s.lastFailureAt() : newest;
            List<String> key = List.of(s.errorClass(), TableStats.pattern(s.message()));
            counts.computeIfAbsent(key, k -> new int[1])[0]++;
            examples.putIfAbsent(key, s.message());
        }
        List<TableStats.Reason> reasons = new ArrayList<>();
        counts.forEach((k, n) -> reasons.add(new TableStats.Reason(k.get(0), k.get(1), n[0], examples.get(k))));
        reasons.sort(Comparator.comparingInt(TableStats.Reason::count).reversed()
                .thenComparing(TableStats.Reason::errorClass).thenComparing(TableStats.Reason::pattern));
        return new TableStats(table, index.live.size(), rows, oldest, newest, reasons, index.scan.corruptBytes(),
                index.scan.tornTailBytes());
    }

    /** Releases the lock and closes the files; a read-only store only stops answering. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        for (TableLog log : logs.values()) {
            synchronized (log) {
                try {
                    log.closeChannel();
                } catch (IOException e) {
                    failure = e;
                }
            }
        }
        if (lock != null) {
            lock.close();
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "DeadLetterStore[" + dir + (isReadOnly() ? ", read-only" : "") + "]";
    }

    private void append(String table, int format, byte[] payload, boolean createFile) throws IOException {
        TableLog log = log(table);
        synchronized (log) {
            requireOpen();
            if (log.channel == null) {
                if (!createFile && !Files.exists(log.file)) {
                    return;
                }
                openForAppend(log);
            }
            FileChannel ch = log.channel;
            long start = log.end;
            try {
                ByteBuffer[] frame = Frames.frame(format, payload);
                ch.position(start);
                long total = Frames.HEADER_BYTES + (long) payload.length;
                for (long written = 0; written < total; ) {
                    written += ch.write(frame);
                }
                ch.force(true);
                log.end = start + total;
            } catch (IOException e) {
                try {
                    ch.truncate(start);
                    ch.force(true);
                } catch (IOException undo) {
                    e.addSuppressed(undo);
                    log.closeChannel();
                }
                throw new IOException("cannot append a dead letter to " + log.file + " (" + IoFailures.reason(e)
                        + "): check free space and permissions of " + dir, e);
            }
        }
    }

    private void openForAppend(TableLog log) throws IOException {
        boolean created = !Files.exists(log.file);
        FileChannel ch = FileChannel.open(log.file, Permissions.fileOptions(StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE), Permissions.ownerFile());
        try {
            Frames.Scan scan = Frames.scan(ch, ch.size(), log.file, f -> { });
            if (scan.tornTailBytes() > 0) {
                LOG.log(System.Logger.Level.WARNING, "dead-letter file {0}: cut {1} bytes after the last whole record"
                        + " at offset {2} (a write cut short by a crash; it had not been acknowledged)",
                        log.file, scan.tornTailBytes(), scan.cleanEnd());
                ch.truncate(scan.cleanEnd());
                ch.force(true);
            }
            log.channel = ch;
            log.end = scan.cleanEnd();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (created) {
            Permissions.syncDirectory(dir);
        }
    }

    private TableLog log(String table) {
        return logs.computeIfAbsent(table, t -> new TableLog(dir.resolve(TableFileName.of(t))));
    }

    /** How far a reader may trust the file: this process's own clean end when it appends to the table. */
    private long readLimit(String table, FileChannel ch) throws IOException {
        TableLog log = isReadOnly() ? null : logs.get(table);
        long end = log == null ? -1 : log.end;
        return end >= 0 ? Math.min(end, ch.size()) : ch.size();
    }

    private static TableIndex index(FileChannel ch, long limit, Path file) throws IOException {
        return index(ch, limit, file, true);
    }

    /**
     * The live entries of a file, each with its summary, or — {@code summaries} false, for a compaction,
     * which needs only where each live record is — without, so that a table of millions of records
     * does not need their messages in memory.
     */
    private static TableIndex index(FileChannel ch, long limit, Path file, boolean summaries) throws IOException {
        TableIndex index = new TableIndex();
        index.scan = Frames.scan(ch, limit, file, f -> {
            index.records++;
            if (f.version() > PayloadCodec.LATEST_FORMAT) {
                index.kept.add(f.offset());
                LOG.log(System.Logger.Level.WARNING, "dead-letter file {0}: record at offset {1} has format version {2},"
                        + " written by a newer fanout; skipped (use that version to read it)", file, f.offset(), f.version());
                return;
            }
            PayloadCodec.Head head;
            try {
                head = PayloadCodec.head(f.payload());
            } catch (IOException | RuntimeException e) {
                index.kept.add(f.offset());
                LOG.log(System.Logger.Level.WARNING, "dead-letter file {0}: record at offset {1} passes its checksum"
                        + " but cannot be decoded ({2}); skipped", file, f.offset(), e.getMessage());
                return;
            }
            if (head.kind() == PayloadCodec.KIND_TOMBSTONE) {
                index.live.remove(head.id());
            } else {
                index.live.put(head.id(), new Entry(f.offset(), summaries ? head.summary() : null));
            }
        });
        if (index.scan.tornTailBytes() > 0) {
            LOG.log(System.Logger.Level.DEBUG, "dead-letter file {0}: {1} bytes after the last whole record"
                    + " (a torn write or one in progress); not read", file, index.scan.tornTailBytes());
        }
        return index;
    }

    private static DeadLetter decodeAt(FileChannel ch, long offset, long limit, Path file) {
        try {
            Frames.Frame f = Frames.read(ch, offset, limit);
            if (f == null) {
                throw new IOException("dead-letter file " + file + " changed while being read (record at offset "
                        + offset + "): retry");
            }
            try {
                return PayloadCodec.decodeLetter(f.payload(), f.version());
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "dead-letter file {0}: record at offset {1} passes its checksum"
                        + " but its packet cannot be decoded ({2}); skipped", file, offset, e.getMessage());
                return null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tableInside(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (Entry e : index(ch, ch.size(), file).live.values()) {
                return e.summary().table();
            }
            return null;
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static void createDirectory(Path d) throws IOException {
        if (Files.isDirectory(d)) {
            return;
        }
        if (Files.exists(d)) {
            throw new IOException("dead-letter store " + d + " is not a directory: point dlq.path at a directory");
        }
        Path parent = d.getParent();
        if (parent != null) {
            try {
                Files.createDirectories(parent);
            } catch (IOException e) {
                throw new IOException("dead-letter store " + d + ": cannot create its directory: " + IoFailures.reason(e), e);
            }
        }
        try {
            Files.createDirectory(d, Permissions.ownerDirectory());
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(d)) {
                throw new IOException("dead-letter store " + d + " is not a directory: point dlq.path at a directory", e);
            }
        } catch (IOException e) {
            throw new IOException("dead-letter store " + d + ": cannot create its directory: " + IoFailures.reason(e), e);
        }
    }

    private static void removeCompactionLeftovers(Path d) throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(d, "*" + TableFileName.SUFFIX + COMPACTION_SUFFIX)) {
            for (Path p : leftovers) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("dead-letter store " + dir + " is closed");
        }
    }

    private void requireWritable(String operation) {
        requireOpen();
        if (isReadOnly()) {
            throw new IllegalStateException("dead-letter store " + dir + " was opened read-only: cannot " + operation
                    + "; open it with DeadLetterStore.open");
        }
    }

    /** Where a live record is, and its summary unless the index was built for a compaction. */
    private record Entry(long offset, PayloadCodec.Summary summary) {
    }

    private static final class TableIndex {
        final LinkedHashMap<String, Entry> live = new LinkedHashMap<>();
        /** Records skipped but preserved by compaction: a newer format, or undecodable. */
        final List<Long> kept = new ArrayList<>();
        /** Readable records of every kind, superseded and tombstones included. */
        long records;
        Frames.Scan scan;
    }

    /** A table file open for appending; fields guarded by the instance's monitor, except {@code end} for readers. */
    private static final class TableLog {
        final Path file;
        FileChannel channel;
        volatile long end = -1;

        TableLog(Path file) {
            this.file = file;
        }

        void closeChannel() throws IOException {
            FileChannel ch = channel;
            channel = null;
            end = -1;
            if (ch != null) {
                ch.close();
            }
        }
    }
}
