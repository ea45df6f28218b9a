package dev.fanout.writer.clickhouse;

import static dev.fanout.writer.clickhouse.ClickHouseSql.quote;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.ShardLayout;
import dev.fanout.api.WriteException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which shard of a ClickHouse cluster each row belongs to: the choice the cluster's
 * {@code Distributed} tables make, computed in Java, so rows fanout writes straight into a shard's
 * local table sit where rows inserted by anyone through the {@code Distributed} table would.
 *
 * <p><b>The sharding expression</b> fanout puts into every {@code Distributed} table it creates
 * ({@link #expression}), by the table's primary key:
 * <ul>
 *   <li>one integer-like key column (int32, int64, boolean; on 18.16 also date and timestamp, stored
 *       as Int32 days and Int64 microseconds): {@code intHash64(key)};</li>
 *   <li>one string, json or bytes key column: {@code sipHash64(key)};</li>
 *   <li>several key columns: each column's hash as above ({@code h1}, {@code h2}, …), combined from
 *       the right with {@link ShardingHash#combine}: {@code intHash64(bitXor(h1, intHash64(h2)))} for
 *       two, {@code intHash64(bitXor(h1, intHash64(intHash64(bitXor(h2, intHash64(h3))))))} for three.
 *       Made of one-argument {@code intHash64} and {@code sipHash64} alone, whose results do not
 *       depend on the integer column's width (Int32 and Int64 hash alike, so a widened key column
 *       keeps its rows' shards) and have not changed in later ClickHouse versions, unlike
 *       {@code sipHash64(a, b)} of several arguments.</li>
 * </ul>
 * Float and decimal keys, and date or timestamp keys on servers that store them as Date32 or
 * DateTime64, are refused: fanout would not reproduce those hashes exactly.
 *
 * <p><b>The shard</b>: as ClickHouse 18.16's {@code Distributed} does, the expression's value as an
 * unsigned 64-bit number modulo the sum of the shards' weights picks a slot, and the slots are given
 * out to the shards in {@code shard_num} order, each shard as many as its weight
 * ({@link ShardingHash} reproduces the hash functions). Immutable and thread-safe.
 */
final class ClusterSharding implements ShardLayout.Sharding {

    /** Shard index (0-based, in {@code shard_num} order) of each slot. */
    private final int[] slots;
    private final ClickHouseServerVersion version;

    /**
     * @param weights the shards' weights in {@code shard_num} order; a weight of 0 gives a shard no
     *                row, as in ClickHouse
     */
    ClusterSharding(List<Integer> weights, ClickHouseServerVersion version) {
        this.version = Objects.requireNonNull(version, "version is null");
        List<Integer> s = new ArrayList<>();
        for (int shard = 0; shard < weights.size(); shard++) {
            if (weights.get(shard) < 0) {
                throw new IllegalArgumentException("shard " + (shard + 1) + " has the negative weight " + weights.get(shard));
            }
            for (int w = 0; w < weights.get(shard); w++) {
                s.add(shard);
            }
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("every shard has the weight 0, so no shard takes rows");
        }
        this.slots = s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The shard index of a sharding-expression value, as the Distributed table picks it. */
    int shardOfHash(long hash) {
        return slots[(int) Long.remainderUnsigned(hash, slots.length)];
    }

    @Override
    public int[] shardsOf(FramePacket packet) {
        Schema schema = packet.schema();
        int[] key = schema.keyIndexes();
        Kind[] kinds = new Kind[key.length];
        for (int k = 0; k < key.length; k++) {
            Column c = schema.column(key[k]);
            String refusal = refusal(c.type(), version);
            if (refusal != null) {
                throw new IllegalArgumentException(refusalMessage(packet.table(), c, refusal));
            }
            kinds[k] = kind(c.type());
        }
        int[] shards = new int[packet.rowCount()];
        for (int row = 0; row < shards.length; row++) {
            long hash = 0;
            for (int k = key.length - 1; k >= 0; k--) {
                Object value = packet.value(row, key[k]);
                long h = kinds[k] == Kind.INTEGER ? ShardingHash.intHash64(integer(packet, row, schema.column(key[k]), value))
                        : ShardingHash.sipHash64(bytes(value));
                hash = k == key.length - 1 ? h : ShardingHash.combine(h, hash);
            }
            shards[row] = shardOfHash(hash);
        }
        return shards;
    }

    /**
     * The sharding expression of {@code table}'s {@code Distributed} table, as the class comment says.
     *
     * @throws WriteException (permanent) naming table and column when a key column's type cannot be sharded by
     */
    static String expression(String destination, String table, Schema schema, ClickHouseServerVersion version) throws WriteException {
        List<String> keys = schema.primaryKey();
        String expression = null;
        for (int k = keys.size() - 1; k >= 0; k--) {
            Column c = schema.column(keys.get(k)).orElseThrow();
            String refusal = refusal(c.type(), version);
            if (refusal != null) {
                throw WriteException.permanent(table, c.name(), "destination " + destination + ": " + refusalMessage(table, c, refusal));
            }
            String hash = (kind(c.type()) == Kind.INTEGER ? "intHash64(" : "sipHash64(") + quote(c.name()) + ")";
            expression = expression == null ? hash : "intHash64(bitXor(" + hash + ", intHash64(" + expression + ")))";
        }
        return expression;
    }

    private static String refusalMessage(String table, Column c, String refusal) {
        return "table " + table + ", key column " + c.name() + " is " + c.type() + ": " + refusal
                + " — shard by a key of int32, int64, boolean, string, json or bytes columns, or write the table to a single server";
    }

    /** Why rows cannot be sharded by a key column of {@code type}, or null when they can. */
    private static String refusal(LogicalType type, ClickHouseServerVersion version) {
        return switch (type.kind()) {
            case FLOAT64, DECIMAL -> "fanout does not shard a ClickHouse cluster by " + type.kind().name().toLowerCase(java.util.Locale.ROOT)
                    + " keys, as it cannot reproduce the Distributed table's hash of them exactly";
            case DATE -> version.hasDate32() ? "this server stores dates as Date32, whose hash fanout does not reproduce" : null;
            case TIMESTAMP -> version.hasDateTime64() ? "this server stores timestamps as DateTime64, whose hash fanout does not reproduce" : null;
            default -> null;
        };
    }

    private enum Kind { INTEGER, BYTES }

    private static Kind kind(LogicalType type) {
        return switch (type.kind()) {
            case STRING, JSON, BYTES -> Kind.BYTES;
            default -> Kind.INTEGER;
        };
    }

    /** An integer-like key value as the server stores it: booleans 0 or 1, dates as days, timestamps as microseconds. */
    private static long integer(FramePacket packet, int row, Column column, Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        if (value instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (value instanceof LocalDate d) {
            return d.toEpochDay();
        }
        if (value instanceof Instant t) {
            try {
                return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("table " + packet.table() + ", key column " + column.name() + ", row " + row + ": " + t
                        + " is outside the range of microseconds since the epoch in 64 bits, so it has no shard");
            }
        }
        throw new IllegalArgumentException("table " + packet.table() + ", key column " + column.name() + ", row " + row + " holds "
                + (value == null ? "null" : "a " + value.getClass().getSimpleName()) + " where " + column.type() + " is expected");
    }

    private static byte[] bytes(Object value) {
        return value instanceof byte[] b ? b : value.toString().getBytes(StandardCharsets.UTF_8);
    }
}
