package dev.fanout.writer.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code clickhouse-server} run as a child process for tests: free loopback ports, a config
 * and data directory of its own under a temporary directory, the user {@code default} without a
 * password, {@link #SECURED_USER} with a random one and {@link #ONE_DATABASE_USER}, confined to one
 * database, with the same. The configuration is the one
 * {@code scripts/clickhouse} gives users' local servers: the templates of
 * {@code scripts/clickhouse-config/}, on the test class path (and in this module's test-jar). Stopping and starting again keeps ports and
 * data, so a test can take the server away under a writer and bring it back.
 *
 * <p>Queries made here ({@link #query}) go through the JDK's own HTTP client, independent of the
 * writer's client, so tests check what the server really stores. Thread-safe.
 */
public final class ClickHouseServer implements AutoCloseable {

    /** A user that needs {@link #securedPassword()}. */
    public static final String SECURED_USER = "fanout_secured";
    /**
     * A user with {@link #securedPassword()} that may use (and create) {@link #ONE_DATABASE} and no
     * other database: a database the writer may not create.
     */
    public static final String ONE_DATABASE_USER = "fanout_one_database";
    /** The one database {@link #ONE_DATABASE_USER} may use. */
    public static final String ONE_DATABASE = "fanout_allowed";

    /** What to tell a developer whose machine lacks the server. */
    static final String MISSING = "clickhouse-server (or clickhouse) was not found on PATH nor in /usr/sbin, /usr/bin, /usr/local/bin: "
            + "the ClickHouse writer's tests run against a real server. Run the README's test command, scripts/test-all, which "
            + "installs it (scripts/install-clickhouse: apt-get install clickhouse-server clickhouse-client)";

    private static final String HOST = "127.0.0.1";
    /** Where the templates scripts/clickhouse fills as well are on the test class path. */
    private static final String TEMPLATES = "/clickhouse-config/";
    private static final List<String> CONFIG_FILES = List.of("config.xml", "users.xml");
    private static final Duration STARTUP = Duration.ofSeconds(90);
    /** What 18.16 logs when it refuses to load a replicated table after a crash. */
    private static final String UNEXPECTED_PARTS = "doesn't look like the set of parts in ZooKeeper";
    private static final String ERROR_LOG = "log/server.err.log";
    /** How long another server may answer on our port before the launch gives up on it. */
    private static final Duration FOREIGN_GRACE = Duration.ofSeconds(10);

    private final Path home;
    private final List<String> command;
    private final String password;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private int httpPort;
    private int tcpPort;
    /** For a member of a {@link ClickHouseCluster}: the values of cluster.xml's placeholders (names without @), else null. */
    private Map<String, String> clusterValues;
    private volatile Process process;

    private ClickHouseServer(Path home, List<String> command, String password) {
        this.home = home;
        this.command = command;
        this.password = password;
    }

    /**
     * Starts a new server and waits until it answers {@code /ping}.
     *
     * @throws IllegalStateException when no server binary is installed, naming the command that installs it
     */
    public static ClickHouseServer start() throws IOException {
        ClickHouseServer server = create();
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            server.httpPort = freePort();
            server.tcpPort = freePort();
            try {
                server.writeConfig();
                server.launch();
                return server;
            } catch (IOException e) {
                last = e;
                server.stop();
            }
        }
        server.close();
        throw last;
    }

    /**
     * One launch with HTTP port {@code httpPort} (and a free native port), no second attempt: for the
     * harness's own test of a port that another server holds. Its directory is deleted when it fails.
     */
    static ClickHouseServer launchOn(int httpPort) throws IOException {
        ClickHouseServer server = create();
        server.httpPort = httpPort;
        server.tcpPort = freePort();
        try {
            server.writeConfig();
            server.launch();
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /**
     * A member of a {@link ClickHouseCluster}, configured but not started: config.xml and users.xml as
     * every server has them, and config.d/cluster.xml filled from the template cluster.xml with
     * {@code clusterValues} (placeholder names without the @ signs), {@link #SECURED_USER}'s password
     * {@code password} (the same on every member, as a client of the cluster has one). {@link #restart()} starts it.
     */
    static ClickHouseServer member(int httpPort, int tcpPort, String password, Map<String, String> clusterValues) throws IOException {
        ClickHouseServer server = create(password);
        server.httpPort = httpPort;
        server.tcpPort = tcpPort;
        server.clusterValues = Map.copyOf(clusterValues);
        try {
            server.writeConfig();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** A server not yet started: its command, a new directory and a random password. */
    private static ClickHouseServer create() throws IOException {
        return create(randomPassword());
    }

    /** A random password for {@link #SECURED_USER}. */
    static String randomPassword() {
        byte[] secret = new byte[12];
        new SecureRandom().nextBytes(secret);
        return "pw-" + HexFormat.of().formatHex(secret);
    }

    private static ClickHouseServer create(String password) throws IOException {
        Path binary = find("clickhouse-server");
        List<String> command = new ArrayList<>();
        if (binary != null) {
            command.add(binary.toString());
        } else {
            binary = find("clickhouse");
            if (binary == null) {
                throw new IllegalStateException(MISSING);
            }
            command.add(binary.toString());
            command.add("server");
        }
        Path home = Files.createTempDirectory("fanout-clickhouse-");
        command.add("--config-file=" + home.resolve("config.xml"));
        return new ClickHouseServer(home, List.copyOf(command), password);
    }

    /**
     * A server on {@code 127.0.0.1:httpPort} that something else started (the user's
     * {@code scripts/clickhouse}, say), for its query methods only: {@link #stop()} and {@link #close()}
     * leave it running.
     */
    public static ClickHouseServer running(int httpPort) {
        ClickHouseServer server = new ClickHouseServer(null, List.of(), null);
        server.httpPort = httpPort;
        return server;
    }

    private static Path find(String name) {
        List<String> dirs = new ArrayList<>(List.of(Objects.requireNonNullElse(System.getenv("PATH"), "").split(java.io.File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/usr/bin", "/usr/local/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    private void writeConfig() throws IOException {
        for (String dir : List.of("data", "tmp", "user_files", "format_schemas", "log")) {
            Files.createDirectories(home.resolve(dir));
        }
        for (String file : CONFIG_FILES) {
            String filled = template(file).replace("@CH_HOME@", xml(home.toString()))
                    .replace("@CH_HTTP_PORT@", Integer.toString(httpPort)).replace("@CH_TCP_PORT@", Integer.toString(tcpPort))
                    .replace("@CH_SECURED_PASSWORD@", xml(password));
            if (filled.contains("@CH_")) {
                throw new IllegalStateException(TEMPLATES + file + " has a placeholder the harness does not fill: "
                        + filled.substring(filled.indexOf("@CH_")).lines().findFirst().orElse(""));
            }
            Files.writeString(home.resolve(file), filled);
        }
        if (clusterValues != null) {
            Files.createDirectories(home.resolve("config.d"));
            Files.writeString(home.resolve("config.d/cluster.xml"), fill("cluster.xml", clusterValues));
        }
    }

    /** Template {@code file} with each {@code @NAME@} replaced by its value, XML-escaped; every placeholder must be filled. */
    static String fill(String file, Map<String, String> values) throws IOException {
        String filled = template(file);
        for (Map.Entry<String, String> e : values.entrySet()) {
            filled = filled.replace("@" + e.getKey() + "@", xml(e.getValue()));
        }
        if (filled.contains("@CH_")) {
            throw new IllegalStateException(TEMPLATES + file + " has a placeholder the harness does not fill: "
                    + filled.substring(filled.indexOf("@CH_")).lines().findFirst().orElse(""));
        }
        return filled;
    }

    /** A configuration template as scripts/clickhouse-config/ holds it, read from the test class path. */
    private static String template(String file) throws IOException {
        try (InputStream in = ClickHouseServer.class.getResourceAsStream(TEMPLATES + file)) {
            if (in == null) {
                throw new IllegalStateException(TEMPLATES + file + " is not on the test class path: writer-clickhouse's pom copies "
                        + "scripts/clickhouse-config/ there as a test resource (and into its test-jar)");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (file.equals("users.xml") && !text.contains("<" + SECURED_USER + ">")) {
                throw new IllegalStateException(TEMPLATES + file + " does not define the user " + SECURED_USER);
            }
            return text;
        }
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /**
     * Starts the process and waits until the server answering on {@link #httpPort} is this one: it
     * answers {@code /ping}, knows {@link #SECURED_USER} with this server's random password, and the
     * process is still alive. A {@code /ping} alone could come from another ClickHouse that took the
     * port between {@link #freePort()} and the launch, while this one dies failing to bind.
     *
     * @throws IOException when the process exits, another server keeps answering on the port, or
     *                     nothing answers within {@link #STARTUP}
     */
    private void launch() throws IOException {
        Process p = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("log/stdout.log").toFile())).start();
        process = p;
        long deadline = System.nanoTime() + STARTUP.toNanos();
        long foreignSince = 0;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("clickhouse-server exited with " + p.exitValue() + " while starting: " + logTail());
            }
            if (ping()) {
                if (answersAsThisServer() && p.isAlive()) {
                    return;
                }
                // Our own server answers /ping only once its users are loaded, so this is another one; ours, failing
                // to bind, exits shortly (caught above). Give up on the port if it keeps answering.
                if (foreignSince == 0) {
                    foreignSince = System.nanoTime();
                } else if (System.nanoTime() - foreignSince > FOREIGN_GRACE.toNanos()) {
                    throw new IOException("another server answers /ping on port " + httpPort + " (it does not know " + SECURED_USER
                            + " with this server's password) while this clickhouse-server is " + (p.isAlive() ? "running" : "gone")
                            + ": " + logTail());
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for clickhouse-server", e);
            }
        }
        throw new IOException("clickhouse-server did not answer /ping on port " + httpPort + " within " + STARTUP.toSeconds() + " s: " + logTail());
    }

    /** Whether the server on {@link #httpPort} accepts {@link #SECURED_USER} with this server's random password. */
    private boolean answersAsThisServer() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + httpPort + "/?user=" + SECURED_USER
                            + "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8)))
                    .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString("SELECT 1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().strip().equals("1");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean ping() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + httpPort + "/ping"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().strip().equals("Ok.");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String logTail() {
        StringBuilder b = new StringBuilder();
        for (String f : List.of("log/stdout.log", "log/server.err.log")) {
            try {
                List<String> lines = Files.readAllLines(home.resolve(f));
                b.append(f).append(": ").append(String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()))).append("; ");
            } catch (IOException | UncheckedIOException e) {
                b.append(f).append(": unreadable; ");
            }
        }
        return b.toString();
    }

    /** Stops the server (SIGTERM, then SIGKILL after 30 s) and waits for it; ports and data stay. */
    public synchronized void stop() {
        Process p = process;
        process = null;
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Kills the server with SIGKILL, as a crash or an OOM killer would, and waits until it is gone;
     * ports and data stay for {@link #restart()}. Does not wait for a launch in progress (it makes
     * that launch fail), so a JVM shutting down kills servers a test thread is still starting.
     */
    public void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (process == p) {
                process = null;
            }
        }
    }

    /**
     * Starts the stopped (or killed, or exited) server again on the same ports with the same data.
     * When 18.16 refuses to start because a kill left a replicated table with parts that ZooKeeper
     * does not list ("doesn't look like the set of parts in ZooKeeper": a part written and not yet
     * committed, so never acknowledged), it starts it again as an operator would after a crash, with
     * {@code data/flags/force_restore_data}, which detaches those parts.
     */
    public synchronized void restart() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        process = null;
        long errorLogBefore = Files.exists(home.resolve(ERROR_LOG)) ? Files.size(home.resolve(ERROR_LOG)) : 0;
        try {
            launch();
        } catch (IOException e) {
            process = null;
            if (!errorLogSince(errorLogBefore).contains(UNEXPECTED_PARTS)) {
                throw e;
            }
            Files.createDirectories(home.resolve("data/flags"));
            Files.writeString(home.resolve("data/flags/force_restore_data"), "");
            try {
                launch();
            } catch (IOException again) {
                process = null;
                again.addSuppressed(e);
                throw again;
            }
        }
    }

    private String errorLogSince(long offset) throws IOException {
        if (!Files.exists(home.resolve(ERROR_LOG))) {
            return "";
        }
        byte[] log = Files.readAllBytes(home.resolve(ERROR_LOG));
        return new String(log, (int) Math.min(offset, log.length), (int) Math.max(0, log.length - offset), StandardCharsets.ISO_8859_1);
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public String host() {
        return HOST;
    }

    /** The server's own directory: config.xml, config.d/, data/, log/. Null for a server it did not start. */
    public Path home() {
        return home;
    }

    public int httpPort() {
        return httpPort;
    }

    /** The native-protocol port, for clickhouse-client. */
    public int tcpPort() {
        return tcpPort;
    }

    public String securedPassword() {
        return password;
    }

    /** {@code ch://127.0.0.1:<port>/<database>}. */
    public String uri(String database) {
        return "ch://" + HOST + ":" + httpPort + "/" + database;
    }

    /** Runs {@code sql} as the default user; the body of the answer (append a FORMAT clause to choose one). */
    public byte[] query(String sql) throws IOException {
        return query(sql, Map.of());
    }

    /**
     * Runs {@code sql} as the default user with the given settings (as URL parameters, e.g.
     * {@code insert_distributed_sync=1}); the body of the answer.
     */
    public byte[] query(String sql, Map<String, String> settings) throws IOException {
        StringBuilder url = new StringBuilder("http://" + HOST + ":" + httpPort + "/?user=default");
        settings.forEach((k, v) -> url.append('&').append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest request = HttpRequest.newBuilder(URI.create(url.toString()))
                .timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8)).build();
        HttpResponse<byte[]> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            Process p = process;
            if (p != null && home != null) {
                try {
                    p.waitFor(2, TimeUnit.SECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                if (!p.isAlive()) {
                    throw new IOException(e.getMessage() + " [" + sql + "]: the server (HTTP port " + httpPort + ") exited with " + p.exitValue()
                            + " meanwhile: " + logTail(), e);
                }
            }
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (r.statusCode() != 200) {
            throw new IOException("ClickHouse answered " + r.statusCode() + " to [" + sql + "]: "
                    + new String(r.body(), StandardCharsets.UTF_8).strip());
        }
        return r.body();
    }

    /**
     * The rows of {@code sql}, each value as the server's text, NULL as null: asked for in
     * {@code JSONCompact} and parsed with Jackson, not with the writer's code.
     */
    public List<String[]> rows(String sql) throws IOException {
        List<String[]> rows = new ArrayList<>();
        for (JsonNode row : JSON.readTree(query(sql + " FORMAT JSONCompact")).get("data")) {
            String[] values = new String[row.size()];
            for (int i = 0; i < values.length; i++) {
                JsonNode v = row.get(i);
                values[i] = v.isNull() ? null : v.isValueNode() ? v.asText() : v.toString();
            }
            rows.add(values);
        }
        return rows;
    }

    /** The single value {@code sql} returns. */
    public String scalar(String sql) throws IOException {
        return rows(sql).get(0)[0];
    }

    /** Stops the server and deletes its directory. */
    @Override
    public synchronized void close() {
        stop();
        if (home == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // The directory is under the system's temporary directory; leaving it is harmless.
        }
    }

    @Override
    public String toString() {
        return "ClickHouseServer[" + HOST + ":" + httpPort + ", " + home + (isRunning() ? ", running" : ", stopped") + "]";
    }
}
