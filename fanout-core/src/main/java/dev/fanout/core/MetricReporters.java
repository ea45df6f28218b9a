package dev.fanout.core;

import com.codahale.metrics.CsvReporter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.ScheduledReporter;
import com.codahale.metrics.Slf4jReporter;
import com.codahale.metrics.jmx.JmxReporter;
import dev.fanout.core.topology.MetricsSpec;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The reporters the topology's {@code metrics} section asks for, running over one registry: the
 * Prometheus endpoint, Dropwizard's JMX, CSV and SLF4J reporters. Started together, stopped
 * together; a scheduled reporter reports once more when stopped, so the last figures of a run are
 * written.
 */
final class MetricReporters implements AutoCloseable {

    private final PrometheusExporter prometheus;
    private final List<AutoCloseable> running;

    private MetricReporters(PrometheusExporter prometheus, List<AutoCloseable> running) {
        this.prometheus = prometheus;
        this.running = running;
    }

    /**
     * Starts every reporter {@code spec} names; when one cannot start, those already started are
     * stopped and the failure is thrown.
     *
     * @throws UncheckedIOException when the Prometheus endpoint cannot be bound or the CSV directory created
     */
    static MetricReporters start(MetricsSpec spec, MetricRegistry metrics) {
        List<AutoCloseable> running = new ArrayList<>();
        PrometheusExporter prometheus = null;
        try {
            if (spec.prometheus().isPresent()) {
                prometheus = PrometheusExporter.start(spec.prometheus().get(), metrics);
                running.add(prometheus);
            }
            if (spec.jmxDomain().isPresent()) {
                JmxReporter jmx = JmxReporter.forRegistry(metrics).inDomain(spec.jmxDomain().get())
                        .convertDurationsTo(TimeUnit.MILLISECONDS).convertRatesTo(TimeUnit.SECONDS).build();
                jmx.start();
                running.add(jmx);
            }
            if (spec.csv().isPresent()) {
                MetricsSpec.CsvReport csv = spec.csv().get();
                try {
                    Files.createDirectories(csv.directory());
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create metrics.csv.directory " + csv.directory() + ": " + e.getMessage(), e);
                }
                running.add(scheduled(CsvReporter.forRegistry(metrics).convertDurationsTo(TimeUnit.MILLISECONDS)
                        .convertRatesTo(TimeUnit.SECONDS).build(csv.directory().toFile()), csv.period().toMillis()));
            }
            if (spec.logPeriod().isPresent()) {
                running.add(scheduled(Slf4jReporter.forRegistry(metrics).outputTo(LoggerFactory.getLogger("fanout.metrics"))
                        .convertDurationsTo(TimeUnit.MILLISECONDS).convertRatesTo(TimeUnit.SECONDS).build(),
                        spec.logPeriod().get().toMillis()));
            }
            return new MetricReporters(prometheus, running);
        } catch (RuntimeException e) {
            closeAll(running);
            throw e;
        }
    }

    /** Starts {@code reporter}; closing it stops it, and Dropwizard's {@code stop()} reports the final figures once more. */
    private static AutoCloseable scheduled(ScheduledReporter reporter, long periodMillis) {
        reporter.start(periodMillis, TimeUnit.MILLISECONDS);
        return reporter::stop;
    }

    /** The Prometheus endpoint's bound address, when one runs. */
    Optional<InetSocketAddress> prometheusAddress() {
        return prometheus == null ? Optional.empty() : Optional.of(prometheus.address());
    }

    @Override
    public void close() {
        closeAll(running);
    }

    private static void closeAll(List<AutoCloseable> reporters) {
        for (int i = reporters.size() - 1; i >= 0; i--) {
            try {
                reporters.get(i).close();
            } catch (Exception e) {
                LoggerFactory.getLogger(MetricReporters.class).warn("stopping a metrics reporter failed", e);
            }
        }
        reporters.clear();
    }
}
