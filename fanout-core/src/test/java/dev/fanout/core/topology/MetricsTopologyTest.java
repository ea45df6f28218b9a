package dev.fanout.core.topology;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The topology's {@code metrics} section. */
class MetricsTopologyTest {

    private static Topology parse(String yaml) {
        return TopologySnippets.parse(yaml);
    }

    private static List<String> problems(String yaml) {
        return TopologySnippets.problems(yaml);
    }

    @Test
    void noMetricsSectionMeansNoEndpoint() {
        assertThat(parse("").prometheus()).isEmpty();
        assertThat(parse("metrics: {}\n").prometheus()).isEmpty();
    }

    @Test
    void readsHostAndPort() {
        assertThat(parse("metrics: { prometheus: \"0.0.0.0:9464\" }\n").prometheus())
                .contains(new PrometheusEndpoint("0.0.0.0", 9464));
        assertThat(parse("metrics:\n  prometheus: localhost:0\n").prometheus())
                .contains(new PrometheusEndpoint("localhost", 0));
        assertThat(parse("metrics: { prometheus: \"[::1]:9464\" }\n").prometheus())
                .contains(new PrometheusEndpoint("::1", 9464));
    }

    @Test
    void aPortAloneBindsLoopback() {
        assertThat(parse("metrics: { prometheus: 9464 }\n").prometheus())
                .contains(new PrometheusEndpoint("127.0.0.1", 9464));
    }

    @Test
    void badValuesAndUnknownKeysAreReportedAtTheirLineAndColumn() {
        assertThat(problems("""
                metrics:
                  prometheus: "127.0.0.1:http"
                  statsd: true
                """)).containsExactlyInAnyOrder(
                "6:15 bad port in metrics.prometheus '127.0.0.1:http'; write host:port like 127.0.0.1:9464, "
                        + "or a port alone for loopback",
                "7:3 unknown key 'statsd' in metrics; expected one of prometheus, jmx, csv, log, window");
        assertThat(problems("metrics: { prometheus: 70000 }\n")).containsExactly(
                "5:24 metrics.prometheus port must be 0 to 65535 (0: any free port), got 70000");
        assertThat(problems("metrics: { prometheus: \"::1:9464\" }\n")).singleElement().asString()
                .startsWith("5:24 bad metrics.prometheus '::1:9464'; write an IPv6 address in brackets");
        assertThat(problems("metrics: { prometheus: \":9464\" }\n")).singleElement().asString()
                .startsWith("5:24 bad host in metrics.prometheus ':9464'");
        assertThat(problems("metrics: { prometheus: [9464] }\n")).singleElement().asString()
                .startsWith("5:24 metrics.prometheus must be a single value");
    }

    @Test
    void metricsMustBeAMapping() {
        assertThat(problems("metrics: 9464\n")).singleElement().asString()
                .startsWith("5:10 metrics must be a mapping");
    }

    @Test
    void unknownTopLevelKeysStillListMetrics() {
        assertThat(problems("metric: {}\n")).singleElement().asString().endsWith("flow, metrics");
    }

    @Test
    void readsTheReportersAndTheWindow() {
        MetricsSpec m = parse("""
                metrics:
                  jmx: true
                  csv: { directory: out/metrics, period: 5s }
                  log: { period: 1m }
                  window: 30s
                """).metrics();

        assertThat(m.jmxDomain()).contains("fanout");
        assertThat(m.csv()).hasValueSatisfying(csv -> {
            assertThat(csv.directory()).isAbsolute();
            assertThat(csv.directory().endsWith(java.nio.file.Path.of("out", "metrics"))).isTrue();
            assertThat(csv.period()).isEqualTo(java.time.Duration.ofSeconds(5));
        });
        assertThat(m.logPeriod()).contains(java.time.Duration.ofMinutes(1));
        assertThat(m.window()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(parse("metrics: { jmx: ingest.prod }\n").metrics().jmxDomain()).contains("ingest.prod");
        assertThat(parse("metrics: { jmx: false }\n").metrics().jmxDomain()).isEmpty();
        assertThat(parse("metrics: {}\n").metrics()).isEqualTo(MetricsSpec.NONE);
    }

    @Test
    void badReporterSettingsAreReportedAtTheirLineAndColumn() {
        assertThat(problems("""
                metrics:
                  jmx: "a b"
                  csv: { period: 5s }
                  log: { period: 0s, every: 1s }
                  window: soon
                """)).containsExactlyInAnyOrder(
                "6:8 bad metrics.jmx 'a b'; write true, false, or a JMX domain like fanout.ingest (letters, digits, '_', '.', '-')",
                "7:3 metrics.csv has no 'directory'; add directory: data/metrics",
                "8:22 unknown key 'every' in metrics.log; expected one of period",
                "8:18 metrics.log.period must be above zero, like 10s",
                "9:11 metrics.window: bad duration 'soon'; write it like 250ms, 2s, 1m, 1h or PT2S");
    }
}
