package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/clickhouse start|stop|status}, the local server the README's phase-3 steps use, run
 * as a user runs it with {@code FANOUT_CLICKHOUSE_HOME} in a directory whose path holds a space:
 * {@code start} prints only the two export lines (or {@code false}, so the eval fails, when it
 * cannot start) and returns once {@code /ping} answers; started
 * again while running it prints them again; stopped and started again it keeps its data and ports;
 * {@code status} exits 0 running and 3 stopped. Queries go through the JDK's HTTP client.
 */
class LocalClickHouseScriptTest {

    private static final Pattern EXPORTS = Pattern.compile("export CH_HTTP_PORT=(\\d+)\nexport CH_TCP_PORT=(\\d+)\n");
    private static final Path SCRIPT = Installation.REPOSITORY.resolve("scripts/clickhouse");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path tmp;

    private Path home() {
        return tmp.resolve("local clickhouse");
    }

    private Installation.Run script(String command) throws IOException {
        return script(command, Map.of());
    }

    private Installation.Run script(String command, Map<String, String> env) throws IOException {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("FANOUT_CLICKHOUSE_HOME", home().toString());
        return Installation.run(tmp, all, List.of(SCRIPT.toString(), command));
    }

    @AfterEach
    void stopTheServer() throws IOException {
        script("stop");
    }

    private String query(int port, String user, String password, String sql) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/?user=" + user + "&password="
                        + URLEncoder.encode(password, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(sql)).build();
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(sql + ": " + r.body()).isEqualTo(200);
        return r.body().strip();
    }

    private boolean answers(int port) throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ping")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body().equals("Ok.\n");
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void startPrintsTheExportsOnceTheServerAnswersAndAServerStartedAgainKeepsItsDataAndPorts() throws Exception {
        Installation.Run started = script("start");

        assertThat(started.code()).as(started.output()).isZero();
        Matcher ports = EXPORTS.matcher(started.out());
        assertThat(ports.matches()).as("start's standard output is the export lines only\n" + started.output()).isTrue();
        int httpPort = Integer.parseInt(ports.group(1));
        int tcpPort = Integer.parseInt(ports.group(2));
        assertThat(httpPort).isNotEqualTo(tcpPort);
        assertThat(started.err()).contains("started ClickHouse").contains(home().toString());
        assertThat(answers(httpPort)).as("/ping right after start returned").isTrue();
        assertThat(Files.readString(home().resolve("config.xml"))).contains("<http_port>" + httpPort + "</http_port>")
                .contains("<tcp_port>" + tcpPort + "</tcp_port>").contains("<listen_host>127.0.0.1</listen_host>").doesNotContain("@CH_");
        String password = Files.readString(home().resolve("secured-password")).strip();
        assertThat(query(httpPort, "fanout_secured", password, "SELECT 1")).isEqualTo("1");
        query(httpPort, "default", "", "CREATE TABLE default.kept (x UInt8) ENGINE = MergeTree ORDER BY x");
        query(httpPort, "default", "", "INSERT INTO default.kept VALUES (7)");

        Installation.Run again = script("start");
        assertThat(again.code()).as(again.output()).isZero();
        assertThat(again.out()).as("start while running prints the exports again").isEqualTo(started.out());
        Installation.Run running = script("status");
        assertThat(running.code()).as(running.output()).isZero();
        assertThat(running.out()).startsWith("running: ").contains("HTTP port " + httpPort).contains("native port " + tcpPort)
                .contains(home().toString());

        Installation.Run stopped = script("stop");
        assertThat(stopped.code()).as(stopped.output()).isZero();
        assertThat(answers(httpPort)).as("/ping once stop returned").isFalse();
        Installation.Run down = script("status");
        assertThat(down.code()).as(down.output()).isEqualTo(3);
        assertThat(down.out()).startsWith("stopped: ").contains("HTTP port " + httpPort);

        Installation.Run restarted = script("start");
        assertThat(restarted.code()).as(restarted.output()).isZero();
        assertThat(restarted.out()).as("the same ports after a stop").isEqualTo(started.out());
        assertThat(query(httpPort, "default", "", "SELECT x FROM default.kept")).as("data kept across stop and start").isEqualTo("7");
    }

    @Test
    void aKeptPortTakenByAnotherProcessIsRefusedNamingIt() throws Exception {
        Installation.Run started = script("start");
        assertThat(started.code()).as(started.output()).isZero();
        Matcher ports = EXPORTS.matcher(started.out());
        assertThat(ports.matches()).as(started.output()).isTrue();
        int httpPort = Integer.parseInt(ports.group(1));
        assertThat(script("stop").code()).isZero();

        try (ServerSocket squatter = new ServerSocket(httpPort, 1, InetAddress.getByName("127.0.0.1"))) {
            Installation.Run refused = script("start");

            assertThat(refused.code()).as(refused.output()).isEqualTo(1);
            assertThat(refused.out()).as("no exports when nothing started, and a failing eval").isEqualTo("false\n");
            assertThat(refused.err()).contains("port " + httpPort + " on 127.0.0.1 is taken by another process");
        }
    }

    /**
     * Run as {@code scripts/clickhouse} from the checkout with a {@code CDPATH} that holds a
     * {@code scripts} directory (so {@code cd scripts/..} would go elsewhere and print it) and an
     * {@code http_proxy} that refuses connections (so a curl that used it would never see /ping).
     */
    @Test
    void startIgnoresCdpathAndHttpProxyAndWritesTheSecuredPasswordForTheOwnerOnly() throws Exception {
        Path cdpath = Files.createDirectories(tmp.resolve("cdpath/scripts"));
        String deadProxy = "http://127.0.0.1:" + closedPort();
        Map<String, String> env = Map.of("FANOUT_CLICKHOUSE_HOME", home().toString(), "CDPATH", cdpath.getParent().toString(),
                "http_proxy", deadProxy, "HTTP_PROXY", deadProxy, "no_proxy", "", "NO_PROXY", "", "FANOUT_CLICKHOUSE_START_TIMEOUT", "30");

        Installation.Run started = Installation.run(Installation.REPOSITORY, env, List.of("scripts/clickhouse", "start"));

        assertThat(started.code()).as(started.output()).isZero();
        Matcher ports = EXPORTS.matcher(started.out());
        assertThat(ports.matches()).as("start's standard output is the export lines only\n" + started.output()).isTrue();
        Installation.Run running = Installation.run(Installation.REPOSITORY, env, List.of("scripts/clickhouse", "status"));
        assertThat(running.out()).as(running.output()).startsWith("running: ");
        for (String file : List.of("users.xml", "secured-password")) {
            assertThat(Files.getPosixFilePermissions(home().resolve(file))).as(file + " holds the secured password")
                    .containsOnly(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** A pid file left behind whose pid now belongs to another process: stop and status leave that process alone. */
    @Test
    void aStalePidFileNamingAnotherProcessIsNeitherSignalledNorTakenForTheServer() throws Exception {
        Process other = new ProcessBuilder("sleep", "120").start();
        try {
            Files.createDirectories(home());
            Files.writeString(home().resolve("server.pid"), other.pid() + "\n");

            Installation.Run stopped = script("stop");
            Installation.Run status = script("status");

            assertThat(stopped.code()).as(stopped.output()).isZero();
            assertThat(stopped.err()).contains("not running");
            assertThat(status.code()).as(status.output()).isEqualTo(3);
            assertThat(other.isAlive()).as("the process the stale pid file names").isTrue();
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void withoutTheServerBinaryStartSaysToRunTheInstallScript() throws Exception {
        Installation.Run r = script("start", Map.of("FANOUT_CLICKHOUSE_SERVER", tmp.resolve("no-such-clickhouse-server").toString()));

        assertThat(r.code()).as(r.output()).isEqualTo(2);
        assertThat(r.out()).as("what eval runs: a failure").isEqualTo("false\n");
        assertThat(r.err()).contains("scripts/install-clickhouse");
        assertThat(script("status").code()).isEqualTo(3);
    }
}
