package dev.fanout.writer.duckdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.duckdb.DuckDBDriver;

/** Real DuckDB failures for tests of writers built on DuckDB (this one and MotherDuck's). */
public final class DuckDbFaults {

    private DuckDbFaults() {
    }

    /**
     * Makes DuckDB invalidate the database a writer in this process has open on {@code file}: a
     * second connection with the writer's configuration shares its instance, and DuckDB's debug
     * switch makes a checkpoint fail fatally. The writer's next statement fails; a writer that
     * reopens the file recovers.
     */
    public static void invalidate(Path file) throws SQLException {
        Properties sameAsTheWriter = new Properties();
        sameAsTheWriter.setProperty("threads", DuckDbWriterProvider.DEFAULT_THREADS);
        try (Connection c = new DuckDBDriver().connect("jdbc:duckdb:" + file, sameAsTheWriter); Statement s = c.createStatement()) {
            s.execute("SET debug_checkpoint_abort = 'before_header'");
            s.execute("CREATE TABLE scratch AS SELECT 1 AS x");
            SQLException fatal = catchThrowableOfType(SQLException.class, () -> s.execute("CHECKPOINT"));
            assertThat(fatal.getMessage()).startsWith("FATAL Error");
        }
    }

    /**
     * Holds {@code file} in another process (a {@link LockHolder}, which writes a table {@code held}
     * to it) until the result is closed: DuckDB's file lock then refuses every other process's writer,
     * as a running ingest does. Returns once the other process holds the file.
     */
    public static HeldFile holdInAnotherProcess(Path file) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(), file.toString())
                .redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        BufferedReader out = child.inputReader();
        String line;
        while ((line = out.readLine()) != null && !line.equals("READY")) {
            output.add(line);
        }
        if (line == null) {
            child.destroyForcibly();
            throw new IllegalStateException("the process that was to hold " + file + " ended without holding it: " + output);
        }
        return new HeldFile(child);
    }

    /** A DuckDB file held by another process; closing ends that process (its stdin closes) and waits for it. */
    public static final class HeldFile implements AutoCloseable {

        private final Process process;

        private HeldFile(Process process) {
            this.process = process;
        }

        /** The holding process's id, which DuckDB names in its lock error. */
        public long pid() {
            return process.pid();
        }

        @Override
        public void close() throws IOException, InterruptedException {
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
