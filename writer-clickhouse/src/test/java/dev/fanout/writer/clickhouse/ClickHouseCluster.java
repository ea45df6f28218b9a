package dev.fanout.writer.clickhouse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real sharded, replicated ClickHouse cluster for tests: one standalone ZooKeeper (Debian's
 * {@code zookeeper} package, run as a plain Java process) and four {@link ClickHouseServer}s, 2 shards
 * of 2 replicas, all on free loopback ports with directories of their own under a temporary
 * directory. Every server has the cluster {@link #NAME} in its {@code remote_servers} (shard 1:
 * servers 1 and 2, shard 2: servers 3 and 4, {@code internal_replication} true), the macros
 * {@code {shard}} (1 or 2) and {@code {replica}} ({@code r1} or {@code r2}), the ZooKeeper and the
 * {@code distributed_ddl} queue: the configuration of {@code scripts/clickhouse-config/cluster.xml},
 * which {@code scripts/clickhouse cluster start} and {@code examples/clickhouse-cluster/} use as well.
 *
 * <p>A server can be killed (SIGKILL) or stopped and started again with its ports and data, so a
 * test can take a replica or a whole shard away under a writer. {@link #close()} stops every process
 * and deletes the directories; {@link #start()} registers a shutdown hook that does the same if the
 * JVM exits first. Servers are numbered 1 to 4 throughout. Thread-safe.
 *
 * <p>When ZooKeeper or clickhouse-server is not installed, {@link #start()} fails (tests are not
 * skipped) with a message naming the command that installs it.
 */
public final class ClickHouseCluster implements AutoCloseable {

    /** The cluster's name in {@code remote_servers}, for {@code ON CLUSTER} and {@code Distributed(...)}. */
    public static final String NAME = "fanout_cluster";
    public static final int SHARDS = 2;
    public static final int REPLICAS = 2;

    /** Debian's zookeeper package puts the server's jar here (its manifest's Class-Path names the libraries). */
    static final Path DEBIAN_ZOOKEEPER_JAR = Path.of("/usr/share/java/zookeeper.jar");
    private static final String HOST = "127.0.0.1";
    private static final Duration ZOOKEEPER_STARTUP = Duration.ofSeconds(60);

    private final Path home;
    private final Process zookeeper;
    private final int zookeeperPort;
    private final List<ClickHouseServer> servers;
    private final Thread shutdownHook;
    private boolean closed;

    private ClickHouseCluster(Path home, Process zookeeper, int zookeeperPort, List<ClickHouseServer> servers) {
        this.home = home;
        this.zookeeper = zookeeper;
        this.zookeeperPort = zookeeperPort;
        this.servers = List.copyOf(servers);
        this.shutdownHook = new Thread(this::close, "clickhouse-cluster-stop");
    }

    /**
     * Starts ZooKeeper and the four servers and waits until each answers.
     *
     * @throws IllegalStateException when ZooKeeper or clickhouse-server is not installed, naming the command that installs it
     */
    public static ClickHouseCluster start() throws IOException {
        Path jar = zookeeperJar(System.getenv("FANOUT_ZOOKEEPER_JAR"));
        IOException last = null;
        // Another process may take a port between its choice and the launch: up to three attempts, each on new ports.
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return startOnce(jar);
            } catch (IOException e) {
                if (last != null) {
                    e.addSuppressed(last);
                }
                last = e;
            }
        }
        throw last;
    }

    /** One attempt: everything it started is stopped and deleted again when it fails. */
    private static ClickHouseCluster startOnce(Path jar) throws IOException {
        Path home = Files.createTempDirectory("fanout-clickhouse-cluster-");
        Process zk = null;
        List<ClickHouseServer> servers = new ArrayList<>();
        try {
            Set<Integer> taken = new HashSet<>();
            String password = ClickHouseServer.randomPassword();
            int zkPort = freePort(taken);
            zk = startZooKeeper(jar, home, zkPort);
            int[] http = new int[5];
            int[] tcp = new int[5];
            int[] interserver = new int[5];
            Map<String, String> shared = new HashMap<>();
            shared.put("CH_CLUSTER", NAME);
            shared.put("CH_ZOOKEEPER_HOST", HOST);
            shared.put("CH_ZOOKEEPER_PORT", Integer.toString(zkPort));
            shared.put("CH_INTERSERVER_HOST", HOST);
            for (int n = 1; n <= 4; n++) {
                http[n] = freePort(taken);
                tcp[n] = freePort(taken);
                interserver[n] = freePort(taken);
                shared.put("CH_HOST_" + n, HOST);
                shared.put("CH_TCP_PORT_" + n, Integer.toString(tcp[n]));
            }
            for (int n = 1; n <= 4; n++) {
                Map<String, String> values = new HashMap<>(shared);
                values.put("CH_SHARD", Integer.toString(shardOf(n)));
                values.put("CH_REPLICA", "r" + replicaOf(n));
                values.put("CH_INTERSERVER_PORT", Integer.toString(interserver[n]));
                servers.add(ClickHouseServer.member(http[n], tcp[n], password, values));
            }
            for (ClickHouseServer server : servers) {
                server.restart();
            }
            ClickHouseCluster cluster = new ClickHouseCluster(home, zk, zkPort, servers);
            Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
            return cluster;
        } catch (IOException | RuntimeException e) {
            servers.forEach(ClickHouseServer::close);
            if (zk != null) {
                stopProcess(zk);
            }
            delete(home);
            throw e;
        }
    }

    /** The shard (1 or 2) of server {@code n}. */
    public static int shardOf(int n) {
        return (checked(n) - 1) / REPLICAS + 1;
    }

    /** The replica number (1 or 2) of server {@code n} within its shard; its {@code {replica}} macro is {@code r<number>}. */
    public static int replicaOf(int n) {
        return (checked(n) - 1) % REPLICAS + 1;
    }

    /** Server {@code n} (1..4): its ports, queries, {@link ClickHouseServer#kill()}, {@link ClickHouseServer#restart()}. */
    public ClickHouseServer server(int n) {
        return servers.get(checked(n) - 1);
    }

    /** Replica {@code replica} (1..2) of shard {@code shard} (1..2). */
    public ClickHouseServer replica(int shard, int replica) {
        if (shard < 1 || shard > SHARDS || replica < 1 || replica > REPLICAS) {
            throw new IllegalArgumentException("shard " + shard + " replica " + replica + ": shards and replicas are numbered 1 to 2");
        }
        return servers.get((shard - 1) * REPLICAS + replica - 1);
    }

    /** All four servers, in order 1..4. */
    public List<ClickHouseServer> servers() {
        return servers;
    }

    /** Kills server {@code n} with SIGKILL; {@link #restart(int)} brings it back with the same ports and data. */
    public void kill(int n) {
        server(n).kill();
    }

    /** Starts server {@code n} again (after {@link #kill(int)} or a stop) and waits until it answers. */
    public void restart(int n) throws IOException {
        server(n).restart();
    }

    /** {@link ClickHouseServer#SECURED_USER}'s password, the same on all four servers. */
    public String securedPassword() {
        return servers.get(0).securedPassword();
    }

    public int zookeeperPort() {
        return zookeeperPort;
    }

    public String host() {
        return HOST;
    }

    private static int checked(int n) {
        if (n < 1 || n > SHARDS * REPLICAS) {
            throw new IllegalArgumentException("server " + n + ": the cluster's servers are numbered 1 to " + SHARDS * REPLICAS);
        }
        return n;
    }

    /** The ZooKeeper jar: {@code configured} (FANOUT_ZOOKEEPER_JAR) when set, else Debian's. */
    static Path zookeeperJar(String configured) {
        Path jar = configured == null || configured.isEmpty() ? DEBIAN_ZOOKEEPER_JAR : Path.of(configured);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("ZooKeeper was not found (" + jar + (jar.equals(DEBIAN_ZOOKEEPER_JAR) ? "" : ", from FANOUT_ZOOKEEPER_JAR")
                    + ", is missing): the ClickHouse cluster tests run a real ZooKeeper for replication and ON CLUSTER DDL. Run the README's "
                    + "test command, scripts/test-all, which installs it (scripts/install-clickhouse: apt-get install zookeeper)");
        }
        return jar;
    }

    /**
     * ZooKeeper standalone on {@code 127.0.0.1:port}, its data under {@code home/zookeeper}, without
     * its admin HTTP server (which would take port 8080), answering {@code ruok} when ready.
     */
    private static Process startZooKeeper(Path jar, Path home, int port) throws IOException {
        Path dir = home.resolve("zookeeper");
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("zoo.cfg"), String.join("\n",
                "tickTime=2000",
                "dataDir=" + dir.resolve("data"),
                "clientPort=" + port,
                "clientPortAddress=" + HOST,
                "maxClientCnxns=0",
                "admin.enableServer=false",
                "4lw.commands.whitelist=ruok",
                "autopurge.purgeInterval=0",
                ""));
        String classPath = jar.toString();
        // Debian's slf4j-simple, when present, gives ZooKeeper's warnings a log file; without it slf4j falls back to nothing.
        Path slf4jSimple = Path.of("/usr/share/java/slf4j-simple.jar");
        if (Files.isRegularFile(slf4jSimple)) {
            classPath += java.io.File.pathSeparator + slf4jSimple;
        }
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dzookeeper.admin.enableServer=false", "-Dzookeeper.4lw.commands.whitelist=ruok",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", classPath, "org.apache.zookeeper.server.ZooKeeperServerMain", dir.resolve("zoo.cfg").toString());
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("zookeeper.log").toFile())).start();
        long deadline = System.nanoTime() + ZOOKEEPER_STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("ZooKeeper exited with " + p.exitValue() + " while starting on port " + port + ": " + tail(dir.resolve("zookeeper.log")));
            }
            if (answersRuok(port)) {
                return p;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopProcess(p);
                throw new IOException("interrupted while waiting for ZooKeeper", e);
            }
        }
        stopProcess(p);
        throw new IOException("ZooKeeper did not answer ruok on port " + port + " within " + ZOOKEEPER_STARTUP.toSeconds() + " s: "
                + tail(dir.resolve("zookeeper.log")));
    }

    private static boolean answersRuok(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 1000);
            s.setSoTimeout(2000);
            s.getOutputStream().write("ruok".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).equals("imok");
        } catch (IOException e) {
            return false;
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return log + " unreadable";
        }
    }

    /** A free loopback port not in {@code taken}, which it joins: the cluster's ports must all differ before any process binds them. */
    private static int freePort(Set<Integer> taken) throws IOException {
        for (int i = 0; i < 100; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
                if (taken.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
        throw new IOException("found no free loopback port after 100 tries");
    }

    private static void stopProcess(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(20, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Under the system's temporary directory; leaving it is harmless.
        }
    }

    /** Stops the four servers, then ZooKeeper, and deletes every directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        servers.forEach(ClickHouseServer::close);
        stopProcess(zookeeper);
        delete(home);
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // The JVM is already shutting down.
            }
        }
    }

    @Override
    public String toString() {
        return "ClickHouseCluster[" + NAME + ", zookeeper " + HOST + ":" + zookeeperPort + ", " + Objects.toString(servers) + "]";
    }
}
