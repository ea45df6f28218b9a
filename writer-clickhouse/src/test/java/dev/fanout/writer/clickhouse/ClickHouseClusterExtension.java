package dev.fanout.writer.clickhouse;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests one real ClickHouse cluster per JVM ({@link ClickHouseCluster}: ZooKeeper and 2 shards
 * of 2 replicas): started on first use, stopped and deleted after all tests (through JUnit's root
 * store) or at JVM exit (the cluster's shutdown hook), whichever comes first. Use
 * {@code @ExtendWith(ClickHouseClusterExtension.class)} and take a {@link ClickHouseCluster}
 * parameter, or call {@link #cluster()}. A test that kills or stops a server restarts it before it
 * ends (in a finally block): the next test expects all four running. Tests use databases of their
 * own, as the cluster is shared.
 *
 * <p>When ZooKeeper or clickhouse-server is not installed the tests fail (they are not skipped) with
 * a message that names the command installing it.
 */
public final class ClickHouseClusterExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClickHouseClusterExtension.class);
    private static ClickHouseCluster shared;

    /** The JVM's cluster, started on first call. */
    public static synchronized ClickHouseCluster cluster() {
        if (shared == null) {
            try {
                shared = ClickHouseCluster.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    private static synchronized void stopShared() {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster();
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Stopper.class, k -> new Stopper(), Stopper.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == ClickHouseCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return cluster();
    }

    /** Closed by JUnit when the root context closes, i.e. after the last test of the run. */
    private static final class Stopper implements AutoCloseable {
        @Override
        public void close() {
            stopShared();
        }
    }
}
