package dev.fanout.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Another process holding a DuckDB file for writing, as a running ingest does, so {@code fanout bench}
 * (and the tests) meet DuckDB's real cross-process lock. {@link #start} launches a JVM on this process's
 * own class path (under Maven as under {@code bin/fanout}) that opens the file, creates a table in it,
 * says so, and keeps the file until its standard input closes; {@link #close} closes it and waits for
 * the process to end, so no holder outlives its owner — nor its owner's death, which closes the pipe.
 */
final class DuckDbLockHolder implements AutoCloseable {

    private static final String READY = "READY";
    private final Process process;

    private DuckDbLockHolder(Process process) {
        this.process = process;
    }

    /**
     * Starts a holder of {@code file} and returns once it holds the file (its {@code READY} line; lines
     * before it, such as a JVM notice, are skipped), within 60 s; on any failure the process is ended.
     */
    static DuckDbLockHolder start(Path file) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), DuckDbLockHolder.class.getName(),
                file.toAbsolutePath().toString()).redirectErrorStream(true).start();
        List<String> before = new ArrayList<>();
        CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(() -> {
            try {
                BufferedReader output = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                for (String line = output.readLine(); line != null; line = output.readLine()) {
                    if (READY.equals(line)) {
                        return true;
                    }
                    synchronized (before) {
                        before.add(line);
                    }
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        });
        boolean holding;
        try {
            holding = ready.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            holding = false;
        } catch (ExecutionException | TimeoutException e) {
            holding = false;
        }
        if (!holding) {
            p.destroyForcibly();
            String said;
            synchronized (before) {
                said = before.stream().limit(5).collect(Collectors.joining(" ")).trim();
            }
            throw new IOException("the process to hold " + file + " did not start within 60 s: " + (said.isEmpty() ? "(no output)" : said));
        }
        return new DuckDbLockHolder(p);
    }

    /** The holding process's id, which DuckDB names in its lock error. */
    long pid() {
        return process.pid();
    }

    /** Lets the file go and waits for the holder to end; killed if it has not ended within 30 s. Idempotent. */
    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // the pipe is gone: the holder is ending anyway
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** Opens {@code args[0]} for writing, creates a table in it, prints READY and holds the file until stdin closes. */
    public static void main(String[] args) throws SQLException, IOException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + args[0]); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS held (x INTEGER)");
            System.out.println(READY);
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the file until stdin closes
            }
        }
    }
}
