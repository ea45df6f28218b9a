package dev.fanout.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/**
 * Another process holding a DuckDB file, as a running ingest does: {@link #start} launches a JVM that
 * opens the file for writing, says so on its output, and keeps it open until it is closed.
 */
final class DuckDbFileHolder implements AutoCloseable {

    private static final String READY = "holding";
    private final Process process;

    private DuckDbFileHolder(Process process) {
        this.process = process;
    }

    static DuckDbFileHolder start(Path file) throws IOException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DuckDbFileHolder.class.getName(), file.toString())
                .redirectErrorStream(true).start();
        String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
        if (!READY.equals(line)) {
            p.destroyForcibly();
            throw new IllegalStateException("the holder of " + file + " did not start: " + line);
        }
        return new DuckDbFileHolder(p);
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Opens {@code args[0]} for writing and holds it until killed. */
    public static void main(String[] args) throws SQLException, InterruptedException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + args[0])) {
            c.createStatement().execute("CREATE TABLE IF NOT EXISTS held (x INTEGER)");
            System.out.println(READY);
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
