package dev.fanout.writer.duckdb;

import dev.fanout.api.WriteException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

/**
 * A DuckDB database file on this machine, created with its directory when missing. DuckDB lets one
 * process at a time open a file for writing: a file held by another process fails {@link #connect}
 * retryably with the holder's PID (the holder may finish; the core retries the open, then parks),
 * and a file this process already has open with other settings fails permanently, since one file
 * takes one writer.
 *
 * <p>Its {@link #identity()} is the file's, not its name's: one file under two names (a hard link, a
 * symlink) has one identity, which the core lets one destination hold at a time.
 */
public final class LocalFileTarget implements DuckDbTarget {

    private final Path file;
    private final Map<String, String> settings;

    /**
     * @param file     the database file, absolute
     * @param settings DuckDB settings for the connection, e.g. {@code threads}; none may be secret
     */
    public LocalFileTarget(Path file, Map<String, String> settings) {
        this.file = Objects.requireNonNull(file, "file is null");
        this.settings = Map.copyOf(Objects.requireNonNull(settings, "settings is null"));
    }

    /**
     * The identity of the file {@code path} names: resolved against {@code baseDirectory}, absolute,
     * normalized and through symlinked parent directories, so two spellings of one file compare equal.
     */
    public static Path canonicalFile(Path baseDirectory, String path) {
        Objects.requireNonNull(baseDirectory, "baseDirectory is null");
        Objects.requireNonNull(path, "path is null");
        Path file = baseDirectory.resolve(path.trim()).toAbsolutePath().normalize();
        Path parent = file.getParent();
        if (parent != null && Files.isDirectory(parent)) {
            try {
                return parent.toRealPath().resolve(file.getFileName());
            } catch (IOException e) {
                return file;
            }
        }
        return file;
    }

    /**
     * {@code DuckDB file (device D, inode I)} for an existing file, through symlinks; for a file not
     * there yet, its nearest existing directory's device and inode and the rest of the path
     * ({@code new DuckDB file x.duckdb in the directory (device D, inode I)}), so two names of one
     * new file agree as well. Empty where the file system has no file keys.
     *
     * @throws WriteException permanent when the file system refuses to say (e.g. permission denied)
     */
    @Override
    public Optional<String> identity() throws WriteException {
        return fileIdentity(file);
    }

    /** {@link #identity()} of {@code file}, for targets that stand on a local file. */
    public static Optional<String> fileIdentity(Path file) throws WriteException {
        Path absolute = file.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null) {
            try {
                Object key = Files.readAttributes(existing, BasicFileAttributes.class).fileKey();
                if (key == null) {
                    return Optional.empty();
                }
                String where = describe(existing, key);
                return Optional.of(existing.equals(absolute) ? "DuckDB file " + where
                        : "new DuckDB file " + existing.relativize(absolute) + " in the directory " + where);
            } catch (NoSuchFileException e) {
                existing = existing.getParent();
            } catch (IOException e) {
                throw WriteException.permanent("cannot read the attributes of " + existing + " to tell which file DuckDB file "
                        + file + " is: " + e.getMessage() + " — check the permissions of its directories", e);
            }
        }
        return Optional.empty();
    }

    /** {@code (device D, inode I)} where the platform says them, else the file key as it prints. */
    private static String describe(Path existing, Object key) {
        try {
            Object device = Files.getAttribute(existing, "unix:dev");
            Object inode = Files.getAttribute(existing, "unix:ino");
            return "(device " + device + ", inode " + inode + ")";
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "(file key " + key + ")";
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public String describe() {
        return "DuckDB file " + file;
    }

    @Override
    public DuckDBConnection connect(String destination) throws WriteException {
        try {
            Path parent = file.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw WriteException.permanent("destination " + destination + ": cannot create the directory of DuckDB file " + file
                    + ": " + e.getMessage(), e);
        }
        try {
            Properties props = new Properties();
            props.putAll(settings);
            return new DuckDBDriver().connect("jdbc:duckdb:" + file, props).unwrap(DuckDBConnection.class);
        } catch (SQLException e) {
            throw DuckDbFailure.whileOpening(destination, file, e);
        }
    }

    @Override
    public String toString() {
        return "LocalFileTarget[" + file + "]";
    }
}
