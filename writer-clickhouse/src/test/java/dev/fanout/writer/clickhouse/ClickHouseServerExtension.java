package dev.fanout.writer.clickhouse;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests one real ClickHouse server per JVM: started on first use, stopped and deleted after
 * all tests (through JUnit's root store) or at JVM exit (a shutdown hook), whichever comes first.
 * Use {@code @ExtendWith(ClickHouseServerExtension.class)} and take a {@link ClickHouseServer}
 * parameter, or call {@link #server()}.
 *
 * <p>When no server binary is installed the tests fail (they are not skipped) with a message that
 * names the command installing it: a missing server must not pass for a green build.
 */
public final class ClickHouseServerExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClickHouseServerExtension.class);
    private static ClickHouseServer shared;

    /** The JVM's server, started on first call. */
    public static synchronized ClickHouseServer server() {
        if (shared == null) {
            try {
                shared = ClickHouseServer.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ClickHouseServer s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close, "clickhouse-server-stop"));
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
        server();
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Stopper.class, k -> new Stopper(), Stopper.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == ClickHouseServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return server();
    }

    /** Closed by JUnit when the root context closes, i.e. after the last test of the run. */
    private static final class Stopper implements AutoCloseable {
        @Override
        public void close() {
            stopShared();
        }
    }
}
