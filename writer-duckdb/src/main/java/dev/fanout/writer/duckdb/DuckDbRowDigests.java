package dev.fanout.writer.duckdb;

import static dev.fanout.writer.duckdb.Sql.VERSION_COLUMN;
import static dev.fanout.writer.duckdb.Sql.quote;

import dev.fanout.api.Column;
import dev.fanout.api.RowDigest;
import dev.fanout.api.Schema;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@link RowDigest}'s canonical digests as DuckDB SQL, for every DuckDB-based reader (a local file,
 * MotherDuck). A table's rows are read once: the inner query selects each column's hash
 * ({@code h0, h1, …}, 0 for a null) and the version, the outer one combines them. {@code mix64} is
 * DuckDB's own {@code hash()} of a {@code BIGINT}, {@code UBIGINT} or {@code DOUBLE}, about twenty
 * times cheaper than the same arithmetic written in SQL (which needs {@code UHUGEINT}); a reader uses
 * these queries only after {@link #PROBE_SQL} showed that this DuckDB's {@code hash()} is
 * {@link RowDigest#mix64}. Every identifier is quoted; column keys enter as integer literals.
 */
final class DuckDbRowDigests {

    /** {@code 2^64}, to reduce DuckDB's {@code HUGEINT} sum of unsigned digests. */
    private static final String TWO_TO_64 = "CAST('18446744073709551616' AS HUGEINT)";

    /** Integers whose {@code hash()} {@link #PROBE_SQL} asks for, as BIGINT then as UBIGINT. */
    private static final long[] PROBED_INTEGERS = {0, 1, -1, 0x0123456789abcdefL, Long.MIN_VALUE, 1_700_000_000_000_000L};
    /** Doubles whose {@code hash()} {@link #PROBE_SQL} asks for. */
    private static final double[] PROBED_DOUBLES = {0.1, -1.5e300, Double.POSITIVE_INFINITY, 0x1p63, -2.5};

    /** One row of {@code hash()}es of {@link #PROBED_INTEGERS} and {@link #PROBED_DOUBLES}, each as unsigned decimal text. */
    static final String PROBE_SQL = probeSql();

    private DuckDbRowDigests() {
    }

    private static String probeSql() {
        List<String> hashes = new ArrayList<>();
        for (long x : PROBED_INTEGERS) {
            hashes.add("CAST(hash(CAST(" + x + " AS BIGINT)) AS VARCHAR)");
            hashes.add("CAST(hash(CAST('" + Long.toUnsignedString(x) + "' AS UBIGINT)) AS VARCHAR)");
        }
        for (double d : PROBED_DOUBLES) {
            hashes.add("CAST(hash(CAST('" + d + "' AS DOUBLE)) AS VARCHAR)");
        }
        return "SELECT " + String.join(", ", hashes);
    }

    /** Whether {@code row}, what this DuckDB answered to {@link #PROBE_SQL}, is {@link RowDigest#mix64} of each probed value. */
    static boolean hashIsMix64(List<String> row) {
        List<String> expected = new ArrayList<>();
        for (long x : PROBED_INTEGERS) {
            expected.add(Long.toUnsignedString(RowDigest.mix64(x)));
            expected.add(Long.toUnsignedString(RowDigest.mix64(x)));
        }
        for (double d : PROBED_DOUBLES) {
            expected.add(Long.toUnsignedString(RowDigest.mix64(Double.doubleToRawLongBits(d))));
        }
        return expected.equals(row);
    }

    /** One row per bucket: bucket, rows, digest sum modulo {@code 2^64} as unsigned decimal text. */
    static String bucketsSql(String from, Schema schema, String where, int buckets) {
        return "SELECT " + bucket(schema, buckets) + " AS bucket, count(*), CAST(CAST(sum(" + rowDigest() + ") % " + TWO_TO_64
                + " AS UBIGINT) AS VARCHAR) FROM (SELECT *, " + contentDigest(schema) + " AS ct" + keyDigestColumn(schema)
                + " FROM (" + hashesSql(from, schema, where, false) + ")) GROUP BY bucket";
    }

    /** Key text, key digest (unsigned decimal text), version, content digest (unsigned decimal text) of the rows of {@code ofBuckets}, in {@link RowDigest#ORDER}. */
    static String rowsSql(String from, Schema schema, String where, int buckets, Set<Integer> ofBuckets) {
        String in = ofBuckets.stream().sorted().map(String::valueOf).collect(Collectors.joining(", "));
        return "SELECT kt, CAST(kd AS VARCHAR), v, CAST(" + contentDigest(schema) + " AS VARCHAR) FROM (SELECT *, " + keyDigest(schema)
                + " AS kd FROM (" + hashesSql(from, schema, where, true) + ")) WHERE " + bucket(schema, buckets) + " IN (" + in
                + ") ORDER BY kd, kt";
    }

    /** A row's bucket: its integer key {@code k}'s value, else its key digest {@code kd}, modulo {@code buckets}. */
    private static String bucket(Schema schema, int buckets) {
        if (RowDigest.bucketsByKeyValue(schema)) {
            return "CAST(((k % " + buckets + ") + " + buckets + ") % " + buckets + " AS INTEGER)";
        }
        return "CAST(kd % " + buckets + " AS INTEGER)";
    }

    private static String rowDigest() {
        return "hash(xor(ct, hash(xor(v, CAST(" + RowDigest.VERSION_KEY + " AS BIGINT)))))";
    }

    /** The key digest column {@code kd} where buckets are made of it. */
    private static String keyDigestColumn(Schema schema) {
        return RowDigest.bucketsByKeyValue(schema) ? "" : ", " + keyDigest(schema) + " AS kd";
    }

    private static String keyDigest(Schema schema) {
        List<String> hashes = new ArrayList<>();
        for (String k : schema.primaryKey()) {
            hashes.add("h" + schema.indexOf(k));
        }
        return "hash(" + xor(hashes) + ")";
    }

    private static String contentDigest(Schema schema) {
        List<String> hashes = new ArrayList<>();
        for (int c = 0; c < schema.width(); c++) {
            hashes.add("h" + c);
        }
        return xor(hashes);
    }

    private static String xor(List<String> terms) {
        String x = terms.get(terms.size() - 1);
        for (int i = terms.size() - 2; i >= 0; i--) {
            x = "xor(" + terms.get(i) + ", " + x + ")";
        }
        return x;
    }

    /** Each column's hash {@code h<i>}, the version {@code v}, the key text {@code kt} when asked for and, for an integer key, the key {@code k}. */
    private static String hashesSql(String from, Schema schema, String where, boolean withKeyText) {
        List<String> selected = new ArrayList<>();
        for (int c = 0; c < schema.width(); c++) {
            selected.add(columnHash(schema.column(c), schema.isKey(schema.column(c).name())) + " AS h" + c);
        }
        String key = RowDigest.bucketsByKeyValue(schema) ? ", " + quote(schema.primaryKey().get(0)) + " AS k" : "";
        return "SELECT " + String.join(", ", selected) + ", " + quote(VERSION_COLUMN) + " AS v" + (withKeyText ? ", " + keyText(schema)
                + " AS kt" : "") + key + " FROM " + from + where;
    }

    /** The key text (step 5): one variadic {@code concat}, not a chain of {@code ||} that would copy the growing text per piece. */
    private static String keyText(Schema schema) {
        StringBuilder args = new StringBuilder("concat(''");
        for (String name : schema.primaryKey()) {
            String w = taggedText(schema.column(name).orElseThrow());
            args.append(", ").append(literal(RowDigest.namePrefix(name))).append(", strlen(").append(w).append("), ':', ").append(w);
        }
        return args.append(")").toString();
    }

    /** A column's hash (step 3) as a {@code UBIGINT}: {@code hash(code ^ key)}, 0 for a null. */
    static String columnHash(Column column, boolean notNull) {
        String q = quote(column.name());
        String name = column.name();
        String hash = switch (column.type().kind()) {
            case BOOLEAN -> integerHash("CAST(" + q + " AS BIGINT)", RowDigest.columnKey(name, 'b'));
            case INT32, INT64 -> integerHash("CAST(" + q + " AS BIGINT)", RowDigest.columnKey(name, 'i'));
            case FLOAT64 -> "CASE WHEN isnan(" + q + ") THEN " + unsigned(RowDigest.mix64(RowDigest.columnKey(name, 'n'))) + " WHEN "
                    + whole(q) + " THEN " + integerHash("CAST(" + q + " AS BIGINT)", RowDigest.columnKey(name, 'i')) + " ELSE hash(xor(hash(CAST(" + q
                    + " AS DOUBLE)), " + unsigned(RowDigest.columnKey(name, 'f')) + ")) END";
            case DECIMAL -> textHash(decimalText(q), RowDigest.columnKey(name, 'd'));
            case STRING -> textHash(q, RowDigest.columnKey(name, 's'));
            case JSON -> textHash("CAST(" + q + " AS VARCHAR)", RowDigest.columnKey(name, 's'));
            case DATE -> integerHash("CAST((" + q + " - DATE '1970-01-01') AS BIGINT)", RowDigest.columnKey(name, 'D'));
            case TIMESTAMP -> integerHash("epoch_us(" + q + ")", RowDigest.columnKey(name, 't'));
            case BYTES -> textHash("lower(hex(" + q + "))", RowDigest.columnKey(name, 'x'));
        };
        return notNull ? hash : "CASE WHEN " + q + " IS NULL THEN CAST(0 AS UBIGINT) ELSE " + hash + " END";
    }

    /** Whether DOUBLE {@code q} is a whole number below {@code 2^63} in magnitude, which RowDigest counts as its integer. */
    private static String whole(String q) {
        return q + " = trunc(" + q + ") AND abs(" + q + ") < CAST('9223372036854775808' AS DOUBLE)";
    }

    private static String integerHash(String bigint, long key) {
        return "hash(xor(" + bigint + ", CAST(" + key + " AS BIGINT)))";
    }

    private static String textHash(String text, long key) {
        return "hash(xor(CAST(md5_number(" + text + ") & CAST('18446744073709551615' AS UHUGEINT) AS UBIGINT), " + unsigned(key) + "))";
    }

    private static String unsigned(long x) {
        return "CAST('" + Long.toUnsignedString(x) + "' AS UBIGINT)";
    }

    private static String decimalText(String q) {
        return "regexp_replace(regexp_replace(CAST(" + q + " AS VARCHAR), '(\\.[0-9]*[1-9])0+$', '\\1'), '\\.0+$', '')";
    }

    /** The column's tagged text by its logical type (step 5); NULL for a null. */
    static String taggedText(Column column) {
        String q = quote(column.name());
        return switch (column.type().kind()) {
            case BOOLEAN -> "CASE WHEN " + q + " THEN 'b1' WHEN NOT " + q + " THEN 'b0' END";
            case INT32, INT64 -> "'i' || CAST(" + q + " AS VARCHAR)";
            case FLOAT64 -> "CASE WHEN isnan(" + q + ") THEN 'fnan' WHEN " + whole(q) + " THEN 'i' || CAST(CAST(" + q
                    + " AS BIGINT) AS VARCHAR) ELSE 'f' || CAST(CAST(CAST(CAST(" + q + " AS DOUBLE) AS BIT) AS UBIGINT) AS VARCHAR) END";
            case DECIMAL -> "'d' || " + decimalText(q);
            case STRING -> "'s' || " + q;
            case JSON -> "'s' || CAST(" + q + " AS VARCHAR)";
            case DATE -> "'D' || CAST((" + q + " - DATE '1970-01-01') AS VARCHAR)";
            case TIMESTAMP -> "'t' || CAST(epoch_us(" + q + ") AS VARCHAR)";
            case BYTES -> "'x' || lower(hex(" + q + "))";
        };
    }

    /** {@code text} as a DuckDB string literal: in single quotes, inner quotes doubled (backslashes are plain characters). */
    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
