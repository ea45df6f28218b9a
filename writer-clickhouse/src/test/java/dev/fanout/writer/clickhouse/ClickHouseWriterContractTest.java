package dev.fanout.writer.clickhouse;

import dev.fanout.api.Destination;
import dev.fanout.api.WriterProvider;
import dev.fanout.tck.WriterContractTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtendWith;

/** The writer contract against a real ClickHouse server, each test in a database of its own. */
@ExtendWith(ClickHouseServerExtension.class)
class ClickHouseWriterContractTest extends WriterContractTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private String database;

    @Override
    protected WriterProvider provider() {
        return new ClickHouseWriterProvider();
    }

    @Override
    protected Destination destination(Path tempDir) {
        database = "contract_" + DATABASES.incrementAndGet();
        return Destination.of("contract", ClickHouseServerExtension.server().uri(database), tempDir);
    }

    @Override
    protected List<Map<String, Object>> readTable(Destination destination, String table) throws Exception {
        return ClickHouseTables.rows(ClickHouseServerExtension.server(), database, table);
    }
}
