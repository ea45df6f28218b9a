package dev.fanout.cli;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import dev.fanout.core.Fanout;
import dev.fanout.core.migrate.CheckpointStore;
import dev.fanout.core.migrate.Migration;
import dev.fanout.core.migrate.Move;
import dev.fanout.core.migrate.MoveResult;
import dev.fanout.core.plugin.WriterRegistry;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The ClickHouse cases of {@code fanout bench}: the ClickHouse writer (found by scheme {@code ch},
 * like any plugin) upserting the benchmark's trade rows, next to the server's own bulk path —
 * {@code clickhouse-client --query "INSERT INTO … FORMAT TSV"} over the native protocol, fed the same
 * rows as TSV — into a table created {@code AS} the writer's, so both store the same columns. Only
 * the writes and the client process are timed; opening the writer, writing the TSV and the DDL are not.
 *
 * <p>The bench owns two tables in the given database, {@code trades} and {@code trades_reference}:
 * it refuses to start when either exists, drops both after each round, and drops the database at the
 * end when it created it. The client connects as ClickHouse's {@code default} user.
 */
final class ClickHouseBench implements AutoCloseable {

    static final String WRITER_CASE = "(d) ClickHouse writer upsert, fresh keys";
    static final String REFERENCE_CASE = "(e) clickhouse-client INSERT FORMAT TSV (reference)";
    static final String MIGRATE_CASE = "(e) migrate DuckDB file -> ClickHouse, copy + verify";
    private static final String TABLE = "trades";
    private static final String REFERENCE_TABLE = "trades_reference";
    private static final String VERSION_COLUMN = "_fanout_version";
    private static final DateTimeFormatter DATETIME64 = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

    private final WriterProvider provider;
    private final String uri;
    private final Destination destination;
    private final Client client;
    private final String database;
    private final boolean databaseExisted;
    private final String serverVersion;
    private final Path work;
    private final Map<Integer, Path> tsvByPackets = new HashMap<>();
    private Boolean dateTime64;

    private ClickHouseBench(WriterProvider provider, String uri, Destination destination, Client client, String database,
                            boolean databaseExisted, String serverVersion, Path work) {
        this.provider = provider;
        this.uri = uri;
        this.destination = destination;
        this.client = client;
        this.database = database;
        this.databaseExisted = databaseExisted;
        this.serverVersion = serverVersion;
        this.work = work;
    }

    /**
     * Checks everything before any case runs, so a mistake costs seconds, not a DuckDB benchmark.
     *
     * @param uri        {@code ch://host:port/database}
     * @param client     the clickhouse-client command, e.g. {@code [clickhouse-client]} or {@code [clickhouse, client]}
     * @param nativePort the server's native-protocol port, for the client
     * @param work       where the TSV files go
     * @throws ConfigurationProblem no {@code ch} plugin, a URI it refuses or that names a table, a client that
     *         cannot be run, or a database that already holds the bench's tables
     * @throws IllegalStateException when the server cannot be reached
     */
    static ClickHouseBench connect(WriterRegistry registry, String uri, List<String> client, int nativePort, Path work) {
        WriterProvider provider = clickHousePlugin(registry);
        Destination destination = destination(provider, uri);
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new ConfigurationProblem("--clickhouse: " + e.getMessage());
        }
        String path = parsed.getPath() == null ? "" : parsed.getPath().replaceFirst("^/", "");
        if (parsed.getHost() == null || path.isEmpty() || path.contains("/")) {
            throw new ConfigurationProblem("--clickhouse wants ch://host:port/database (a database the bench creates its tables in), got "
                    + destination.redactedUri());
        }
        if (client.isEmpty()) {
            throw new ConfigurationProblem("--clickhouse-client is empty");
        }
        if (nativePort < 1 || nativePort > 65_535) {
            throw new ConfigurationProblem("--clickhouse-native-port must be 1 to 65535, got " + nativePort);
        }
        Client sql = new Client(List.copyOf(client), parsed.getHost().replaceAll("^\\[|]$", ""), nativePort);
        String version = sql.run("SELECT version()");
        boolean existed = !"0".equals(sql.run("SELECT count() FROM system.databases WHERE name = " + literal(path)));
        String taken = sql.run("SELECT name FROM system.tables WHERE database = " + literal(path) + " AND name IN ("
                + literal(TABLE) + ", " + literal(REFERENCE_TABLE) + ")");
        if (!taken.isEmpty()) {
            throw new ConfigurationProblem("ClickHouse database " + path + " already has " + taken.lines().map(t -> path + "." + t)
                    .collect(Collectors.joining(" and ")) + "; fanout bench creates and drops its own tables " + TABLE + " and "
                    + REFERENCE_TABLE + ": point --clickhouse at another database, e.g. ch://" + parsed.getRawAuthority() + "/fanout_bench");
        }
        return new ClickHouseBench(provider, uri, destination, sql, path, existed, version, work);
    }

    /** The installed {@code ch} plugin, which {@code --clickhouse} needs. */
    static WriterProvider clickHousePlugin(WriterRegistry registry) {
        return registry.provider("ch").orElseThrow(() -> new ConfigurationProblem(
                "--clickhouse needs the ClickHouse writer plugin (scheme ch), which is not installed; installed: "
                        + String.join(", ", registry.schemes()) + " — add writer-clickhouse under plugins/"));
    }

    /** {@code --clickhouse}'s destination, named {@code bench}, as the plugin validates it. */
    static Destination destination(WriterProvider provider, String uri) {
        Destination destination = Destination.of("bench", uri, Path.of("").toAbsolutePath());
        if (!"ch".equals(destination.scheme())) {
            throw new ConfigurationProblem("--clickhouse wants ch://host:port/database, got " + destination.redactedUri());
        }
        List<String> problems = provider.validate(destination);
        if (!problems.isEmpty()) {
            throw new ConfigurationProblem("--clickhouse: " + String.join("; ", problems));
        }
        return destination;
    }

    /** E.g. {@code ClickHouse 18.16.1 at ch://127.0.0.1:8123/bench, clickhouse-client on native port 9000}. */
    String describe() {
        return "ClickHouse " + serverVersion + " at " + destination.redactedUri() + ", " + String.join(" ", client.command())
                + " on native port " + client.port();
    }

    /**
     * Runs both cases once on {@code packets}, on new tables: the writer, then the client on the same rows.
     *
     * @return rows/s by case name
     */
    Map<String, Double> measure(List<FramePacket> packets) throws Exception {
        long rows = packets.stream().mapToLong(FramePacket::rowCount).sum();
        try {
            double writer = writerRate(packets, rows);
            if (dateTime64 == null) {
                dateTime64 = storesDateTime64();
            }
            Path tsv = tsvByPackets.get(packets.size());
            if (tsv == null) {
                tsv = work.resolve("clickhouse-" + packets.size() + "-packets.tsv");
                try (Writer w = Files.newBufferedWriter(tsv, StandardCharsets.UTF_8)) {
                    writeTsv(packets, w, dateTime64);
                }
                tsvByPackets.put(packets.size(), tsv);
            }
            sql("CREATE TABLE " + qualified(REFERENCE_TABLE) + " AS " + qualified(TABLE));
            double reference = clientRate(tsv, packets.get(0), rows);
            checkSameRows(packets.get(0), rows);
            Map<String, Double> rates = new LinkedHashMap<>();
            rates.put(WRITER_CASE, writer);
            rates.put(REFERENCE_CASE, reference);
            return rates;
        } finally {
            dropTables();
        }
    }

    /**
     * The streaming migration of {@code packets}, stored by the DuckDB writer in a file under
     * {@code dir} (not timed), to this database's {@code trades} table: copy and verification, timed
     * together, so the rate compares with {@link #REFERENCE_CASE}'s load of the same rows. Fails
     * unless the move verified every row.
     */
    double migrateRate(WriterRegistry registry, WriterProvider duckdb, Path dir, List<FramePacket> packets, int batchRows)
            throws Exception {
        Files.createDirectories(dir);
        Path source = dir.resolve("source.duckdb");
        try (BaseWriter writer = duckdb.create(Destination.of("source", "duckdb:" + source, dir))) {
            writer.open();
            for (FramePacket p : packets) {
                writer.write(WriteBatch.of(p));
            }
        }
        long rows = packets.stream().mapToLong(FramePacket::rowCount).sum();
        Path from = Files.writeString(dir.resolve("from.yaml"), topology("duckdb:source.duckdb"));
        Path to = Files.writeString(dir.resolve("to.yaml"), topology(uri));
        try (Migration migration = Migration.between(Fanout.check(from, registry), Fanout.check(to, registry), registry, batchRows);
             CheckpointStore state = CheckpointStore.open(dir.resolve("state"))) {
            List<Move> moves = migration.moves(List.of(TABLE));
            migration.checkReadable(moves);
            return BenchCommand.rowsPerSecond(rows, () -> {
                for (MoveResult r : migration.run(moves, state, false, Migration.Progress.SILENT)) {
                    if (!r.passed() || r.verification().orElseThrow().equal() != rows) {
                        throw new IllegalStateException("the benchmark migration DuckDB -> ClickHouse did not verify " + rows + " rows: "
                                + r.failure().orElse(r.verification().toString()));
                    }
                }
            });
        } finally {
            dropTables();
            Files.deleteIfExists(to);
        }
    }

    private static String topology(String uri) {
        return """
                version: 1
                destinations:
                  db: { uri: "%s" }
                default: db
                tables:
                  trades: { primary_key: [trade_id] }
                """.formatted(uri.replace("\\", "\\\\").replace("\"", "\\\""));
    }

    /** Both tables hold {@code rows} rows with equal content, so the two cases did the same work. */
    private void checkSameRows(FramePacket sample, long rows) {
        String hashed = sample.schema().columns().stream().map(c -> "assumeNotNull(" + quote(c.name()) + ")")
                .collect(Collectors.joining(", ")) + ", " + quote(VERSION_COLUMN);
        String writer = sql("SELECT count(), sum(cityHash64(" + hashed + ")) FROM " + qualified(TABLE));
        String reference = sql("SELECT count(), sum(cityHash64(" + hashed + ")) FROM " + qualified(REFERENCE_TABLE));
        if (!writer.startsWith(rows + "\t") || !writer.equals(reference)) {
            throw new IllegalStateException("after a round, " + database + "." + TABLE + " holds [" + writer + "] and " + database + "."
                    + REFERENCE_TABLE + " [" + reference + "] (count, content hash); expected " + rows + " equal rows in both");
        }
    }

    private double writerRate(List<FramePacket> packets, long rows) throws WriteException {
        try (BaseWriter writer = provider.create(destination)) {
            writer.open();
            System.gc();
            long start = System.nanoTime();
            for (FramePacket p : packets) {
                writer.write(WriteBatch.of(p));
            }
            return rows / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** Whether the writer stored timestamps as {@code DateTime64} (modern servers) or as Int64 microseconds (18.16). */
    private boolean storesDateTime64() {
        String type = sql("SELECT type FROM system.columns WHERE database = " + literal(database) + " AND table = " + literal(TABLE)
                + " AND name = 'executed_at'");
        if (type.contains("DateTime64")) {
            return true;
        }
        if (type.contains("Int64")) {
            return false;
        }
        throw new IllegalStateException("the ClickHouse writer stored executed_at as '" + type + "', which the TSV reference cannot feed");
    }

    /** Rows/s of the client process alone, inserting {@code tsv} over the native protocol. */
    private double clientRate(Path tsv, FramePacket sample, long rows) throws IOException, InterruptedException {
        List<String> columns = new ArrayList<>();
        for (Column c : sample.schema().columns()) {
            columns.add(quote(c.name()));
        }
        columns.add(quote(VERSION_COLUMN));
        List<String> command = client.command("INSERT INTO " + qualified(REFERENCE_TABLE) + " (" + String.join(", ", columns) + ") FORMAT TSV");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectInput(tsv.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        long elapsed = System.nanoTime() - start;
        if (exit != 0) {
            throw new IllegalStateException("clickhouse-client INSERT failed (exit " + exit + "): " + output.strip());
        }
        return rows / (elapsed / 1e9);
    }

    /**
     * The rows of {@code packets} as ClickHouse TSV, one line per row: the schema's columns, then the
     * row's version (the writer's {@code _fanout_version}). Timestamps as {@code DateTime64(6)} text
     * or as microseconds since the epoch, as the writer's table stores them; strings escaped as
     * ClickHouse reads TSV; null as {@code \N}.
     */
    static void writeTsv(List<FramePacket> packets, Writer out, boolean dateTime64) throws IOException {
        BufferedWriter w = out instanceof BufferedWriter b ? b : new BufferedWriter(out);
        for (FramePacket p : packets) {
            int width = p.schema().columns().size();
            for (int r = 0; r < p.rowCount(); r++) {
                for (int c = 0; c < width; c++) {
                    Object v = p.value(r, c);
                    if (v == null) {
                        w.write("\\N");
                    } else if (v instanceof Instant t) {
                        w.write(dateTime64 ? DATETIME64.format(t) : Long.toString(Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000)));
                    } else if (v instanceof String s) {
                        w.write(escape(s));
                    } else if (v instanceof Long || v instanceof Integer || v instanceof Double) {
                        w.write(v.toString());
                    } else {
                        throw new IllegalArgumentException("the TSV reference writes int32, int64, float64, string and timestamp columns, not "
                                + p.schema().column(c).type() + " (" + p.schema().column(c).name() + ")");
                    }
                    w.write('\t');
                }
                w.write(Long.toString(p.rowVersion(r)));
                w.write('\n');
            }
        }
        w.flush();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\0' -> b.append("\\0");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }

    private String sql(String query) {
        return client.run(query);
    }

    /** clickhouse-client pointed at one server, as the default user. */
    private record Client(List<String> command, String host, int port) {
        List<String> command(String query) {
            List<String> c = new ArrayList<>(command);
            c.addAll(List.of("--host", host, "--port", Integer.toString(port), "--query", query));
            return c;
        }

        /** Runs {@code query} and returns its output, stripped. */
        String run(String query) {
            try {
                Process p = new ProcessBuilder(command(query)).redirectErrorStream(true).start();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                int exit = p.waitFor();
                if (exit != 0) {
                    throw new IllegalStateException("clickhouse-client failed (exit " + exit + ") on [" + query + "] at " + host + ":"
                            + port + ": " + output);
                }
                return output;
            } catch (IOException e) {
                throw new ConfigurationProblem("cannot run " + String.join(" ", command) + " (--clickhouse-client): " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running clickhouse-client", e);
            }
        }
    }

    private void dropTables() {
        for (String table : List.of(TABLE, REFERENCE_TABLE)) {
            sql("DROP TABLE IF EXISTS " + qualified(table));
        }
    }

    private String qualified(String table) {
        return quote(database) + "." + quote(table);
    }

    private static String quote(String name) {
        return '`' + name.replace("\\", "\\\\").replace("`", "\\`") + '`';
    }

    private static String literal(String text) {
        return '\'' + text.replace("\\", "\\\\").replace("'", "\\'") + '\'';
    }

    /** Drops what the bench made: its tables, the database when it did not exist before, the TSV files. */
    @Override
    public void close() throws IOException {
        try {
            dropTables();
            if (!databaseExisted) {
                sql("DROP DATABASE IF EXISTS " + quote(database));
            }
        } finally {
            for (Path tsv : tsvByPackets.values()) {
                Files.deleteIfExists(tsv);
            }
        }
    }
}
