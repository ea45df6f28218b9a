package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/clickhouse cluster start|status|stop} as users run it, in a directory of its own:
 * the export lines, a cluster whose servers know each other and their places in it, the secured
 * user with the password the script keeps, and status's exit codes.
 */
@Timeout(300)
class ClusterScriptTest {

    private static final Path SCRIPT = Path.of("..", "scripts", "clickhouse").toAbsolutePath().normalize();
    private static final Pattern EXPORT = Pattern.compile("export (CH_CLUSTER|CH_ZOOKEEPER_PORT|CH[1-4]_HTTP_PORT|CH[1-4]_TCP_PORT)=(\\S+)");

    @Test
    void clusterStartPrintsThePortsOfAClusterThatWorksAndStopStopsIt(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("cluster");
        try {
            Run start = run(home, "start");
            assertThat(start.code).as(start.err).isZero();
            Map<String, String> exports = new HashMap<>();
            for (String line : start.out.strip().split("\n")) {
                Matcher m = EXPORT.matcher(line);
                assertThat(m.matches()).as("stdout line [%s]", line).isTrue();
                exports.put(m.group(1), m.group(2));
            }
            assertThat(exports).hasSize(10).containsEntry("CH_CLUSTER", ClickHouseCluster.NAME);

            String clusters = query(exports.get("CH4_HTTP_PORT"), "SELECT groupArray(port) FROM (SELECT port FROM system.clusters WHERE cluster = '"
                    + ClickHouseCluster.NAME + "' ORDER BY shard_num, replica_num)", null);
            assertThat(clusters).isEqualTo("[" + exports.get("CH1_TCP_PORT") + "," + exports.get("CH2_TCP_PORT") + "," + exports.get("CH3_TCP_PORT")
                    + "," + exports.get("CH4_TCP_PORT") + "]");
            assertThat(query(exports.get("CH3_HTTP_PORT"), "SELECT groupArray(substitution) FROM (SELECT substitution FROM system.macros ORDER BY macro)",
                    null)).as("server 3's replica and shard").isEqualTo("['r1','2']");
            String password = Files.readString(home.resolve("secured-password")).strip();
            assertThat(query(exports.get("CH2_HTTP_PORT"), "SELECT 1", password)).as("%s logs in", ClickHouseServer.SECURED_USER).isEqualTo("1");
            query(exports.get("CH1_HTTP_PORT"), "CREATE DATABASE script_check ON CLUSTER " + ClickHouseCluster.NAME, null);
            assertThat(query(exports.get("CH4_HTTP_PORT"), "SELECT count() FROM system.databases WHERE name = 'script_check'", null)).isEqualTo("1");

            Run status = run(home, "status");
            assertThat(status.code).isZero();
            assertThat(status.out.lines().filter(l -> l.contains("running"))).hasSize(5);
        } finally {
            Run stop = run(home, "stop");
            assertThat(stop.code).as(stop.err).isZero();
        }
        Run stopped = run(home, "status");
        assertThat(stopped.code).isEqualTo(3);
        assertThat(stopped.out).contains("ZooKeeper stopped").doesNotContain("running");
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(Path home, String command) throws IOException, InterruptedException {
        ProcessBuilder b = new ProcessBuilder(List.of("bash", SCRIPT.toString(), "cluster", command));
        b.environment().put("FANOUT_CLICKHOUSE_CLUSTER_HOME", home.toString());
        Path err = Files.createTempFile("cluster-script-", ".err");
        b.redirectError(err.toFile());
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(240, TimeUnit.SECONDS)).isTrue();
        String errors = Files.readString(err);
        Files.delete(err);
        return new Run(p.exitValue(), out, errors);
    }

    private static String query(String port, String sql, String securedPassword) throws IOException, InterruptedException {
        String user = securedPassword == null ? "default" : ClickHouseServer.SECURED_USER
                + "&password=" + URLEncoder.encode(securedPassword, StandardCharsets.UTF_8);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/?user=" + user))
                .POST(HttpRequest.BodyPublishers.ofString(sql)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s: %s", sql, r.body()).isEqualTo(200);
        return r.body().strip();
    }
}
