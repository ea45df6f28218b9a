package dev.fanout.writer.motherduck;

import dev.fanout.writer.duckdb.DuckDbFaults;
import dev.fanout.writer.duckdb.DuckDbTables;
import dev.fanout.api.Destination;
import dev.fanout.api.WriterProvider;
import dev.fanout.tck.ReaderContractTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The writer contract through the MotherDuck writer in test mode ({@code test_local_path}): the md
 * destination's connection goes to a local DuckDB file, as real MotherDuck cannot be reached from
 * the test machines. The token is set, as in production, and must simply be unused.
 */
class MotherDuckWriterContractTest extends ReaderContractTest {

    @Override
    protected WriterProvider provider() {
        return new MotherDuckWriterProvider();
    }

    @Override
    protected Destination destination(Path tempDir) {
        return new Destination("contract", "md:contract", Map.of("token", "contract-test-token", "test_local_path", "data/contract.duckdb"),
                tempDir, Set.of("token"));
    }

    @Override
    protected List<Map<String, Object>> readTable(Destination destination, String table) throws Exception {
        return DuckDbTables.rows(MotherDuckDestination.of(destination).testLocalFile(), "main", table);
    }

    /** DuckDB invalidates the test-mode database; the writer reopens it and reports the batch retryable. */
    @Override
    protected AutoCloseable interruptTarget() throws Exception {
        DuckDbFaults.invalidate(MotherDuckDestination.of(destination).testLocalFile());
        return () -> { };
    }

    /** Another process holds the test-mode file: the writer's open finds it locked, retryably, until that process ends. */
    @Override
    protected AutoCloseable interruptTargetBeforeOpen() throws Exception {
        return DuckDbFaults.holdInAnotherProcess(MotherDuckDestination.of(destination).testLocalFile());
    }
}
