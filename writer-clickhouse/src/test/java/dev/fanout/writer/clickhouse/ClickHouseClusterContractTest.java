package dev.fanout.writer.clickhouse;

import dev.fanout.api.Destination;
import dev.fanout.api.WriterProvider;
import dev.fanout.tck.ReaderContractTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The writer and reader contract for a cluster destination written whole (the writer the core uses
 * when it could not learn the layout, and migrations use): the real 2-shard × 2-replica cluster, each
 * destination in a database of its own, read back through the Distributed tables with FINAL.
 */
@Timeout(600)
@ExtendWith(ClickHouseClusterExtension.class)
class ClickHouseClusterContractTest extends ReaderContractTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Override
    protected WriterProvider provider() {
        return new ClickHouseWriterProvider();
    }

    @Override
    protected Destination destination(Path tempDir) {
        Destination d = ClickHouseClusterWriterTest.clusterDestination(ClickHouseClusterExtension.cluster(),
                "cluster_contract_" + DATABASES.incrementAndGet(), 1, Map.of());
        return new Destination("contract", d.uri(), d.options(), tempDir, java.util.Set.of("password"));
    }

    @Override
    protected List<Map<String, Object>> readTable(Destination destination, String table) throws Exception {
        ClickHouseCluster cluster = ClickHouseClusterExtension.cluster();
        String database = ClickHouseDestination.of(destination).database();
        String local = "`" + database + "`.`" + table + "_local`";
        for (ClickHouseServer s : cluster.servers()) {
            if (!s.rows("SELECT 1 FROM system.tables WHERE database = '" + database + "' AND name = '" + table + "_local'").isEmpty()) {
                s.query("SYSTEM SYNC REPLICA " + local);
            }
        }
        return ClickHouseTables.rows(cluster.server(2), database, table);
    }

    /** As on one server: a stale row or a replay is inserted, counted as applied, and dropped at merge or FINAL. */
    @Override
    protected boolean countsStaleRowsAsSkipped() {
        return false;
    }

    /** Both replicas of shard 2 are killed; closing starts them again with their data. */
    @Override
    protected AutoCloseable interruptTarget() {
        ClickHouseCluster cluster = ClickHouseClusterExtension.cluster();
        cluster.kill(3);
        cluster.kill(4);
        return () -> {
            cluster.restart(3);
            cluster.restart(4);
        };
    }
}
