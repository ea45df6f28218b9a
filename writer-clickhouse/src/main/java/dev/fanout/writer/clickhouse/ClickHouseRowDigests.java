package dev.fanout.writer.clickhouse;

import static dev.fanout.writer.clickhouse.ClickHouseSql.VERSION_COLUMN;
import static dev.fanout.writer.clickhouse.ClickHouseSql.literal;
import static dev.fanout.writer.clickhouse.ClickHouseSql.quote;

import dev.fanout.api.Column;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowDigest;
import dev.fanout.api.Schema;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@link RowDigest}'s canonical digests as ClickHouse SQL. The inner query reads the table: each
 * column's hash ({@code _fanout_h0, _fanout_h1, …}, computed over {@code assumeNotNull} of a nullable
 * column and made 0 for its nulls: ClickHouse evaluates every branch of a conditional), the version
 * and, where needed, the key text; the next combines them, the outer one groups. {@code mix64} is
 * written with ClickHouse's wrapping {@code UInt64} arithmetic; each of its steps is an alias, so the
 * value it mixes is computed once. Aliases start with {@code _fanout_}: ClickHouse resolves an alias
 * anywhere in its query, before a column of the same name, so a table with a column whose name
 * starts so is not digested ({@link #unsupported}). Identifiers are quoted, column keys and names
 * enter as literals.
 */
final class ClickHouseRowDigests {

    /** How every alias of these queries starts. */
    static final String ALIAS_PREFIX = "_fanout_";

    /** Rows a sample for {@link #sampleSql} reads at most. */
    static final int SAMPLE_ROWS = 65_536;

    private ClickHouseRowDigests() {
    }

    /**
     * Why a column's canonical text cannot be computed exactly on a server of {@code version}, or null
     * when it can: 18.16's {@code toString} of a {@code Decimal128} prints garbage once the integer
     * part passes {@code 2^64} (so a decimal with 20 or more integer digits is not digested on servers
     * before 21.1, the first this code trusts), and {@code toUnixTimestamp64Micro} arrived in 20.5.
     * A column named with the prefix of this class's aliases, {@code _fanout_}, would be shadowed by them.
     */
    static String unsupported(String name, ClickHouseColumnType stored, LogicalType logical, ClickHouseServerVersion version) {
        if (name.startsWith(ALIAS_PREFIX)) {
            return "a column named " + name + ", which starts with " + ALIAS_PREFIX + " as the digest query's own names do";
        }
        if (logical.kind() == LogicalType.Kind.DECIMAL && stored.precision() - stored.scale() >= 20 && !version.isAtLeast(21, 1)) {
            return "a " + stored.text() + " column on ClickHouse " + version.text();
        }
        if (stored.physical() == ClickHouseColumnType.Physical.DATETIME64 && !version.isAtLeast(20, 5)) {
            return "a DateTime64 column on ClickHouse " + version.text();
        }
        return null;
    }

    /**
     * The rows of the first {@link #SAMPLE_ROWS} of {@code from} and the distinct values of each of
     * its string and JSON columns (in schema order) among them; empty text when the table has no such column.
     */
    static String sampleSql(String from, Schema schema, String where) {
        List<String> texts = new ArrayList<>();
        for (Column c : schema.columns()) {
            if (isText(c)) {
                texts.add(quote(c.name()));
            }
        }
        if (texts.isEmpty()) {
            return "";
        }
        return "SELECT count(), " + texts.stream().map(t -> "uniq(" + t + ")").collect(Collectors.joining(", ")) + " FROM (SELECT "
                + String.join(", ", texts) + " FROM " + from + where + " LIMIT " + SAMPLE_ROWS + ")";
    }

    /**
     * The string and JSON columns whose MD5 is cheaper per distinct value, from {@link #sampleSql}'s
     * answer {@code sample}: those with at most one distinct value in eight sampled rows, of a sample
     * of at least 1,000 rows. ClickHouse hashes such a column through {@code toLowCardinality}, which
     * makes a dictionary of its values and computes a function once per entry (MD5 of 2M rows of a
     * ten-symbol column: 0.14 s → 0.03 s on 18.16), as DuckDB does by itself for a dictionary-compressed
     * column; for distinct values the dictionary costs more than it saves (0.14 s → 0.32 s), hence the
     * sample. Digests are the same either way; only their cost differs.
     */
    static Set<String> hashedPerDistinctValue(Schema schema, String[] sample) {
        Set<String> chosen = new HashSet<>();
        long rows = Long.parseLong(sample[0]);
        int i = 1;
        for (Column c : schema.columns()) {
            if (isText(c)) {
                if (rows >= 1_000 && Long.parseLong(sample[i]) * 8 <= rows) {
                    chosen.add(c.name());
                }
                i++;
            }
        }
        return chosen;
    }

    private static boolean isText(Column c) {
        return c.type().kind() == LogicalType.Kind.STRING || c.type().kind() == LogicalType.Kind.JSON;
    }

    /**
     * One row per bucket: bucket, rows, digest sum modulo {@code 2^64}; the columns
     * {@code perDistinctValue} names are hashed once per distinct value ({@link #hashedPerDistinctValue}).
     */
    static String bucketsSql(String from, Schema schema, ClickHouseColumnType[] types, String where, int buckets,
                             Set<String> perDistinctValue) {
        String keyed = RowDigest.bucketsByKeyValue(schema) ? "" : keyDigest(schema) + " AS _fanout_kd, ";
        return "SELECT " + bucket(schema, buckets) + " AS _fanout_bucket, count(), sum(_fanout_rd) FROM (SELECT " + keyed + "_fanout_k, "
                + mix64("bitXor(" + contentDigest(schema) + ", " + mix64("bitXor(toUInt64(_fanout_v), " + unsigned(RowDigest.VERSION_KEY) + ")",
                "_fanout_vm") + ")", "_fanout_rm") + " AS _fanout_rd FROM (" + hashesSql(from, schema, types, where, false,
                perDistinctValue) + ")) GROUP BY _fanout_bucket";
    }

    /** Key text, key digest, version and content digest of the rows of {@code ofBuckets}, in {@link RowDigest#ORDER}. */
    static String rowsSql(String from, Schema schema, ClickHouseColumnType[] types, String where, int buckets, Set<Integer> ofBuckets) {
        String in = ofBuckets.stream().sorted().map(String::valueOf).collect(Collectors.joining(", "));
        return "SELECT _fanout_kt, _fanout_kd, _fanout_v, _fanout_ct FROM (SELECT _fanout_kt, " + keyDigest(schema) + " AS _fanout_kd, "
                + "_fanout_v, " + contentDigest(schema) + " AS _fanout_ct, _fanout_k FROM (" + hashesSql(from, schema, types, where, true,
                Set.of()) + ")) WHERE " + bucket(schema, buckets) + " IN (" + in + ") ORDER BY _fanout_kd, _fanout_kt";
    }

    /** A row's bucket: its integer key {@code _fanout_k}'s value, else its key digest {@code _fanout_kd}, modulo {@code buckets}. */
    private static String bucket(Schema schema, int buckets) {
        if (RowDigest.bucketsByKeyValue(schema)) {
            return "toInt32(((_fanout_k % " + buckets + ") + " + buckets + ") % " + buckets + ")";
        }
        return "toInt32(_fanout_kd % " + buckets + ")";
    }

    private static String keyDigest(Schema schema) {
        List<String> hashes = new ArrayList<>();
        for (String k : schema.primaryKey()) {
            hashes.add("_fanout_h" + schema.indexOf(k));
        }
        return mix64(xor(hashes), "_fanout_km");
    }

    private static String contentDigest(Schema schema) {
        List<String> hashes = new ArrayList<>();
        for (int c = 0; c < schema.width(); c++) {
            hashes.add("_fanout_h" + c);
        }
        return xor(hashes);
    }

    private static String xor(List<String> terms) {
        String x = terms.get(terms.size() - 1);
        for (int i = terms.size() - 2; i >= 0; i--) {
            x = "bitXor(" + terms.get(i) + ", " + x + ")";
        }
        return x;
    }

    /**
     * {@link RowDigest#mix64} of UInt64 {@code x}: each step named {@code alias_0 … alias_4}, so that
     * {@code x} and every step is computed once though each is read twice.
     */
    static String mix64(String x, String alias) {
        String m = unsigned(RowDigest.MIX);
        String s1 = "(bitXor((" + x + " AS " + alias + "_0), bitShiftRight(" + alias + "_0, 32)) AS " + alias + "_1)";
        String s2 = "(bitXor((multiply(" + s1 + ", " + m + ") AS " + alias + "_2), bitShiftRight(" + alias + "_2, 32)) AS " + alias + "_3)";
        return "bitXor((multiply(" + s2 + ", " + m + ") AS " + alias + "_4), bitShiftRight(" + alias + "_4, 32))";
    }

    private static String unsigned(long x) {
        return "toUInt64('" + Long.toUnsignedString(x) + "')";
    }

    /** Each column's hash {@code _fanout_h<i>}, the version {@code _fanout_v}, the integer key {@code _fanout_k} (else 0) and, when asked for, the key text {@code _fanout_kt}. */
    private static String hashesSql(String from, Schema schema, ClickHouseColumnType[] types, String where, boolean withKeyText,
                                    Set<String> perDistinctValue) {
        List<String> selected = new ArrayList<>();
        for (int c = 0; c < schema.width(); c++) {
            Column column = schema.column(c);
            String q = quote(column.name());
            String alias = "_fanout_h" + c;
            String x = types[c].nullable() ? "assumeNotNull(" + q + ")" : q;
            String hash = columnHash(column, types[c], perDistinctValue.contains(column.name()) ? "toLowCardinality(" + x + ")" : x, alias);
            selected.add((types[c].nullable() ? "if(isNull(" + q + "), toUInt64(0), " + hash + ")" : hash) + " AS " + alias);
        }
        if (withKeyText) {
            List<String> key = new ArrayList<>();
            for (String k : schema.primaryKey()) {
                int c = schema.indexOf(k);
                String w = "(" + taggedText(schema.column(c).type(), types[c], quote(k)) + " AS _fanout_w" + c + ")";
                key.add("concat(" + literal(RowDigest.namePrefix(k)) + ", toString(length(" + w + ")), ':', _fanout_w" + c + ")");
            }
            selected.add((key.size() == 1 ? key.get(0) : "concat(" + String.join(", ", key) + ")") + " AS _fanout_kt");
        }
        String k = RowDigest.bucketsByKeyValue(schema) ? "toInt64(" + quote(schema.primaryKey().get(0)) + ")" : "0";
        return "SELECT " + String.join(", ", selected) + ", " + quote(VERSION_COLUMN) + " AS _fanout_v, " + k + " AS _fanout_k FROM " + from
                + where;
    }

    /** The hash (step 3) of non-null {@code x}, a column stored as {@code stored}; {@code alias} names its steps. */
    private static String columnHash(Column column, ClickHouseColumnType stored, String x, String alias) {
        String name = column.name();
        return switch (column.type().kind()) {
            case BOOLEAN -> keyed("toUInt64(" + x + ")", name, 'b', alias);
            case INT32, INT64 -> keyed("toUInt64(" + x + ")", name, 'i', alias);
            case FLOAT64 -> {
                // one mix64 of code ^ key, both chosen by the branch (every branch is evaluated, so the keys are chosen, not the hashes)
                String whole = whole(x);
                String code = "multiIf(isNaN(" + x + "), toUInt64(0), " + whole + ", toUInt64(toInt64(if(" + whole + ", " + x + ", 0.))), "
                        + mix64("reinterpretAsUInt64(reinterpretAsString(" + x + "))", alias + "b") + ")";
                String key = "multiIf(isNaN(" + x + "), " + unsigned(RowDigest.columnKey(name, 'n')) + ", " + whole + ", "
                        + unsigned(RowDigest.columnKey(name, 'i')) + ", " + unsigned(RowDigest.columnKey(name, 'f')) + ")";
                yield mix64("bitXor(" + code + ", " + key + ")", alias);
            }
            case DECIMAL -> keyed(md5l(decimalText(x)), name, 'd', alias);
            case STRING, JSON -> keyed(md5l(x), name, 's', alias);
            case BYTES -> keyed(md5l("lower(hex(" + x + "))"), name, 'x', alias);
            case DATE -> keyed("toUInt64(" + days(stored, x) + ")", name, 'D', alias);
            case TIMESTAMP -> keyed("toUInt64(" + micros(stored, x) + ")", name, 't', alias);
        };
    }

    /** Whether float64 {@code x} is a whole number below {@code 2^63} in magnitude, which RowDigest counts as its integer. */
    private static String whole(String x) {
        return x + " = floor(" + x + ") AND abs(" + x + ") < 9223372036854775808.";
    }

    private static String keyed(String code, String name, char tag, String alias) {
        return mix64("bitXor(" + code + ", " + unsigned(RowDigest.columnKey(name, tag)) + ")", alias);
    }

    private static String md5l(String text) {
        return "reinterpretAsUInt64(MD5(" + text + "))";
    }

    private static String decimalText(String x) {
        return "replaceRegexpOne(replaceRegexpOne(toString(" + x + "), " + literal("(\\.[0-9]*[1-9])0+$") + ", " + literal("\\1") + "), "
                + literal("\\.0+$") + ", '')";
    }

    private static String days(ClickHouseColumnType stored, String x) {
        return stored.physical() == ClickHouseColumnType.Physical.INT32 ? x : "toInt32(" + x + ")";
    }

    private static String micros(ClickHouseColumnType stored, String x) {
        return stored.physical() == ClickHouseColumnType.Physical.DATETIME64 ? "toUnixTimestamp64Micro(" + x + ")" : x;
    }

    /** The tagged text (step 5) of non-null {@code x}, a column of {@code logical} type stored as {@code stored}. */
    static String taggedText(LogicalType logical, ClickHouseColumnType stored, String x) {
        return switch (logical.kind()) {
            case BOOLEAN -> "if(toUInt8(" + x + ") = 1, 'b1', 'b0')";
            case INT32, INT64 -> "concat('i', toString(" + x + "))";
            case FLOAT64 -> "multiIf(isNaN(" + x + "), 'fnan', " + whole(x) + ", concat('i', toString(toInt64(if(" + whole(x) + ", " + x
                    + ", 0.)))), concat('f', toString(reinterpretAsUInt64(reinterpretAsString("
                    + x + ")))))";
            case DECIMAL -> "concat('d', " + decimalText(x) + ")";
            case STRING, JSON -> "concat('s', " + x + ")";
            case BYTES -> "concat('x', lower(hex(" + x + ")))";
            case DATE -> "concat('D', toString(" + days(stored, x) + "))";
            case TIMESTAMP -> "concat('t', toString(" + micros(stored, x) + "))";
        };
    }
}
