package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.Destination;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.WriteException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** URI and option checks, made without a server. */
class ClickHouseWriterProviderTest {

    private final ClickHouseWriterProvider provider = new ClickHouseWriterProvider();

    private static Destination d(String uri) {
        return d(uri, Map.of());
    }

    private static Destination d(String uri, Map<String, String> options) {
        return new Destination("hot", uri, options, Path.of("."), Set.of());
    }

    @Test
    void bothUriFormsValidateAndNameTheirPhysicalTarget() {
        assertThat(provider.validate(d("ch://127.0.0.1:8123/market"))).isEmpty();
        assertThat(provider.physicalTarget(d("ch://CH-Node.Example:9000/Market"))).isEqualTo("ch-node.example:9000/Market");
        assertThat(provider.physicalTarget(d("ch://127.0.0.1:8123/market/trades"))).isEqualTo("127.0.0.1:8123/market");
        assertThat(provider.physicalTarget(d("ch://[::1]:8123/market/"))).isEqualTo("[::1]:8123/market");
        assertThat(provider.physicalTarget(d("ch://h/market"))).isEqualTo("h:8123/market");
        assertThat(provider.physicalTarget(d("ch://h/market", Map.of("secure", "true")))).isEqualTo("h:8443/market");
        assertThat(ClickHouseDestination.of(d("ch://h/my%20db/t%60x")).table()).isEqualTo("t`x");
        assertThat(ClickHouseDestination.of(d("ch://h/my%20db/t%60x")).database()).isEqualTo("my db");
    }

    @Test
    void aDatabaseUriAndAOneTableUriOfTheSameDatabaseShareOnePhysicalTarget() {
        assertThat(provider.physicalTarget(d("ch://h:8123/market/trades"))).isEqualTo(provider.physicalTarget(d("ch://h:8123/market")));
        assertThat(provider.physicalTarget(d("ch://h:8123/market/trades"))).isEqualTo(provider.physicalTarget(d("ch://H:8123/market/quotes")));
        assertThat(provider.physicalTarget(d("ch://h:8123/market"))).isNotEqualTo(provider.physicalTarget(d("ch://h:8123/other")));
    }

    @Test
    void optionsAreReadWithTheirDefaults() {
        ClickHouseDestination plain = ClickHouseDestination.of(d("ch://h:1/db"));
        assertThat(plain.user()).isEqualTo("default");
        assertThat(plain.password()).isEmpty();
        assertThat(plain.secure()).isFalse();
        assertThat(plain.endpoint()).isEqualTo("http://h:1");
        assertThat(plain.connectTimeout()).isEqualTo(Duration.ofSeconds(10));

        ClickHouseDestination set = ClickHouseDestination.of(d("ch://h/db", Map.of("user", "ingest", "password", "pw", "secure", "TRUE",
                "connect_timeout", "500ms", "socket_timeout", "2m", "settings.max_insert_threads", "2", "partition_by.bars", "toYYYYMM(day)")));
        assertThat(set.endpoint()).isEqualTo("https://h:8443");
        assertThat(set.connectTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(set.socketTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(set.settings()).containsExactly(Map.entry("max_insert_threads", "2"));
        assertThat(set.partitionBy()).containsExactly(Map.entry("bars", "toYYYYMM(day)"));
    }

    @Test
    void malformedUrisBadPortsAndUnknownOptionsAreEachReportedClearly() {
        assertThat(provider.validate(d("ch:market"))).containsExactly("destination hot: the URI must look like "
                + "ch://host:port/database or ch://host:port/database/table");
        assertThat(provider.validate(d("ch://h:0/db"))).containsExactly("destination hot: port '0' is not a number from 1 to 65535");
        assertThat(provider.validate(d("ch://h:70000/db"))).containsExactly("destination hot: port '70000' is not a number from 1 to 65535");
        assertThat(provider.validate(d("ch://h:http/db"))).containsExactly("destination hot: port 'http' is not a number from 1 to 65535");
        assertThat(provider.validate(d("ch://h:8123"))).singleElement().asString().contains("names no database");
        assertThat(provider.validate(d("ch://:8123/db"))).singleElement().asString().contains("names no host");
        assertThat(provider.validate(d("ch://h/db/t/x"))).singleElement().asString().contains("path has 3 parts");
        assertThat(provider.validate(d("ch://h/db?user=x"))).singleElement().asString().contains("no query");
        assertThat(provider.validate(d("ch://h/db%zz"))).singleElement().asString().contains("'%' not followed by two hex digits");
        assertThat(provider.validate(d("duckdb:x.duckdb"))).singleElement().asString().contains("scheme must be ch");
        assertThat(provider.validate(d("ch://h/db", Map.of("passwd", "x", "secure", "yes", "connect_timeout", "soon",
                "settings.max threads", "2", "socket_timeout", "0s"))))
                .containsExactlyInAnyOrder(
                        "destination hot: unknown option 'passwd' — the ch writer accepts user, password, secure, connect_timeout, "
                                + "socket_timeout, settings.<name>, partition_by.<table>, cluster, replicas, shard and shard_replicas",
                        "destination hot: option secure must be true or false, got 'yes'",
                        "destination hot: option connect_timeout must be a duration such as 10s, 500ms or 2m, got 'soon'",
                        "destination hot: option socket_timeout must be more than zero",
                        "destination hot: option settings.max threads does not name a ClickHouse setting — write settings.<name>, "
                                + "e.g. settings.max_insert_threads");
        assertThat(provider.validate(d("ch://h/db/trades", Map.of("partition_by.bars", "day"))))
                .containsExactly("destination hot: option partition_by.bars names a table other than the URI's table trades");
    }

    @Test
    void passwordsNeverShowInProblemsOrPrintedDestinations() {
        String secret = "hunter2-Secret";
        List<String> problems = provider.validate(d("ch://ingest:" + secret + "@h/db"));
        assertThat(problems).singleElement().asString().contains("holds user information").doesNotContain(secret);

        Destination withPassword = new Destination("hot", "ch://h/db", Map.of("password", secret), Path.of("."), Set.of("password"));
        assertThat(withPassword.toString()).doesNotContain(secret);
        assertThat(ClickHouseDestination.of(withPassword).toString()).doesNotContain(secret).contains("****");
        assertThat(provider.options()).filteredOn(OptionSpec::sensitive).extracting(OptionSpec::name).containsExactly("password");
    }

    @Test
    void createRefusesAnInvalidDestinationPermanentlyWithoutConnecting() {
        WriteException e = catchThrowableOfType(WriteException.class, () -> provider.create(d("ch://h:0/db")));
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("port '0'");
    }

    @Test
    void aClusterDestinationListsItsEndpointsAndValidatesWithoutConnecting() throws Exception {
        Destination cluster = d("ch://ch1:8123/market", Map.of("cluster", "two_by_two", "replicas", " ch2:8123, [::1]:8124,ch4"));
        assertThat(provider.validate(cluster)).isEmpty();
        ClickHouseDestination c = ClickHouseDestination.of(cluster);
        assertThat(c.isCluster()).isTrue();
        assertThat(c.shard()).isZero();
        assertThat(c.endpoints()).extracting(ClickHouseDestination.Endpoint::hostPort)
                .containsExactly("ch1:8123", "ch2:8123", "[::1]:8124", "ch4:8123");
        assertThat(provider.physicalTarget(cluster)).isEqualTo("ch1:8123/market (cluster two_by_two)");
        assertThat(provider.capabilities()).contains(dev.fanout.api.Capability.SHARDS);
        assertThat(provider.create(cluster)).isInstanceOf(ClickHouseClusterWriter.class);
        assertThat(provider.create(d("ch://ch1:8123/market"))).isInstanceOf(ClickHouseWriter.class);
        assertThat(provider.shardLayout(d("ch://ch1:8123/market"))).as("one server has no shards").isEmpty();
    }

    @Test
    void clusterOptionsAreCheckedEachWithWhatToFix() {
        assertThat(ClickHouseDestination.problems(d("ch://h/db", Map.of("replicas", "h2:8123", "shard", "1", "shard_replicas", "h:8123")))).containsExactly(
                "destination hot: option replicas is for a cluster — give the option cluster too, or leave replicas out",
                "destination hot: option shard is for a cluster — give the option cluster too, or leave shard out");
        assertThat(ClickHouseDestination.problems(d("ch://h/db", Map.of("cluster", "c", "replicas", "h2:8123", "shard", "2", "shard_replicas", "h2:8123,h9:8123"))))
                .containsExactly("destination hot: option shard_replicas names h9:8123, which is not the URI's server nor in the option replicas");
        assertThat(ClickHouseDestination.problems(d("ch://h/db", Map.of("cluster", "c", "shard", "2"))))
                .containsExactly("destination hot: options shard and shard_replicas go together (fanout sets both for a shard's lane) — give both or neither");
        assertThat(ClickHouseDestination.problems(d("ch://h/db", Map.of("cluster", "a b", "replicas", "h2:0,,h:8123", "shard", "zero")))).containsExactly(
                "destination hot: option cluster must name a cluster of the servers' remote_servers (letters, digits, '_', '-' and '.'), got 'a b'",
                "destination hot: option shard must be a shard number (shard_num, from 1), got 'zero' — leave it out to write the whole cluster",
                "destination hot: port '0' is not a number from 1 to 65535",
                "destination hot: option replicas has an empty entry — write host:port endpoints separated by commas",
                "destination hot: option replicas names h:8123 twice (or the URI's server again) — list each server once");
        assertThat(provider.validate(d("ch://h/db", Map.of("cluster", "c", "replicas", "h2:8123", "shard", "2", "shard_replicas", "h2:8123"))))
                .as("a topology naming one shard would put every row on it").containsExactly(
                "destination hot: option shard is set by fanout for each shard's own lane; leave it out of the topology — a cluster"
                        + " destination writes every shard, each row to its key's shard",
                "destination hot: option shard_replicas is set by fanout for each shard's own lane; leave it out of the topology — a"
                        + " cluster destination writes every shard, each row to its key's shard");
        assertThat(provider.validate(d("ch://h/db/trades", Map.of("cluster", "c"))))
                .containsExactly("destination hot: a cluster destination takes a database, not one table — write ch://host:port/database");
    }
}
