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
 * MotherDuck). A table's rows are read once: the inner query selects each column's tagged text
 * ({@code w0, w1, …}) and the version, the outer one builds the texts and digests them. Each text is
 * one variadic {@code concat} (which skips NULL arguments: a null column's name and separator are made
 * NULL with it, so it leaves no entry), not a chain of {@code ||}, which would copy the growing text
 * once per piece; {@code md5l} goes through {@code md5}'s hexadecimal text, about twice as fast here as
 * {@code md5_number_lower}. Every identifier is quoted; column names enter the texts as string literals.
 */
final class DuckDbRowDigests {

    /** {@code 2^64}, to reduce DuckDB's {@code HUGEINT} sum of unsigned digests. */
    private static final String TWO_TO_64 = "CAST('18446744073709551616' AS HUGEINT)";

    private DuckDbRowDigests() {
    }

    /** One row per bucket: bucket, rows, digest sum modulo {@code 2^64} as unsigned decimal text. */
    static String bucketsSql(String from, Schema schema, String where, int buckets) {
        return "SELECT " + bucket(schema, md5l(keyText(schema)), buckets) + " AS bucket, count(*), CAST(CAST(sum("
                + md5l("concat(v, ':'" + entries(schema, RowDigest.contentOrder(schema)) + ")") + ") % " + TWO_TO_64
                + " AS UBIGINT) AS VARCHAR) FROM (" + taggedSql(from, schema, where) + ") GROUP BY bucket";
    }

    /** Key text, key digest (unsigned decimal text), version, content digest (unsigned decimal text) of the rows of {@code ofBuckets}, in {@link RowDigest#ORDER}. */
    static String rowsSql(String from, Schema schema, String where, int buckets, Set<Integer> ofBuckets) {
        String in = ofBuckets.stream().sorted().map(String::valueOf).collect(Collectors.joining(", "));
        return "SELECT kt, CAST(kd AS VARCHAR), v, CAST(" + md5l("concat(''" + entries(schema, RowDigest.contentOrder(schema)) + ")")
                + " AS VARCHAR) FROM (SELECT *, " + md5l("kt") + " AS kd FROM (SELECT *, " + keyText(schema) + " AS kt FROM ("
                + taggedSql(from, schema, where) + "))) WHERE " + bucket(schema, "kd", buckets) + " IN (" + in + ") ORDER BY kd, kt";
    }

    /** A row's bucket: its integer key's value, else its key digest {@code keyDigest}, modulo {@code buckets}. */
    private static String bucket(Schema schema, String keyDigest, int buckets) {
        if (RowDigest.bucketsByKeyValue(schema)) {
            return "CAST(((k % " + buckets + ") + " + buckets + ") % " + buckets + " AS INTEGER)";
        }
        return "CAST(" + keyDigest + " % " + buckets + " AS INTEGER)";
    }

    private static String md5l(String text) {
        return "CAST('0x' || md5(" + text + ")[17:32] AS UBIGINT)";
    }

    private static String keyText(Schema schema) {
        return "concat(''" + entries(schema, schema.primaryKey()) + ")";
    }

    /** Each column's tagged text {@code w<i>}, the version {@code v} and, for an integer key, the key {@code k}. */
    private static String taggedSql(String from, Schema schema, String where) {
        List<String> tagged = new ArrayList<>();
        for (int c = 0; c < schema.width(); c++) {
            tagged.add(taggedText(schema.column(c)) + " AS w" + c);
        }
        String key = RowDigest.bucketsByKeyValue(schema) ? ", " + quote(schema.primaryKey().get(0)) + " AS k" : "";
        return "SELECT " + String.join(", ", tagged) + ", " + quote(VERSION_COLUMN) + " AS v" + key + " FROM " + from + where;
    }

    /** The entries of {@code names} as {@code concat} arguments, each preceded by a comma; none for a null. */
    private static String entries(Schema schema, List<String> names) {
        StringBuilder args = new StringBuilder();
        for (String name : names) {
            String w = "w" + schema.indexOf(name);
            String prefix = literal(RowDigest.namePrefix(name));
            if (schema.isKey(name)) {
                args.append(", ").append(prefix).append(", strlen(").append(w).append("), ':', ").append(w);
            } else {
                args.append(", CASE WHEN ").append(w).append(" IS NOT NULL THEN ").append(prefix).append(" END, strlen(").append(w)
                        .append("), CASE WHEN ").append(w).append(" IS NOT NULL THEN ':' END, ").append(w);
            }
        }
        return args.toString();
    }

    /** The column's tagged text by its logical type; NULL for a null. */
    static String taggedText(Column column) {
        String q = quote(column.name());
        return switch (column.type().kind()) {
            case BOOLEAN -> "CASE WHEN " + q + " THEN 'b1' WHEN NOT " + q + " THEN 'b0' END";
            case INT32, INT64 -> "'i' || CAST(" + q + " AS VARCHAR)";
            case FLOAT64 -> "CASE WHEN isnan(" + q + ") THEN 'fnan' WHEN " + q + " = trunc(" + q + ") AND abs(" + q
                    + ") < CAST('9223372036854775808' AS DOUBLE) THEN 'i' || CAST(CAST(" + q + " AS BIGINT) AS VARCHAR) ELSE 'f' || CAST(CAST(CAST(CAST("
                    + q + " AS DOUBLE) AS BIT) AS UBIGINT) AS VARCHAR) END";
            case DECIMAL -> "'d' || regexp_replace(regexp_replace(CAST(" + q + " AS VARCHAR), '(\\.[0-9]*[1-9])0+$', '\\1'), '\\.0+$', '')";
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
