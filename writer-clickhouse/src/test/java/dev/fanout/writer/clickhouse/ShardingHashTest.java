package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ShardingHash} against the real server: thousands of integers, dates, strings (empty,
 * unicode, long, with control characters) and arbitrary bytes, each hashed by ClickHouse and in Java.
 */
@ExtendWith(ClickHouseServerExtension.class)
class ShardingHashTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void intHash64OfIntegersAndDayNumbersEqualsTheServers(ClickHouseServer server) throws IOException {
        Random random = new Random(18);
        List<Long> values = new ArrayList<>(List.of(0L, 1L, -1L, 2L, -2L, Long.MIN_VALUE, Long.MAX_VALUE, (long) Integer.MIN_VALUE,
                (long) Integer.MAX_VALUE, 4294967295L, 4294967296L, 20454L, -719528L));
        for (int i = 0; i < 3000; i++) {
            values.add(switch (i % 3) {
                case 0 -> random.nextLong();
                case 1 -> (long) random.nextInt();
                default -> (long) random.nextInt(2000) - 1000;
            });
        }
        String table = "sharding_hash_ints";
        server.query("DROP TABLE IF EXISTS default." + table);
        server.query("CREATE TABLE default." + table + " (n UInt32, x Int64) ENGINE = Memory");
        StringBuilder tsv = new StringBuilder("INSERT INTO default." + table + " FORMAT TabSeparated\n");
        for (int i = 0; i < values.size(); i++) {
            tsv.append(i).append('\t').append(values.get(i)).append('\n');
        }
        server.query(tsv.toString());

        List<String[]> rows = server.rows("SELECT n, intHash64(x), intHash64(toUInt64(x)), intHash64(toUInt64(toInt32(x))), "
                + "intHash64(toUInt64(toDate(toUInt16(x)))) FROM default." + table + " ORDER BY n");

        assertThat(rows).hasSize(values.size());
        for (String[] row : rows) {
            long x = values.get(Integer.parseInt(row[0]));
            String expected = Long.toUnsignedString(ShardingHash.intHash64(x));
            assertThat(row[1]).as("intHash64(%s) as Int64", x).isEqualTo(expected);
            assertThat(row[2]).as("intHash64(toUInt64(%s))", x).isEqualTo(expected);
            assertThat(row[3]).as("intHash64(toUInt64(toInt32(%s)))", x).isEqualTo(Long.toUnsignedString(ShardingHash.intHash64((int) x)));
            assertThat(row[4]).as("intHash64 of the day number of the Date toUInt16(%s)", x)
                    .isEqualTo(Long.toUnsignedString(ShardingHash.intHash64(x & 0xffff)));
        }
        assertThat(server.scalar("SELECT toUInt64(toDate('2026-01-01'))")).isEqualTo(Long.toString(LocalDate.of(2026, 1, 1).toEpochDay()));
        server.query("DROP TABLE default." + table);
    }

    @Test
    void sipHash64OfStringsAndBytesEqualsTheServers(ClickHouseServer server) throws IOException {
        Random random = new Random(1816);
        List<String> strings = new ArrayList<>(List.of("", "a", "ab", "abcdefg", "abcdefgh", "abcdefghi", "Zürich", "東京", "😀",
                "tab\there", "new\nline", "back\\slash", "quote\"'", "\u0000nul", "x".repeat(255), "y".repeat(256), "z".repeat(10_000)));
        String alphabet = "aZ09 _-éß東京😀\t\n\\\"'\u0001";
        int[] codePoints = alphabet.codePoints().toArray();
        for (int i = 0; i < 3000; i++) {
            StringBuilder s = new StringBuilder();
            int length = i % 10 == 0 ? random.nextInt(2000) : random.nextInt(40);
            for (int j = 0; j < length; j++) {
                s.appendCodePoint(codePoints[random.nextInt(codePoints.length)]);
            }
            strings.add(s.toString());
        }
        List<byte[]> bytes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            byte[] b = new byte[random.nextInt(70)];
            random.nextBytes(b);
            bytes.add(b);
        }
        String table = "sharding_hash_strings";
        server.query("DROP TABLE IF EXISTS default." + table);
        server.query("CREATE TABLE default." + table + " (n UInt32, s String, h String, x Int64) ENGINE = Memory");
        StringBuilder rowsJson = new StringBuilder("INSERT INTO default." + table + " FORMAT JSONEachRow\n");
        for (int i = 0; i < strings.size(); i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("n", i);
            row.put("s", strings.get(i));
            row.put("h", HexFormat.of().formatHex(bytes.get(i % bytes.size())));
            row.put("x", i * 7919L - 5000);
            rowsJson.append(JSON.writeValueAsString(row)).append('\n');
        }
        server.query(rowsJson.toString());

        List<String[]> rows = server.rows("SELECT n, sipHash64(s), sipHash64(unhex(h)), intHash64(bitXor(sipHash64(s), intHash64(intHash64(toUInt64(x))))), "
                + "sipHash64(s, unhex(h)), sipHash64(x), length(s) FROM default." + table + " ORDER BY n");

        assertThat(rows).hasSize(strings.size());
        for (String[] row : rows) {
            int n = Integer.parseInt(row[0]);
            String s = strings.get(n);
            byte[] b = bytes.get(n % bytes.size());
            long x = n * 7919L - 5000;
            assertThat(row[6]).as("bytes the server stored for string %d", n).isEqualTo(Integer.toString(s.getBytes(StandardCharsets.UTF_8).length));
            assertThat(row[1]).as("sipHash64 of string %d [%s]", n, s.length() > 40 ? s.substring(0, 40) + "…" : s)
                    .isEqualTo(Long.toUnsignedString(ShardingHash.sipHash64(s)));
            assertThat(row[2]).as("sipHash64 of bytes %s", HexFormat.of().formatHex(b)).isEqualTo(Long.toUnsignedString(ShardingHash.sipHash64(b)));
            assertThat(row[3]).as("combine(sipHash64 of string %d, intHash64(toUInt64(%d)))", n, x)
                    .isEqualTo(Long.toUnsignedString(ShardingHash.combine(ShardingHash.sipHash64(s), ShardingHash.intHash64(x))));
            assertThat(row[4]).as("sipHash64 of two arguments: sipHash64 over the two hashes' 16 bytes")
                    .isEqualTo(Long.toUnsignedString(ShardingHash.sipHash64(littleEndian(ShardingHash.sipHash64(s), ShardingHash.sipHash64(b)))));
            assertThat(row[5]).as("sipHash64 of Int64 %d: over its 8 little-endian bytes", x)
                    .isEqualTo(Long.toUnsignedString(ShardingHash.sipHash64(littleEndian(x))));
        }
        server.query("DROP TABLE default." + table);
    }

    @Test
    void aSlotFallsInTheWeightRangesInShardOrder() {
        assertThat(ShardingHash.shard(0, 1, 1)).isZero();
        assertThat(ShardingHash.shard(1, 1, 1)).isEqualTo(1);
        assertThat(ShardingHash.shard(-1L, 1, 1)).as("UInt64 max is odd").isEqualTo(1);
        assertThat(ShardingHash.shard(-1L, 2, 1)).as("(2^64 - 1) % 3 is 0").isZero();
        assertThat(ShardingHash.shard(4, 2, 1, 3)).as("4 % 6 = 4 falls in the third shard's [3, 6)").isEqualTo(2);
        assertThat(ShardingHash.shard(2, 2, 1, 3)).isEqualTo(1);
        assertThatThrownBy(() -> ShardingHash.shard(1, 1, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight 0");
    }

    private static byte[] littleEndian(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }
}
