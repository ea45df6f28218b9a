package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Java sharding against the server's own functions: rows written by the single-server writer,
 * the table's sharding expression ({@link ClusterSharding#expression}) evaluated by ClickHouse 18.16
 * over them, and the shard it picks compared with {@link ClusterSharding#shardsOf} row by row.
 */
@ExtendWith(ClickHouseServerExtension.class)
class ClusterShardingTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    /** Weights 1, 2, 4: slots 0 → shard 0, 1-2 → shard 1, 3-6 → shard 2. */
    private static final List<Integer> WEIGHTS = List.of(1, 2, 4);
    private static final int[] SLOTS = {0, 1, 1, 2, 2, 2, 2};
    private static final Random RANDOM = new Random(18_16);

    private final ClickHouseServer server;
    private final ClickHouseServerVersion version = ClickHouseServerVersion.parse("18.16.1");

    ClusterShardingTest(ClickHouseServer server) {
        this.server = server;
    }

    /** Writes {@code rows} rows of one key (plus the row number {@code n}) and checks every row's shard against the server. */
    private void sameShardsAsTheServer(List<Column> keyColumns, IntFunction<Object[]> key, int rows) throws Exception {
        List<Column> columns = new ArrayList<>(keyColumns);
        columns.add(Column.of("n", LogicalType.INT32));
        Schema schema = Schema.of(columns, keyColumns.stream().map(Column::name).toList());
        FramePacket.Builder b = FramePacket.builder("keys", schema).version(1);
        for (int i = 0; i < rows; i++) {
            Object[] k = key.apply(i);
            Object[] row = new Object[k.length + 1];
            System.arraycopy(k, 0, row, 0, k.length);
            row[k.length] = i;
            b.addRow(row);
        }
        FramePacket packet = b.build();
        String database = "sharding_" + DATABASES.incrementAndGet();
        try (BaseWriter w = new ClickHouseWriterProvider().create(Destination.of("keys", server.uri(database), Path.of(".")))) {
            w.open();
            w.write(WriteBatch.of(packet));
        }
        String expression = ClusterSharding.expression("keys", "keys", schema, version);
        int[] picked = new ClusterSharding(WEIGHTS, version).shardsOf(packet);
        List<String[]> server = this.server.rows("SELECT n, (" + expression + ") % 7 FROM `" + database + "`.keys FINAL ORDER BY n");
        assertThat(server).hasSize(packet.rowCount());
        for (String[] r : server) {
            int n = Integer.parseInt(r[0]);
            assertThat(picked[n]).as("row %s (%s), %s = slot %s", n, packet.row(n), expression, r[1]).isEqualTo(SLOTS[Integer.parseInt(r[1])]);
        }
        int[] perShard = new int[WEIGHTS.size()];
        for (int s : picked) {
            perShard[s]++;
        }
        assertThat(java.util.Arrays.stream(perShard).boxed().toList()).as("every shard takes rows").allMatch(c -> c > 0);
    }

    @Test
    void int64KeysIncludingNegativesAndExtremesAreShardedByIntHash64() throws Exception {
        long[] edges = {0, 1, -1, -5, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE};
        sameShardsAsTheServer(List.of(Column.of("id", LogicalType.INT64)),
                i -> new Object[] {i < edges.length ? edges[i] : RANDOM.nextLong()}, 500);
        assertThat(ClusterSharding.expression("d", "t", Schema.of(List.of(Column.of("id", LogicalType.INT64)), List.of("id")), version))
                .isEqualTo("intHash64(`id`)");
    }

    @Test
    void int32BooleanDateAndTimestampKeysAreShardedAsTheIntegers18_16StoresThemAs() throws Exception {
        sameShardsAsTheServer(List.of(Column.of("id", LogicalType.INT32)), i -> new Object[] {i % 2 == 0 ? -i * 7919 : i * 104729}, 300);
        sameShardsAsTheServer(List.of(Column.of("day", LogicalType.DATE)), i -> new Object[] {LocalDate.of(1960, 1, 1).plusDays(i * 37L)}, 300);
        sameShardsAsTheServer(List.of(Column.of("at", LogicalType.TIMESTAMP)),
                i -> new Object[] {Instant.ofEpochSecond(RANDOM.nextInt(), RANDOM.nextInt(1_000_000) * 1000L)}, 300);
        sameShardsAsTheServer(List.of(Column.of("flag", LogicalType.BOOLEAN), Column.of("id", LogicalType.INT32)),
                i -> new Object[] {i % 2 == 0, i - 150}, 300);
    }

    @Test
    void stringKeysIncludingUnicodeAndEveryLengthAreShardedBySipHash64() throws Exception {
        String[] edges = {"", "a", "abcdefg", "abcdefgh", "abcdefghi", "é", "日本語のキー", "🙂 emoji", "tab\there", "quote'\\"};
        sameShardsAsTheServer(List.of(Column.of("symbol", LogicalType.STRING)), i -> new Object[] {i < edges.length ? edges[i]
                : randomText(i % 40) + i}, 500);
        assertThat(ClusterSharding.expression("d", "t", Schema.of(List.of(Column.of("s", LogicalType.STRING)), List.of("s")), version))
                .isEqualTo("sipHash64(`s`)");
    }

    @Test
    void compoundKeysAreShardedByTheirColumnsHashesCombinedFromTheRight() throws Exception {
        sameShardsAsTheServer(List.of(Column.of("symbol", LogicalType.STRING), Column.of("seq", LogicalType.INT32),
                Column.of("raw", LogicalType.BYTES)), i -> new Object[] {"S" + (i % 13) + "é", i * 31 - 4000,
                        ("b" + i).getBytes(StandardCharsets.UTF_8)}, 500);
        assertThat(ClusterSharding.expression("d", "t", Schema.of(List.of(Column.of("s", LogicalType.STRING),
                Column.of("n", LogicalType.INT32)), List.of("s", "n")), version)).isEqualTo("intHash64(bitXor(sipHash64(`s`), intHash64(intHash64(`n`))))");
    }

    @Test
    void anInt32KeyHashesLikeTheInt64ItWidensTo() {
        Schema narrow = Schema.of(List.of(Column.of("s", LogicalType.STRING), Column.of("n", LogicalType.INT32)), List.of("s", "n"));
        Schema wide = Schema.of(List.of(Column.of("s", LogicalType.STRING), Column.of("n", LogicalType.INT64)), List.of("s", "n"));
        ClusterSharding sharding = new ClusterSharding(List.of(1, 1, 1, 1, 1), version);
        FramePacket.Builder a = FramePacket.builder("t", narrow).version(1);
        FramePacket.Builder b = FramePacket.builder("t", wide).version(1);
        for (int i = -200; i < 200; i++) {
            a.addRow("k" + i, i);
            b.addRow("k" + i, (long) i);
        }
        assertThat(sharding.shardsOf(a.build())).isEqualTo(sharding.shardsOf(b.build()));
    }

    @Test
    void floatAndDecimalKeysAreRefusedNamingTableAndColumn() {
        Schema floats = Schema.of(List.of(Column.of("price", LogicalType.FLOAT64)), List.of("price"));
        WriteException e = catchThrowableOfType(() -> ClusterSharding.expression("ch_cluster", "quotes", floats, version),
                WriteException.class);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("destination ch_cluster", "table quotes", "key column price", "float64");
        FramePacket p = FramePacket.builder("quotes", floats).version(1).addRow(1.5).build();
        IllegalArgumentException refused = catchThrowableOfType(() -> new ClusterSharding(List.of(1, 1), version).shardsOf(p),
                IllegalArgumentException.class);
        assertThat(refused).hasMessageContaining("table quotes, key column price");
        Schema decimals = Schema.of(List.of(Column.of("amount", LogicalType.decimal(18, 2))), List.of("amount"));
        assertThat(catchThrowableOfType(() -> ClusterSharding.expression("d", "t", decimals, version), WriteException.class))
                .hasMessageContaining("key column amount");
    }

    @Test
    void datesAndTimestampsAreRefusedOnServersStoringThemAsDate32AndDateTime64() {
        Schema days = Schema.of(List.of(Column.of("day", LogicalType.DATE)), List.of("day"));
        assertThat(catchThrowableOfType(() -> ClusterSharding.expression("d", "bars", days, ClickHouseServerVersion.parse("23.8.1")),
                WriteException.class)).hasMessageContaining("table bars, key column day").hasMessageContaining("Date32");
    }

    @Test
    void weightsGiveEachShardItsRangeOfSlots() {
        ClusterSharding sharding = new ClusterSharding(List.of(1, 2, 4), version);
        for (long h = 0; h < 70; h++) {
            assertThat(sharding.shardOfHash(h)).isEqualTo(SLOTS[(int) (h % 7)]);
        }
        assertThat(sharding.shardOfHash(-1L)).as("unsigned: 2^64-1 mod 7 = 1").isEqualTo(SLOTS[1]);
        assertThat(new ClusterSharding(List.of(0, 1), version).shardOfHash(12345)).isEqualTo(1);
    }

    private static String randomText(int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int kind = RANDOM.nextInt(4);
            b.appendCodePoint(kind == 0 ? 'a' + RANDOM.nextInt(26) : kind == 1 ? 0x00C0 + RANDOM.nextInt(200)
                    : kind == 2 ? 0x4E00 + RANDOM.nextInt(2000) : 0x1F600 + RANDOM.nextInt(50));
        }
        return b.toString();
    }
}
