package dev.fanout.core.testplugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import java.util.List;

/**
 * A test plugin for {@code leaky:<anything>} that accepts every destination, then fails in
 * {@link #create} ({@code fail: create}) or in {@link BaseWriter#open} ({@code fail: open}) with a
 * message quoting its URI and the values of its {@code password} and {@code auth_key} options — a
 * careless plugin, so tests can prove the core masks what it says. With {@code fail: open-cause} the
 * open failure's own message is clean and its cause (a client library's exception, say) and a
 * suppressed exception quote them; {@code fail: write} and {@code fail: write-runtime} fail every
 * write the same way with a {@link WriteException} or an {@link IllegalStateException}.
 */
public class LeakyProvider implements WriterProvider {

    /** A client library's failure quoting the secrets, in its message, its cause's and a suppressed one's. */
    private static Exception clientFailure(Destination d, String when) {
        java.io.IOException client = new java.io.IOException("POST " + d.uri() + " failed",
                new java.net.ConnectException(confession(d, when)));
        client.addSuppressed(new IllegalArgumentException("password=" + d.option("password").orElse("?")));
        return client;
    }

    @Override
    public String scheme() {
        return "leaky";
    }

    private static String confession(Destination d, String when) {
        return "cannot " + when + " " + d.uri() + " as user " + d.option("user").orElse("?") + " with password "
                + d.option("password").orElse("?") + " and key " + d.option("auth_key").orElse("?");
    }

    @Override
    public BaseWriter create(Destination destination) throws WriteException {
        if ("create".equals(destination.option("fail").orElse(""))) {
            throw WriteException.permanent(confession(destination, "create"), null);
        }
        return new BaseWriter() {
            @Override
            public void open() throws WriteException {
                String fail = destination.option("fail").orElse("");
                if ("open".equals(fail)) {
                    throw WriteException.retryable(confession(destination, "open"), null);
                }
                if ("open-cause".equals(fail)) {
                    throw WriteException.retryable("cannot open: the client failed", clientFailure(destination, "open"));
                }
            }

            @Override
            public void write(WriteBatch batch) throws WriteException {
                String fail = destination.option("fail").orElse("");
                if ("write".equals(fail)) {
                    throw WriteException.retryable(confession(destination, "write"), clientFailure(destination, "write"));
                }
                if ("write-runtime".equals(fail)) {
                    throw new IllegalStateException(confession(destination, "write"), clientFailure(destination, "write"));
                }
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public List<String> validate(Destination destination) {
        return List.of();
    }

    @Override
    public String physicalTarget(Destination destination) {
        return "leaky:" + destination.schemeSpecificPart();
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.secret("auth_key", "the key"), OptionSpec.optional("user", "who", "default"));
    }
}
