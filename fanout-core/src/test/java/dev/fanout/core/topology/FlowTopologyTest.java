package dev.fanout.core.topology;

import dev.fanout.core.flow.FlowLimits;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The topology's {@code flow} section. */
class FlowTopologyTest {

    private static Topology parse(String yaml) {
        return TopologySnippets.parse(yaml);
    }

    private static List<String> problems(String yaml) {
        return TopologySnippets.problems(yaml);
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
