package dev.fanout.core.topology;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where fanout serves its Prometheus scrape endpoint: the topology's {@code metrics.prometheus}.
 *
 * @param host the address to bind, a name or a literal IP (without brackets); loopback by default
 * @param port 0 to 65535; 0 binds an ephemeral port (tests)
 */
public record PrometheusEndpoint(String host, int port) {

    /** What {@code metrics.prometheus} binds when it gives only a port. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    public PrometheusEndpoint {
        Objects.requireNonNull(host, "host is null");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host is blank");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
        }
    }

    /** The address to bind, resolved now. */
    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
