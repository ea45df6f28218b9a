package dev.fanout.writer.clickhouse;

import dev.fanout.api.Destination;
import dev.fanout.api.WriterProvider;
import dev.fanout.tck.ReaderContractTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtendWith;

/** The writer and reader contract against a real ClickHouse server, each destination in a database of its own. */
@ExtendWith(ClickHouseServerExtension.class)
class ClickHouseWriterContractTest extends ReaderContractTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Override
    protected WriterProvider provider() {
        return new ClickHouseWriterProvider();
    }

    @Override
    protected Destination destination(Path tempDir) {
        return Destination.of("contract", ClickHouseServerExtension.server().uri("contract_" + DATABASES.incrementAndGet()), tempDir);
    }

    @Override
    protected List<Map<String, Object>> readTable(Destination destination, String table) throws Exception {
        return ClickHouseTables.rows(ClickHouseServerExtension.server(), ClickHouseDestination.of(destination).database(), table);
    }

    /** A stale row or a replay is inserted, counted as applied, and dropped by the ReplacingMergeTree at merge or FINAL. */
    @Override
    protected boolean countsStaleRowsAsSkipped() {
        return false;
    }

    /** The server stops; closing starts it again on the same ports with the same data. */
    @Override
    protected AutoCloseable interruptTarget() {
        ClickHouseServer server = ClickHouseServerExtension.server();
        server.stop();
        return server::restart;
    }
}
