package dev.fanout.writer.clickhouse;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriterProvider;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Throughput of the ClickHouse writer next to the server's own bulk path, {@code clickhouse-client
 * --query "INSERT INTO … FORMAT TSV"} of the same rows into a table of the same definition, in one
 * run: after a warm-up, each round runs both cases on new tables and each case reports its median.
 * Not a test; run {@code main} with the test classpath. {@link #writerRate} and
 * {@link #clickhouseClientRate} are what {@code fanout bench} would call.
 */
public final class ClickHouseBench {

    /** The trade table of {@code fanout bench}. */
    static final Schema TRADES = Schema.of(List.of(
            Column.required("trade_id", LogicalType.INT64),
            Column.of("symbol", LogicalType.STRING),
            Column.of("executed_at", LogicalType.TIMESTAMP),
            Column.of("price", LogicalType.FLOAT64),
            Column.of("quantity", LogicalType.INT64),
            Column.of("side", LogicalType.STRING)), List.of("trade_id"));
    private static final String[] SYMBOLS = {"AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META", "TSLA", "ASML", "SAP", "NESN"};

    private ClickHouseBench() {
    }

    /** Rows/s of {@code packets} upserted through a writer of {@code provider} on {@code destination}, one batch per packet. */
    public static double writerRate(WriterProvider provider, Destination destination, List<FramePacket> packets) throws Exception {
        try (BaseWriter writer = provider.create(destination)) {
            writer.open();
            long start = System.nanoTime();
            for (FramePacket p : packets) {
                writer.write(WriteBatch.of(p));
            }
            return rows(packets) / ((System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * Rows/s of {@code clickhouse-client} inserting {@code tsv} (the same rows as TSV) into
     * {@code database.table} over the native protocol: the server's own bulk path, the reference.
     */
    public static double clickhouseClientRate(List<String> clickhouseClient, String host, int nativePort, String database,
                                              String table, Path tsv, long rows) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(clickhouseClient);
        command.addAll(List.of("--host", host, "--port", String.valueOf(nativePort), "--query",
                "INSERT INTO " + ClickHouseSql.qualified(database, table) + " FORMAT TSV"));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectInput(tsv.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("clickhouse-client failed: " + output);
        }
        return rows / ((System.nanoTime() - start) / 1e9);
    }

    /**
     * Writes trade {@code packets} as TSV in the layout of the writer's table: the batch's columns,
     * then {@code _fanout_version}; timestamps as {@code DateTime64} text or, on servers without it
     * (18.16), as Int64 microseconds.
     */
    public static void writeTsv(List<FramePacket> packets, Path file, boolean dateTime64) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (FramePacket p : packets) {
                for (int r = 0; r < p.rowCount(); r++) {
                    Instant ts = (Instant) p.value(r, 2);
                    long micros = ts.getEpochSecond() * 1_000_000 + ts.getNano() / 1000;
                    String tsText = dateTime64
                            ? ts.toString().replace('T', ' ').replace("Z", "")
                            : Long.toString(micros);
                    w.write(p.value(r, 0) + "\t" + p.value(r, 1) + "\t" + tsText + "\t" + p.value(r, 3) + "\t" + p.value(r, 4)
                            + "\t" + p.value(r, 5) + "\t" + p.version() + "\n");
                }
            }
        }
    }

    static List<FramePacket> trades(int rows, int batchRows, long version) {
        Random random = new Random(42);
        List<FramePacket> packets = new ArrayList<>();
        Instant t0 = Instant.parse("2026-01-05T14:30:00Z");
        FramePacket.Builder b = null;
        for (long i = 0; i < rows; i++) {
            if (b == null) {
                b = FramePacket.builder("trades", TRADES).version(version);
            }
            b.addRow(i, SYMBOLS[random.nextInt(SYMBOLS.length)], t0.plusNanos(i * 1_000), 100 + random.nextInt(100_000) / 100.0,
                    (long) (1 + random.nextInt(500)), random.nextBoolean() ? "buy" : "sell");
            if (b.rowCount() == batchRows) {
                packets.add(b.build());
                b = null;
            }
        }
        if (b != null) {
            packets.add(b.build());
        }
        return packets;
    }

    private static long rows(List<FramePacket> packets) {
        return packets.stream().mapToLong(FramePacket::rowCount).sum();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Arguments: rows (default 2,000,000), rows per batch (100,000), rounds (3). Starts and stops its own server. */
    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        int batchRows = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path client = Path.of("/usr/bin/clickhouse-client");
        List<String> clientCommand = Files.isExecutable(client) ? List.of(client.toString()) : List.of("clickhouse", "client");
        WriterProvider provider = new ClickHouseWriterProvider();
        List<FramePacket> packets = trades(rows, batchRows, 1);
        try (ClickHouseServer server = ClickHouseServer.start()) {
            ClickHouseServerVersion version = ClickHouseServerVersion.parse(server.scalar("SELECT version()"));
            Path tsv = Files.createTempFile("fanout-bench-trades", ".tsv");
            try {
                writeTsv(packets, tsv, version.hasDateTime64());
                Map<String, List<Double>> rates = new LinkedHashMap<>();
                for (int round = 0; round <= rounds; round++) {
                    String db = "bench_" + round;
                    List<FramePacket> part = round == 0 ? packets.subList(0, Math.min(2, packets.size())) : packets;
                    Destination d = Destination.of("bench", server.uri(db), Path.of("."));
                    double writer = writerRate(provider, d, part);
                    server.query("CREATE TABLE `" + db + "`.trades_reference AS `" + db + "`.trades");
                    Path input = tsv;
                    if (round == 0) {
                        input = Files.createTempFile("fanout-bench-warmup", ".tsv");
                        writeTsv(part, input, version.hasDateTime64());
                    }
                    double reference = clickhouseClientRate(clientCommand, server.host(), server.tcpPort(), db, "trades_reference", input, rows(part));
                    if (round == 0) {
                        Files.delete(input);
                    } else {
                        rates.computeIfAbsent("(a) clickhouse-client INSERT … FORMAT TSV (reference)", k -> new ArrayList<>()).add(reference);
                        rates.computeIfAbsent("(b) ClickHouse writer, RowBinary upsert, fresh keys", k -> new ArrayList<>()).add(writer);
                        System.out.printf("round %d: reference %,.0f rows/s, writer %,.0f rows/s%n", round, reference, writer);
                    }
                    server.query("DROP DATABASE `" + db + "`");
                }
                double reference = median(rates.values().iterator().next());
                System.out.printf("%nClickHouse %s, %,d trade rows, %,d rows per batch, median of %d rounds after a warm-up%n",
                        version, rows, batchRows, rounds);
                rates.forEach((name, r) -> System.out.printf("%-55s %,12.0f rows/s  %.2fx%n", name, median(r), median(r) / reference));
            } finally {
                Files.deleteIfExists(tsv);
            }
        }
    }
}
