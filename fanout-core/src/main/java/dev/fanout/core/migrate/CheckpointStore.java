package dev.fanout.core.migrate;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.common.hash.Hashing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;

/**
 * The checkpoints of a migration, one JSON file per move in a state directory. A checkpoint is
 * replaced atomically — written to a temporary file, fsynced, renamed over the old one, the directory
 * fsynced — so a crash at any point leaves the previous or the new checkpoint, never a torn one.
 * One process uses a state directory at a time (a lock file, released when the process dies).
 */
public final class CheckpointStore implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private CheckpointStore(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Opens (creating) the state directory {@code dir} and locks it.
     *
     * @throws IllegalStateException when another process holds it, naming the directory and that process
     */
    public static CheckpointStore open(Path dir) {
        Objects.requireNonNull(dir, "dir is null");
        Path lockFile = dir.resolve(".lock");
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = new String(Files.readAllBytes(lockFile), StandardCharsets.US_ASCII).trim();
                channel.close();
                throw new IllegalStateException("migration state directory " + dir + " is in use by another fanout migrate"
                        + (holder.isEmpty() ? "" : " (PID " + holder + ")") + "; wait for it to finish or stop it");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)));
            return new CheckpointStore(dir, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot open migration state directory " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path directory() {
        return dir;
    }

    /** The checkpoint of {@code move}, when an earlier run left one. */
    Optional<Checkpoint> load(Move move) {
        Path file = fileOf(move);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            Checkpoint c = JSON.readValue(file.toFile(), Checkpoint.class);
            if (!c.belongsTo(move)) {
                throw new IllegalStateException("checkpoint " + file + " belongs to another move (" + c.table() + ", " + c.rows()
                        + "); remove it");
            }
            return Optional.of(c);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint " + file + " is unreadable (" + e.getMessage()
                    + "); remove it to copy " + move.table() + " again", e);
        }
    }

    /** Replaces the checkpoint of {@code move} with {@code checkpoint}, durably. */
    void save(Move move, Checkpoint checkpoint) {
        Path file = fileOf(move);
        Path temp = dir.resolve(file.getFileName() + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(JSON.writeValueAsBytes(checkpoint));
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                out.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException ignored) {
                // some file systems cannot fsync a directory; the rename itself is atomic
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    Path fileOf(Move move) {
        String name = move.table().replaceAll("[^A-Za-z0-9_-]", "_");
        String hash = Hashing.sha256().hashString(move.identity(), StandardCharsets.UTF_8).toString().substring(0, 16);
        return dir.resolve(name.substring(0, Math.min(40, name.length())) + "-" + hash + ".json");
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }
}
