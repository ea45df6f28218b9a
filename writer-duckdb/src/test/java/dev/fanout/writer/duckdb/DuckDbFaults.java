package dev.fanout.writer.duckdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
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
}
