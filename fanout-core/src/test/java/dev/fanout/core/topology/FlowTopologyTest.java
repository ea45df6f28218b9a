package dev.fanout.core.topology;

import dev.fanout.core.flow.FlowLimits;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The topology's {@code flow} section. */
class FlowTopologyTest {

    private static final Path FILE = Path.of("/tmp/fanout-flow/topology.yaml");
    private static final String HEAD = """
            version: 1
            destinations:
              main: { uri: "mem:main" }
            default: main
            """;

    private static Topology parse(String yaml) {
        return TopologyLoader.parse(HEAD + yaml, FILE, Map.<String, String>of()::get);
    }

    /** Problems as "line:column message". */
    private static List<String> problems(String yaml) {
        TopologyException e = catchThrowableOfType(TopologyException.class, () -> parse(yaml));
        assertThat(e).as("parsing should fail").isNotNull();
        return e.problems().stream().map(p -> p.where().line() + ":" + p.where().column() + " " + p.message()).toList();
    }

    @Test
    void noFlowSectionMeansNoFlowControl() {
        assertThat(parse("").flow()).isEmpty();
    }

    @Test
    void readsEveryFlowKey() {
        Topology t = parse("""
                flow:
                  max_in_flight_rows: 1_000_000
                  max_in_flight_bytes: 268435456
                  max_in_flight_rows_per_destination: 250000
                  max_in_flight_bytes_per_destination: 67108864
                  rate_limit_rows_per_s: 50000.5
                  when_full: reject
                """);
        assertThat(t.flow()).contains(new FlowLimits(1_000_000, 268_435_456, 250_000, 67_108_864, 50_000.5,
                FlowLimits.WhenFull.REJECT));
    }

    @Test
    void absentKeysAreUnlimitedAndTheDefaultPolicyBlocks() {
        assertThat(parse("flow: { max_in_flight_rows: 10 }\n").flow())
                .contains(FlowLimits.UNLIMITED.withMaxInFlightRows(10));
    }

    @Test
    void badValuesAndUnknownKeysAreReportedAtTheirLineAndColumn() {
        assertThat(problems("""
                flow:
                  max_in_flight_rows: lots
                  max_in_flight_bytes: -1
                  rate_limit_rows_per_s: fast
                  when_full: drop
                  max_inflight_rows: 5
                """)).containsExactlyInAnyOrder(
                "6:23 bad number 'lots' for flow.max_in_flight_rows; write a whole number like 100000 (0: unlimited)",
                "7:24 flow.max_in_flight_bytes must be at least 0 (0: unlimited), got -1",
                "8:26 bad number 'fast' for flow.rate_limit_rows_per_s; write rows per second like 50000 (0: no rate limit)",
                "9:14 unknown flow.when_full 'drop'; expected block (submit waits) or reject (submit fails fast)",
                "10:3 unknown key 'max_inflight_rows' in flow; expected one of max_in_flight_rows, max_in_flight_bytes, "
                        + "max_in_flight_rows_per_destination, max_in_flight_bytes_per_destination, rate_limit_rows_per_s, when_full");
    }

    @Test
    void flowMustBeAMapping() {
        assertThat(problems("flow: 100\n")).singleElement().asString()
                .startsWith("5:7 flow must be a mapping");
    }
}
