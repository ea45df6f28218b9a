package dev.fanout.core;

import com.codahale.metrics.MetricRegistry;
import dev.fanout.core.topology.PrometheusEndpoint;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.dropwizard.DropwizardExports;
import io.prometheus.client.dropwizard.samplebuilder.CustomMappingSampleBuilder;
import io.prometheus.client.dropwizard.samplebuilder.MapperConfig;
import io.prometheus.client.exporter.HTTPServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Serves a Dropwizard {@link MetricRegistry} for Prometheus to scrape, through the Prometheus Java
 * client's Dropwizard bridge ({@link DropwizardExports}) and its HTTP server ({@code /metrics}).
 *
 * <p>Per-destination metrics {@code fanout.destination.<d>.<m>} become one family
 * {@code fanout_destination_<m>} with a {@code destination="<d>"} label (the bridge's custom
 * mapping), and per-table ones {@code fanout.table.<t>.<m>} one family {@code fanout_table_<m>} with a
 * {@code table="<t>"} label; every other name keeps the bridge's default mapping (dots to underscores). Meters are
 * exposed as counters with {@code _total}, timers as summaries in seconds with quantiles 0.5, 0.75,
 * 0.95, 0.98, 0.99, 0.999 and {@code _count}, counters and gauges as gauges.
 */
final class PrometheusExporter implements AutoCloseable {

    /** Per-destination metric suffixes (see {@code Lane}); the destination becomes a label. */
    private static final List<String> PER_DESTINATION = List.of("rows", "applied", "skipped", "packets", "bytes", "batches", "failures",
            "retries", "dead_lettered", "flush", "queue.rows", "in_flight.rows", "in_flight.bytes", "circuit", "up");

    /** Per-table metric suffixes; the table becomes a label. */
    private static final List<String> PER_TABLE = List.of("rows");

    private final HTTPServer server;
    private final InetSocketAddress address;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PrometheusExporter(HTTPServer server, InetSocketAddress requested) {
        this.server = server;
        this.address = new InetSocketAddress(requested.getAddress(), server.getPort());
    }

    /** Binds {@code endpoint} and serves {@code metrics} there on a daemon thread. */
    static PrometheusExporter start(PrometheusEndpoint endpoint, MetricRegistry metrics) {
        CollectorRegistry collectors = new CollectorRegistry();
        collectors.register(new DropwizardExports(metrics, new CustomMappingSampleBuilder(mappings())));
        InetSocketAddress requested = endpoint.socketAddress();
        if (requested.isUnresolved()) {
            throw new UncheckedIOException("cannot serve Prometheus metrics on " + endpoint
                    + " (metrics.prometheus): unknown host " + endpoint.host(), new UnknownHostException(endpoint.host()));
        }
        try {
            return new PrometheusExporter(new HTTPServer(requested, collectors, true), requested);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve Prometheus metrics on " + endpoint + " (metrics.prometheus): "
                    + e.getMessage(), e);
        }
    }

    static List<MapperConfig> mappings() {
        return Stream.concat(
                PER_DESTINATION.stream().map(m -> new MapperConfig("fanout.destination.*." + m, "fanout.destination." + m,
                        Map.of("destination", "${0}"))),
                PER_TABLE.stream().map(m -> new MapperConfig("fanout.table.*." + m, "fanout.table." + m,
                        Map.of("table", "${0}"))))
                .toList();
    }

    /** The bound address; its port is the real one when port 0 was asked for. */
    InetSocketAddress address() {
        return address;
    }

    /** Stops the server; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.close();
        }
    }
}
