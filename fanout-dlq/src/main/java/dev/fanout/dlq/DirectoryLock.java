package dev.fanout.dlq;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The exclusive lock on a store directory: an OS file lock on {@code .lock}, which also holds the
 * owner's pid for the error message of whoever is refused. The OS releases it when the process dies,
 * so a crash never leaves a stale lock; the file itself is never deleted (deleting it would let two
 * processes lock two different files).
 *
 * <p>POSIX locks belong to the process and closing <em>any</em> descriptor of the file releases them,
 * so a second open in this JVM is refused from a registry before the file is touched.
 */
final class DirectoryLock implements Closeable {

    static final String FILE_NAME = ".lock";

    private static final Map<Path, DirectoryLock> HELD = new HashMap<>();
    /** Channels that must stay open: closing them would release a lock held elsewhere in this JVM. */
    private static final List<FileChannel> NEVER_CLOSED = new ArrayList<>();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private final Instant since;

    private DirectoryLock(Path key, FileChannel channel, FileLock lock, Instant since) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
        this.since = since;
    }

    static DirectoryLock acquire(Path dir) throws IOException {
        Path key = dir.toRealPath();
        synchronized (HELD) {
            DirectoryLock held = HELD.get(key);
            if (held != null) {
                throw new DeadLetterStoreLockedException(dir, "dead-letter store " + dir
                        + " is already open for writing in this process (pid " + ProcessHandle.current().pid()
                        + ", since " + held.since + "): close that DeadLetterStore first, or share it");
            }
            Path file = dir.resolve(FILE_NAME);
            FileChannel channel;
            try {
                channel = FileChannel.open(file, Permissions.fileOptions(StandardOpenOption.CREATE,
                        StandardOpenOption.READ, StandardOpenOption.WRITE), Permissions.ownerFile());
            } catch (IOException e) {
                throw new IOException("cannot lock dead-letter store " + dir + ": cannot create or open its lock file: "
                        + IoFailures.reason(e), e);
            }
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                NEVER_CLOSED.add(channel);
                throw new DeadLetterStoreLockedException(dir, "dead-letter store " + dir
                        + " is locked by other code in this process (pid " + ProcessHandle.current().pid()
                        + "): open it once and share the DeadLetterStore");
            } catch (IOException e) {
                channel.close();
                throw new IOException("cannot lock dead-letter store " + dir + " (" + file + "): " + IoFailures.reason(e), e);
            }
            if (lock == null) {
                String holder = holder(channel);
                channel.close();
                throw new DeadLetterStoreLockedException(dir, "dead-letter store " + dir
                        + " is in use by another fanout process" + (holder.isEmpty() ? "" : " (" + holder + ")")
                        + ": one process at a time may write it. Stop that process, or give this topology its own"
                        + " dlq.path; fanout dlq list, show and export can read the store meanwhile");
            }
            Instant since = Instant.now();
            try {
                byte[] owner = ("pid " + ProcessHandle.current().pid() + ", since " + since + "\n")
                        .getBytes(StandardCharsets.UTF_8);
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(owner), 0);
                channel.force(false);
            } catch (IOException e) {
                lock.release();
                channel.close();
                throw new IOException("cannot write the owner of dead-letter store " + dir + " into " + file + ": "
                        + IoFailures.reason(e), e);
            }
            DirectoryLock acquired = new DirectoryLock(key, channel, lock, since);
            HELD.put(key, acquired);
            return acquired;
        }
    }

    private static String holder(FileChannel channel) {
        try {
            ByteBuffer b = ByteBuffer.allocate(256);
            channel.read(b, 0);
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (HELD) {
            HELD.remove(key);
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
