package dev.fanout.writer.duckdb;

import dev.fanout.api.WriteException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

/**
 * A DuckDB database file on this machine, created with its directory when missing. DuckDB lets one
 * process at a time open a file for writing: a file held by another process fails {@link #connect}
 * retryably with the holder's PID (the holder may finish; the core retries the open, then parks),
 * and a file this process already has open with other settings fails permanently, since one file
 * takes one writer.
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
