package dev.fanout.core.topology;

import dev.fanout.core.dispatch.DispatcherSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The topology's {@code metrics} section: where fanout publishes its Dropwizard registry while it
 * runs, and how far back its latency timers look. Every reporter is optional; all may run at once.
 *
 * @param prometheus  {@code metrics.prometheus}: the scrape endpoint
 * @param jmxDomain   {@code metrics.jmx}: the JMX domain to register MBeans under ({@code true} means {@code fanout})
 * @param csv         {@code metrics.csv}: a directory that gets one CSV file per metric, a line per period
 * @param logPeriod   {@code metrics.log.period}: how often a line per metric goes to the log (SLF4J logger {@code fanout.metrics})
 * @param window      {@code metrics.window}: see {@link DispatcherSettings#metricsWindow()}
 */
public record MetricsSpec(Optional<PrometheusEndpoint> prometheus, Optional<String> jmxDomain, Optional<CsvReport> csv,
                          Optional<Duration> logPeriod, Duration window) {

    /** No reporter, the default window. */
    public static final MetricsSpec NONE = new MetricsSpec(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), DispatcherSettings.DEFAULT_METRICS_WINDOW);

    /** What {@code metrics.jmx: true} registers under. */
    public static final String DEFAULT_JMX_DOMAIN = "fanout";

    public MetricsSpec {
        Objects.requireNonNull(prometheus, "prometheus is null");
        Objects.requireNonNull(jmxDomain, "jmxDomain is null");
        Objects.requireNonNull(csv, "csv is null");
        Objects.requireNonNull(logPeriod, "logPeriod is null");
        Objects.requireNonNull(window, "window is null");
    }

    /**
     * {@code metrics.csv}.
     *
     * @param directory absolute; created when missing
     * @param period    how often a line is appended to each file
     */
    public record CsvReport(Path directory, Duration period) {
        public CsvReport {
            Objects.requireNonNull(directory, "directory is null");
            Objects.requireNonNull(period, "period is null");
        }
    }
}
