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
                  jmx: true
                """)).containsExactlyInAnyOrder(
                "6:15 bad port in metrics.prometheus '127.0.0.1:http'; write host:port like 127.0.0.1:9464, "
                        + "or a port alone for loopback",
                "7:3 unknown key 'jmx' in metrics; expected one of prometheus");
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
}
