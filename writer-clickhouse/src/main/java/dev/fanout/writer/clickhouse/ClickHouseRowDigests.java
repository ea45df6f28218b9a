package dev.fanout.writer.clickhouse;

import static dev.fanout.writer.clickhouse.ClickHouseSql.VERSION_COLUMN;
import static dev.fanout.writer.clickhouse.ClickHouseSql.literal;
import static dev.fanout.writer.clickhouse.ClickHouseSql.quote;

import dev.fanout.api.Column;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowDigest;
import dev.fanout.api.Schema;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@link RowDigest}'s canonical digests as ClickHouse SQL. The innermost query selects each column's
 * tagged text ({@code w0, w1, …}, computed over {@code assumeNotNull} of a nullable column, whose
 * nulls are flagged apart as {@code n0, n1, …}: ClickHouse evaluates every branch of a conditional)
 * and the version, the next builds the key and content texts, the outer one digests and groups.
 * Identifiers are quoted, column names enter the texts as literals.
 */
final class ClickHouseRowDigests {

    private ClickHouseRowDigests() {
    }

    /**
     * Why a column's canonical text cannot be computed exactly on a server of {@code version}, or null
     * when it can: 18.16's {@code toString} of a {@code Decimal128} prints garbage once the integer
     * part passes {@code 2^64} (so a decimal with 20 or more integer digits is not digested on servers
     * before 21.1, the first this code trusts), and {@code toUnixTimestamp64Micro} arrived in 20.5.
     */
    static String unsupported(ClickHouseColumnType stored, LogicalType logical, ClickHouseServerVersion version) {
        if (logical.kind() == LogicalType.Kind.DECIMAL && stored.precision() - stored.scale() >= 20 && !version.isAtLeast(21, 1)) {
            return "a " + stored.text() + " column on ClickHouse " + version.text();
        }
        if (stored.physical() == ClickHouseColumnType.Physical.DATETIME64 && !version.isAtLeast(20, 5)) {
            return "a DateTime64 column on ClickHouse " + version.text();
        }
        return null;
    }

    /** One row per bucket: bucket, rows, digest sum modulo {@code 2^64}. */
    static String bucketsSql(String from, Schema schema, ClickHouseColumnType[] types, String where, int buckets) {
        String keyed = RowDigest.bucketsByKeyValue(schema) ? "" : md5l("kt") + " AS kd, ";
        return "SELECT " + bucket(schema, buckets) + " AS bucket, count(), sum(rd) FROM (SELECT " + keyed + "k, "
                + md5l("concat(toString(v), ':', ct)") + " AS rd FROM (" + textsSql(from, schema, types, where) + ")) GROUP BY bucket";
    }

    /** Key text, key digest, version and content digest of the rows of {@code ofBuckets}, in {@link RowDigest#ORDER}. */
    static String rowsSql(String from, Schema schema, ClickHouseColumnType[] types, String where, int buckets, Set<Integer> ofBuckets) {
        String in = ofBuckets.stream().sorted().map(String::valueOf).collect(Collectors.joining(", "));
        return "SELECT kt, kd, v, " + md5l("ct") + " FROM (SELECT kt, " + md5l("kt") + " AS kd, v, ct, k FROM ("
                + textsSql(from, schema, types, where) + ")) WHERE " + bucket(schema, buckets) + " IN (" + in + ") ORDER BY kd, kt";
    }

    /** A row's bucket: its integer key {@code k}'s value, else its key digest {@code kd}, modulo {@code buckets}. */
    private static String bucket(Schema schema, int buckets) {
        if (RowDigest.bucketsByKeyValue(schema)) {
            return "toInt32(((k % " + buckets + ") + " + buckets + ") % " + buckets + ")";
        }
        return "toInt32(kd % " + buckets + ")";
    }

    private static String md5l(String text) {
        return "reinterpretAsUInt64(reverse(substring(MD5(" + text + "), 9, 8)))";
    }

    private static String textsSql(String from, Schema schema, ClickHouseColumnType[] types, String where) {
        List<String> selected = new ArrayList<>();
        for (int c = 0; c < schema.width(); c++) {
            Column column = schema.column(c);
            String q = quote(column.name());
            if (types[c].nullable()) {
                selected.add(taggedText(column.type(), types[c], "assumeNotNull(" + q + ")") + " AS w" + c);
                selected.add("isNull(" + q + ") AS n" + c);
            } else {
                selected.add(taggedText(column.type(), types[c], q) + " AS w" + c);
            }
        }
        List<String> key = new ArrayList<>();
        for (String k : schema.primaryKey()) {
            key.add(entry(schema, types, k));
        }
        List<String> content = new ArrayList<>();
        for (String name : RowDigest.contentOrder(schema)) {
            content.add(entry(schema, types, name));
        }
        String k = RowDigest.bucketsByKeyValue(schema) ? "toInt64(" + quote(schema.primaryKey().get(0)) + ")" : "0";
        return "SELECT " + concat(key) + " AS kt, " + concat(content) + " AS ct, v, k FROM (SELECT " + String.join(", ", selected) + ", "
                + quote(VERSION_COLUMN) + " AS v, " + k + " AS k FROM " + from + where + ")";
    }

    private static String concat(List<String> parts) {
        return switch (parts.size()) {
            case 0 -> "''";
            case 1 -> parts.get(0);
            default -> "concat(" + String.join(", ", parts) + ")";
        };
    }

    private static String entry(Schema schema, ClickHouseColumnType[] types, String name) {
        int c = schema.indexOf(name);
        String w = "w" + c;
        String entry = "concat(" + literal(RowDigest.namePrefix(name)) + ", toString(length(" + w + ")), ':', " + w + ")";
        return types[c].nullable() ? "if(n" + c + ", '', " + entry + ")" : entry;
    }

    /** The tagged text of non-null {@code x}, a column of {@code logical} type stored as {@code stored}. */
    static String taggedText(LogicalType logical, ClickHouseColumnType stored, String x) {
        return switch (logical.kind()) {
            case BOOLEAN -> "if(toUInt8(" + x + ") = 1, 'b1', 'b0')";
            case INT32, INT64 -> "concat('i', toString(" + x + "))";
            case FLOAT64 -> "multiIf(isNaN(" + x + "), 'fnan', " + x + " = floor(" + x + ") AND abs(" + x
                    + ") < 9223372036854775808., concat('i', toString(toInt64(" + x + "))), concat('f', toString(reinterpretAsUInt64(reinterpretAsString("
                    + x + ")))))";
            case DECIMAL -> "concat('d', replaceRegexpOne(replaceRegexpOne(toString(" + x + "), " + literal("(\\.[0-9]*[1-9])0+$") + ", "
                    + literal("\\1") + "), " + literal("\\.0+$") + ", ''))";
            case STRING, JSON -> "concat('s', " + x + ")";
            case BYTES -> "concat('x', lower(hex(" + x + ")))";
            case DATE -> stored.physical() == ClickHouseColumnType.Physical.INT32
                    ? "concat('D', toString(" + x + "))"
                    : "concat('D', toString(toInt32(" + x + ")))";
            case TIMESTAMP -> stored.physical() == ClickHouseColumnType.Physical.DATETIME64
                    ? "concat('t', toString(toUnixTimestamp64Micro(" + x + ")))"
                    : "concat('t', toString(" + x + "))";
        };
    }
}
