package dev.fanout.writer.duckdb;

import dev.fanout.api.Destination;
import dev.fanout.api.WriterProvider;
import dev.fanout.tck.ReaderContractTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

class DuckDbWriterContractTest extends ReaderContractTest {

    @Override
    protected WriterProvider provider() {
        return new DuckDbWriterProvider();
    }

    @Override
    protected Destination destination(Path tempDir) {
        return Destination.of("contract", "duckdb:data/contract.duckdb", tempDir);
    }

    @Override
    protected List<Map<String, Object>> readTable(Destination destination, String table) throws Exception {
        return DuckDbTables.rows(DuckDbWriterProvider.resolve(destination), table);
    }

    /** DuckDB invalidates the open database; the writer reopens the file and reports the batch retryable. */
    @Override
    protected AutoCloseable interruptTarget() throws Exception {
        DuckDbFaults.invalidate(DuckDbWriterProvider.resolve(destination));
        return () -> { };
    }

    /** Another process holds the file: the writer's open finds it locked, retryably, until that process ends. */
    @Override
    protected AutoCloseable interruptTargetBeforeOpen() throws Exception {
        return DuckDbFaults.holdInAnotherProcess(DuckDbWriterProvider.resolve(destination));
    }
}
