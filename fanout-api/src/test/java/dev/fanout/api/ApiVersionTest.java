package dev.fanout.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ApiVersionTest {

    @Test
    void currentIsTheMajorAndMinorOfTheBuild() {
        assertThat(ApiVersion.current()).isEqualTo(ApiVersion.parse(System.getProperty("fanout.project.version")));
        assertThat(ApiVersion.current().toString()).matches("\\d+\\.\\d+");
    }

    @Test
    void parsesMavenVersions() {
        assertThat(ApiVersion.parse("1.2")).isEqualTo(new ApiVersion(1, 2));
        assertThat(ApiVersion.parse("1.2.3")).isEqualTo(new ApiVersion(1, 2));
        assertThat(ApiVersion.parse(" 0.1.0-SNAPSHOT ")).isEqualTo(new ApiVersion(0, 1));
        assertThat(ApiVersion.parse("10.20-rc1")).isEqualTo(new ApiVersion(10, 20));
        assertThatThrownBy(() -> ApiVersion.parse("one.two")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'one.two'");
        assertThatThrownBy(() -> ApiVersion.parse("3")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ApiVersion.parse("${project.version}")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aHostRunsPluginsOfItsMajorUpToItsMinor() {
        ApiVersion host = new ApiVersion(1, 3);
        assertThat(host.runs(new ApiVersion(1, 0))).isTrue();
        assertThat(host.runs(new ApiVersion(1, 3))).isTrue();
        assertThat(host.runs(new ApiVersion(1, 4))).isFalse();
        assertThat(host.runs(new ApiVersion(0, 3))).isFalse();
        assertThat(host.runs(new ApiVersion(2, 0))).isFalse();
    }
}
