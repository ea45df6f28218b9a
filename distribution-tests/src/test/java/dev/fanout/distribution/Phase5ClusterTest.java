package dev.fanout.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.cli.Examples;
import dev.fanout.writer.clickhouse.ClickHouseCluster;
import dev.fanout.writer.clickhouse.ClickHouseServer;
import dev.fanout.writer.clickhouse.ClickHouseTables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phase 5 as users run it: the installation's {@code conf/examples/phase-5-cluster.yaml} (copied,
 * with a database of each test's own) and {@code bin/fanout} from the unpacked tarball against a
 * real cluster of 2 shards × 2 replicas ({@link ClickHouseCluster}, shared by the tests), reached
 * as the environment {@code scripts/clickhouse cluster start} exports ({@code CH1_HTTP_PORT} …
 * {@code CH4_HTTP_PORT}, {@code CH_CLUSTER}) as its secured user with a password.
 *
 * <p>Every table read through its {@code Distributed} table with {@code FINAL} equals
 * {@link Examples#expectation} of the ingested files, row by row with versions; each shard's local
 * tables hold a non-empty part, the parts are disjoint and make up the whole, every row is on the
 * shard the {@code Distributed} table's own sharding expression names, and both replicas of a shard
 * hold the same rows. That holds after a second ingest of the same files, after one replica is
 * SIGKILLed mid-run and restarted, and, with both replicas of shard 2 stopped, after the run parks
 * the shard-2 lane's rows (exit 1, shard 1 committed) and {@code fanout dlq replay} lands them.
 */
class Phase5ClusterTest {

    private static final String TOPOLOGY = "phase-5-cluster.yaml";
    private static final Map<String, List<String>> KEYS = Map.of("trades", List.of("trade_id"), "quotes_us", List.of("symbol"),
            "quotes_eu", List.of("symbol"), "bars", List.of("symbol", "day"), "instruments", List.of("symbol"));
    private static final Pattern DISTRIBUTED = Pattern.compile("^Distributed\\((.*)\\)$");
    private static final Pattern PARKED_ID = Pattern.compile("dead-lettered as ([0-9a-f-]{36})");

    private static Installation installation;
    private static ClickHouseCluster cluster;
    private static int databases;

    @TempDir
    Path work;

    private String database;

    @BeforeAll
    static void start() throws Exception {
        installation = Installation.unpack();
        cluster = ClickHouseCluster.start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Every server up; the examples and phase-5-cluster.yaml, writing a database of this test's own, in the work directory. */
    @BeforeEach
    void freshWork() throws IOException {
        for (ClickHouseServer s : cluster.servers()) {
            if (!s.isRunning()) {
                s.restart();
            }
        }
        database = "market_p5_" + ++databases;
        SampleWork.copyExamples(installation, work);
        Path topology = work.resolve(TOPOLOGY);
        String yaml = Files.readString(topology);
        String uri = "ch://127.0.0.1:${CH1_HTTP_PORT:-8123}/market\"";
        assertThat(yaml).contains(uri);
        Files.writeString(topology, yaml.replace(uri, uri.replace("/market", "/" + database)));
    }

    private Map<String, String> environment() {
        Map<String, String> env = new HashMap<>(Map.of("CH_USER", ClickHouseServer.SECURED_USER, "CH_PASSWORD", cluster.securedPassword(),
                "CH_CLUSTER", ClickHouseCluster.NAME, "FANOUT_DATA_DIR", "", "FANOUT_PLUGIN_DIR", ""));
        for (int n = 1; n <= 4; n++) {
            env.put("CH" + n + "_HTTP_PORT", Integer.toString(cluster.server(n).httpPort()));
        }
        return env;
    }

    private Installation.Run fanout(String... args) throws IOException {
        Installation.Run r = installation.fanout(work, environment(), args);
        assertThat(r.out() + r.err()).as("the password in the output of fanout " + String.join(" ", args))
                .doesNotContain(cluster.securedPassword());
        return r;
    }

    private static String[] ingest(List<String> inputs) {
        List<String> args = new ArrayList<>(List.of("ingest", "--no-progress", "-t", TOPOLOGY));
        args.addAll(inputs);
        return args.toArray(String[]::new);
    }

    private static Map<String, Map<List<Object>, Map<String, Object>>> expected(List<Path> inputs) throws IOException {
        return Examples.phase4(Examples.expectation(inputs)).get(Examples.CLICKHOUSE);
    }

    // ---- reading the cluster ----

    /**
     * On every server, once each local table exists, is not read-only and has taken every entry of
     * its shard's log, {@code SYSTEM SYNC REPLICA} of it: it has fetched the parts its shard committed.
     * A server restarted after a table was created ON CLUSTER creates it from the DDL queue. A server
     * killed and restarted cannot start replication until ZooKeeper has expired its previous session
     * (18.16 logs "appears to be already active" and retries every 10 s) while {@code system.replicas}
     * shows it writable: a caller that needs it caught up compares it with another replica until equal.
     */
    private void syncReplicas() throws Exception {
        for (ClickHouseServer s : cluster.servers()) {
            for (String table : KEYS.keySet()) {
                String local = table + "_local";
                long deadline = System.nanoTime() + 180_000_000_000L;
                String state;
                while ((state = replicationLag(s, local)) != null) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError(local + " on " + s + " is not replicating after 180 s: " + state + "; its tables: "
                                + s.rows("SELECT name FROM system.tables WHERE database = '" + database + "'").stream().map(r -> r[0]).toList()
                                + "; its metadata files: " + metadataFiles(s) + "; its log on " + local + ":\n"
                                + logLines(s, local) + "\nits log's end:\n" + logTail(s));
                    }
                    Thread.sleep(100);
                }
                s.query("SYSTEM SYNC REPLICA `" + database + "`.`" + local + "`");
            }
        }
    }

    /** Why {@code local} on {@code server} is not yet replicating its shard's whole log, or null when it is. */
    private String replicationLag(ClickHouseServer server, String local) throws IOException {
        List<String[]> rows = server.rows("SELECT is_readonly, is_session_expired, log_pointer, log_max_index, zookeeper_path"
                + " FROM system.replicas WHERE database = '" + database + "' AND table = '" + local + "'");
        if (rows.isEmpty()) {
            return "no such replicated table";
        }
        String[] r = rows.get(0);
        if (!r[0].equals("0") || !r[1].equals("0")) {
            return "read-only " + r[0] + ", session expired " + r[1];
        }
        if (Long.parseLong(r[2]) > Long.parseLong(r[3])) {
            return null;
        }
        // log_max_index is 0 both for an empty log and for one whose only entry is log-0000000000
        boolean emptyLog = r[3].equals("0") && server.scalar("SELECT count() FROM system.zookeeper WHERE path = '" + r[4] + "/log'").equals("0");
        return emptyLog ? null : "log pointer " + r[2] + " not past the log's last entry " + r[3];
    }

    private static String logTail(ClickHouseServer server) {
        try {
            List<String> lines = Files.readAllLines(server.home().resolve("log/server.err.log"), StandardCharsets.ISO_8859_1);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private List<String> metadataFiles(ClickHouseServer server) {
        try (var files = Files.list(server.home().resolve("data/metadata/" + database))) {
            return files.map(f -> f.getFileName() + " (" + f.toFile().length() + " bytes)").sorted().toList();
        } catch (IOException e) {
            return List.of("(not listed: " + e + ")");
        }
    }

    private static String logLines(ClickHouseServer server, String containing) {
        try {
            List<String> lines = Files.readAllLines(server.home().resolve("log/server.log"), StandardCharsets.ISO_8859_1).stream()
                    .filter(l -> l.contains(containing) && !l.startsWith(" ") && !l.matches("^\\d+\\. .*")).toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private boolean exists(ClickHouseServer server, String table) throws IOException {
        return !server.scalar("SELECT count() FROM system.tables WHERE database = '" + database + "' AND name = '" + table + "'").equals("0");
    }

    /**
     * What {@code server}'s local tables hold, read with FINAL as the server prints it
     * (TabSeparated, in key order; "" for a table it does not have): the locals lack the Distributed
     * tables' column comments, which tell the harness's reader a boolean from a UInt8.
     */
    private Map<String, String> localText(ClickHouseServer server) throws IOException {
        Map<String, String> tables = new TreeMap<>();
        for (String table : KEYS.keySet()) {
            tables.put(table, !exists(server, table + "_local") ? "" : new String(server.query("SELECT * FROM `" + database + "`.`" + table
                    + "_local` FINAL ORDER BY " + String.join(", ", KEYS.get(table).stream().map(c -> "`" + c + "`").toList())
                    + " FORMAT TabSeparated"), StandardCharsets.UTF_8));
        }
        return tables;
    }

    /** The keys in {@code server}'s local tables, as TabSeparated text (dates as the Int32 day numbers 18.16 stores). */
    private Map<String, Set<List<String>>> localKeys(ClickHouseServer server) throws IOException {
        Map<String, Set<List<String>>> keys = new TreeMap<>();
        for (String table : KEYS.keySet()) {
            Set<List<String>> set = new HashSet<>();
            if (exists(server, table + "_local")) {
                for (String[] r : server.rows("SELECT " + String.join(", ", KEYS.get(table).stream().map(c -> "`" + c + "`").toList())
                        + " FROM `" + database + "`.`" + table + "_local` FINAL")) {
                    set.add(List.of(r));
                }
            }
            keys.put(table, set);
        }
        return keys;
    }

    /** {@code key} of an expected row as {@link #localKeys} reads it. */
    private static List<String> asStored(List<Object> key) {
        return key.stream().map(v -> v instanceof java.time.LocalDate d ? Long.toString(d.toEpochDay()) : String.valueOf(v)).toList();
    }

    /** Every table as {@code server} reads it through the Distributed table ({@code suffix} ""), with FINAL. */
    private Map<String, Map<List<Object>, Map<String, Object>>> read(ClickHouseServer server, String suffix) throws IOException {
        Map<String, Map<List<Object>, Map<String, Object>>> tables = new TreeMap<>();
        for (String table : KEYS.keySet()) {
            Map<List<Object>, Map<String, Object>> rows = new HashMap<>();
            for (Map<String, Object> stored : ClickHouseTables.rows(server, database, table + suffix)) {
                Map<String, Object> r = new HashMap<>();
                stored.forEach((column, v) -> r.put(column, v instanceof Instant i ? LocalDateTime.ofInstant(i, ZoneOffset.UTC)
                        : v instanceof Integer n ? (Object) n.longValue() : v));
                List<Object> key = KEYS.get(table).stream().map(r::get).toList();
                assertThat(rows.put(key, r)).as("duplicate key " + key + " in " + database + "." + table + suffix + " FINAL on " + server)
                        .isNull();
            }
            tables.put(table, rows);
        }
        return tables;
    }

    private static void assertEqualsExpected(Map<String, Map<List<Object>, Map<String, Object>>> expected,
                                             Map<String, Map<List<Object>, Map<String, Object>>> actual) {
        Examples.Tables want = new Examples.Tables();
        want.put(Examples.CLICKHOUSE, expected);
        Examples.Tables got = new Examples.Tables();
        got.put(Examples.CLICKHOUSE, actual);
        Examples.assertMatches(want, got);
    }

    /**
     * The cluster after syncing the replicas: every table through the Distributed table with FINAL
     * (on each server) equals {@code expected}; both replicas of a shard hold the same rows; the
     * shards' keys are disjoint and together the whole, each row on the shard the Distributed
     * table's sharding expression names; each shard holds rows, and both hold part of every table
     * of more than 20 keys (the sample's seven US quote symbols all hash to shard 2).
     *
     * @return per shard, its local tables as {@link #localText} reads them
     */
    private List<Map<String, String>> assertCluster(Map<String, Map<List<Object>, Map<String, Object>>> expected) throws Exception {
        syncReplicas();
        for (ClickHouseServer s : cluster.servers()) {
            assertEqualsExpected(expected, read(s, ""));
        }
        List<Map<String, String>> parts = new ArrayList<>();
        List<Map<String, Set<List<String>>>> keys = new ArrayList<>();
        for (int shard = 1; shard <= ClickHouseCluster.SHARDS; shard++) {
            Map<String, String> first = localText(cluster.replica(shard, 1));
            assertThat(localText(cluster.replica(shard, 2))).as("replica 2 of shard " + shard + " holds the rows of replica 1")
                    .isEqualTo(first);
            parts.add(first);
            Map<String, Set<List<String>>> k = localKeys(cluster.replica(shard, 1));
            assertThat(k.values().stream().mapToInt(Set::size).sum()).as("rows on shard " + shard).isPositive();
            keys.add(k);
        }
        for (String table : KEYS.keySet()) {
            Set<List<String>> one = keys.get(0).get(table);
            Set<List<String>> two = keys.get(1).get(table);
            Set<List<String>> both = new HashSet<>(one);
            both.retainAll(two);
            assertThat(both).as(table + " keys on shard 1 and on shard 2").isEmpty();
            if (expected.get(table).size() > 20) {
                assertThat(one).as(table + " on shard 1").isNotEmpty();
                assertThat(two).as(table + " on shard 2").isNotEmpty();
            }
            Set<List<String>> union = new HashSet<>(one);
            union.addAll(two);
            assertThat(union).as(table + ": both shards' keys")
                    .isEqualTo(expected.get(table).keySet().stream().map(Phase5ClusterTest::asStored).collect(java.util.stream.Collectors.toSet()));
        }
        assertPlacedByTheShardingExpression();
        return parts;
    }

    /** Rows of every replica's local tables whose shard by the Distributed table's own sharding expression is not the replica's. */
    private void assertPlacedByTheShardingExpression() throws IOException {
        for (String table : KEYS.keySet()) {
            String engine = cluster.server(1).scalar("SELECT engine_full FROM system.tables WHERE database = '" + database
                    + "' AND name = '" + table + "'");
            Matcher m = DISTRIBUTED.matcher(engine);
            assertThat(m.matches()).as(engine).isTrue();
            List<String> args = topLevelArguments(m.group(1));
            assertThat(args).as(engine).hasSize(4);
            String slot = "(" + args.get(3) + ") % " + ClickHouseCluster.SHARDS;
            for (int n = 1; n <= 4; n++) {
                int shard = ClickHouseCluster.shardOf(n);
                assertThat(cluster.server(n).scalar("SELECT count() FROM `" + database + "`.`" + table + "_local` WHERE " + slot + " != "
                        + (shard - 1))).as("rows of " + table + "_local on server " + n + " (shard " + shard + ") that " + engine
                        + " puts on the other shard").isEqualTo("0");
            }
        }
    }

    private static List<String> topLevelArguments(String text) {
        List<String> args = new ArrayList<>();
        int depth = 0;
        int from = 0;
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'' && (i == 0 || text.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')') {
                depth--;
            } else if (!quoted && depth == 0 && c == ',') {
                args.add(text.substring(from, i).strip());
                from = i + 1;
            }
        }
        args.add(text.substring(from).strip());
        return args;
    }

    private String dlqFiles() throws IOException {
        StringBuilder dlq = new StringBuilder();
        Path dir = work.resolve("data/dlq");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    dlq.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
                }
            }
        }
        return dlq.toString();
    }

    // ---- the tests ----

    @Test
    void theExamplesThroughPhase5LandOnTheirShardsOnBothReplicasAndASecondIngestChangesNothing() throws Exception {
        List<String> day1 = SampleWork.inputArguments(work).stream().filter(a -> a.startsWith("input/day1/")).toList();
        List<String> day2 = SampleWork.inputArguments(work).stream().filter(a -> a.startsWith("input/day2/")).toList();

        Installation.Run first = fanout(ingest(day1));
        assertThat(first.code()).as(first.output()).isZero();
        Installation.Run second = fanout(ingest(day2));
        assertThat(second.code()).as(second.output()).isZero();

        for (Installation.Run r : List.of(first, second)) {
            assertThat(r.out().lines()).as(r.output())
                    .anyMatch(l -> l.matches("clickhouse@shard1 +up +[1-9].*"))
                    .anyMatch(l -> l.matches("clickhouse@shard2 +up +[1-9].*"))
                    .noneMatch(l -> l.matches("clickhouse +.*"));
            assertThat(r.out()).as(r.output()).contains("; 0 packets (0 rows) not fully committed");
        }
        Map<String, Map<List<Object>, Map<String, Object>>> expected = expected(SampleWork.inputs(work));
        List<Map<String, String>> parts = assertCluster(expected);

        List<String> all = new ArrayList<>(day1);
        all.addAll(day2);
        Installation.Run again = fanout(ingest(all));

        assertThat(again.code()).as(again.output()).isZero();
        assertThat(again.out()).as(again.output()).contains("; 0 packets (0 rows) not fully committed");
        assertThat(assertCluster(expected)).as("each shard's rows, versions included, after the same files again").isEqualTo(parts);
    }

    @Test
    void aReplicaKilledMidRunIsFailedOverTheRunCommitsEverythingAndTheReplicaCatchesUp() throws Exception {
        List<String> inputs = new ArrayList<>(SampleWork.inputArguments(work));
        inputs.addAll(generatedTrades(40, 5_000));
        Map<String, Map<List<Object>, Map<String, Object>>> expected = expected(inputs.stream().map(work::resolve).toList());
        ClickHouseServer victim = cluster.replica(1, 1);

        Installation.Started run = installation.start(work, environment(), ingest(inputs));
        long killedAt;
        boolean midRun;
        try {
            killedAt = awaitRows(victim, run, "trades_local", 1);
            cluster.kill(1);
            midRun = run.isAlive();
        } catch (Throwable t) {
            run.kill();
            throw t;
        }
        Installation.Run r = run.await();

        assertThat(midRun).as("the ingest was still running when server 1 was killed\n" + r.output()).isTrue();
        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.out()).as(r.output()).contains("; 0 packets (0 rows) not fully committed");
        assertThat(r.out() + r.err()).doesNotContain(cluster.securedPassword());

        cluster.restart(1);
        syncReplicas();
        Map<String, String> shard1 = localText(cluster.replica(1, 2));
        // its replication starts once ZooKeeper has expired the killed server's session: until then it may lag
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!localText(cluster.replica(1, 1)).equals(shard1) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            syncReplicas();
        }
        assertThat(localText(cluster.replica(1, 1))).as("the restarted replica caught up with its shard").isEqualTo(shard1);
        int shard1Trades = localKeys(cluster.replica(1, 1)).get("trades").size();
        assertThat(killedAt).as("trades on shard 1 when its first replica was killed, fewer than its part (%d): the rest went "
                + "through replica 2", shard1Trades).isLessThan(shard1Trades);
        // The killed server's Distributed tables missed the columns added while it was down (18.16 cannot ALTER them ON
        // CLUSTER): the next run that writes a table gives every server's Distributed table its columns.
        Installation.Run realign = fanout(ingest(List.of("input/day2/trades.csv")));
        assertThat(realign.code()).as(realign.output()).isZero();
        assertThat(assertCluster(expected).get(0)).as("shard 1 after the run that aligned the Distributed tables").isEqualTo(shard1);
    }

    @Test
    void withBothReplicasOfShard2DownItsRowsAreParkedShard1CommitsAndReplayLandsThem() throws Exception {
        Path topology = work.resolve(TOPOLOGY);
        String shippedRetry = "retry: { max_attempts: 6, initial_backoff: 100ms, max_backoff: 10s }";
        String yaml = Files.readString(topology);
        assertThat(yaml).contains(shippedRetry);
        Files.writeString(topology, yaml.replace(shippedRetry, "retry: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 5ms }"));
        List<String> inputs = SampleWork.inputArguments(work);
        Map<String, Map<List<Object>, Map<String, Object>>> expected = expected(SampleWork.inputs(work));

        cluster.server(3).stop();
        cluster.server(4).stop();
        Installation.Run outage = fanout(ingest(inputs));

        assertThat(outage.code()).as(outage.output()).isEqualTo(1);
        assertThat(outage.out().lines()).as(outage.output())
                .anyMatch(l -> l.matches("clickhouse@shard1 +up +[1-9][0-9,]* +\\S+ +\\S+ +[1-9]\\d* +\\d+ +0 +0 +0 +.*"))
                .anyMatch(l -> l.matches("clickhouse@shard2 +down +0 +0 +0 +0 +0 +\\d+ +[1-9]\\d* +0 +.*"))
                .noneMatch(l -> l.matches("clickhouse +.*"));
        assertThat(outage.out()).as(outage.output()).containsPattern("not fully committed: [1-9]\\d* dead-lettered, 0 failed");
        for (ClickHouseServer s : List.of(cluster.replica(1, 1), cluster.replica(1, 2))) {
            for (String table : KEYS.keySet()) {
                if (exists(s, table + "_local")) {
                    s.query("SYSTEM SYNC REPLICA `" + database + "`.`" + table + "_local`");
                }
            }
        }
        Map<String, String> shard1 = localText(cluster.replica(1, 2));
        assertThat(localText(cluster.replica(1, 1))).as("both replicas of shard 1 during the outage").isEqualTo(shard1);

        Set<String> ids = new LinkedHashSet<>();
        Matcher m = PARKED_ID.matcher(outage.out() + outage.err());
        while (m.find()) {
            ids.add(m.group(1));
        }
        assertThat(ids).as("dead-letter ids the ingest printed\n" + outage.output()).isNotEmpty();
        for (String id : ids) {
            Installation.Run show = fanout("dlq", "show", "-t", TOPOLOGY, "--id", id, "--max-rows", "1");
            assertThat(show.code()).as(show.output()).isZero();
            assertThat(show.out().lines()).as(show.output()).contains("destination   clickhouse@shard2", "retryable     true");
        }
        String dlq = dlqFiles();
        assertThat(dlq).as("dead-letter files").contains("clickhouse@shard2").doesNotContain("clickhouse@shard1")
                .doesNotContain(cluster.securedPassword());
        Map<String, Set<List<String>>> parked = parkedKeys();

        cluster.server(3).restart();
        cluster.server(4).restart();
        // not waited for: the CREATE of trades_local queued for 3 and 4 during the outage fails there (the table was altered
        // since: Code 122), and the replay's writer gives them the table; the other queued CREATEs run within the DDL wait
        Installation.Run replay = fanout("dlq", "replay", "--no-progress", "-t", TOPOLOGY);

        assertThat(replay.code()).as(replay.output()).isZero();
        assertThat(replay.out()).as(replay.output()).contains("; 0 packets (0 rows) not fully committed");
        List<Map<String, String>> parts = assertCluster(expected);
        assertThat(shard1).as("shard 1's part, committed during the outage, is its whole part").isEqualTo(parts.get(0));
        Map<String, Set<List<String>>> shard2 = localKeys(cluster.replica(2, 1));
        for (String table : KEYS.keySet()) {
            assertThat(parked.getOrDefault(table, Set.of())).as("keys of the parked rows of " + table + ": shard 2's part")
                    .isEqualTo(shard2.get(table));
        }
        Installation.Run list = fanout("dlq", "list", "-t", TOPOLOGY);
        assertThat(list.code()).as(list.output()).isZero();
        assertThat(list.out().lines().filter(l -> l.matches("(trades|quotes_us|quotes_eu|bars|instruments) .*")))
                .as("tables still parked after the replay\n" + list.output()).isEmpty();
    }

    /** Per table the keys of the parked rows, as {@code fanout dlq export} writes them (values as the read tables hold them). */
    private Map<String, Set<List<String>>> parkedKeys() throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, Set<List<String>>> keys = new TreeMap<>();
        for (String table : KEYS.keySet()) {
            Path exported = work.resolve(table + ".parked.ndjson");
            Installation.Run export = fanout("dlq", "export", "-t", TOPOLOGY, "--table", table, "--out", exported.toString());
            assertThat(export.code()).as(export.output()).isZero();
            for (String line : Files.readAllLines(exported)) {
                JsonNode packet = json.readTree(line);
                List<String> columns = new ArrayList<>();
                packet.get("schema").get("columns").forEach(c -> columns.add(c.get("name").asText()));
                List<Integer> key = KEYS.get(table).stream().map(columns::indexOf).toList();
                packet.get("rows").forEach(row -> keys.computeIfAbsent(table, t -> new HashSet<>())
                        .add(asStored(key.stream().map(i -> (Object) (columns.get(i).equals("day") ? java.time.LocalDate.parse(row.get(i).asText())
                                : row.get(i).asText())).toList())));
            }
        }
        return keys;
    }

    /**
     * {@code files} trades files of {@code rows} rows each under {@code gen/NN/trades.csv}, new trade
     * ids: a run long enough to act in its middle.
     */
    private List<String> generatedTrades(int files, int rows) throws IOException {
        List<String> names = new ArrayList<>();
        String[] symbols = {"AAPL", "MSFT", "NVDA", "SAP", "ASML"};
        for (int f = 0; f < files; f++) {
            StringBuilder csv = new StringBuilder("trade_id,symbol,executed_at,price,quantity,side,updated_at\n");
            for (int i = 0; i < rows; i++) {
                long n = (long) f * rows + i;
                String ts = String.format("2026-02-%02d %02d:%02d:%02d.%06d", 1 + f % 28, (n / 3600) % 24, (n / 60) % 60, n % 60, n % 1_000_000);
                csv.append(String.format("G%08d,%s,%s,%d.25,%d,%s,%s%n", n, symbols[(int) (n % symbols.length)], ts, 100 + n % 500, 1 + n % 90,
                        n % 2 == 0 ? "buy" : "sell", ts));
            }
            Path file = work.resolve(String.format("gen/%02d/trades.csv", f));
            Files.createDirectories(file.getParent());
            Files.writeString(file, csv);
            names.add(work.relativize(file).toString());
        }
        return names;
    }

    /**
     * Polls {@code server} until its {@code table} holds at least {@code min} rows while {@code run}
     * runs, and returns the count then.
     */
    private long awaitRows(ClickHouseServer server, Installation.Started run, String table, long min) throws Exception {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (true) {
            List<String[]> exists = server.rows("SELECT count() FROM system.tables WHERE database = '" + database + "' AND name = '"
                    + table + "'");
            if (!exists.isEmpty() && !exists.get(0)[0].equals("0")) {
                long count = Long.parseLong(server.scalar("SELECT count() FROM `" + database + "`.`" + table + "`"));
                if (count >= min) {
                    return count;
                }
            }
            assertThat(run.isAlive()).as("the ingest runs until the first rows of " + table + " are visible").isTrue();
            assertThat(System.nanoTime()).as("rows in " + table + " within 300 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
