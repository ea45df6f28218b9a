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
 * MotherDuck). A table's rows are read once: the innermost query selects each column's tagged text
 * ({@code w0, w1, …}) and the version, the next builds the key and content texts from them, the
 * outer one digests and groups. Every identifier is quoted; column names enter the texts as string
 * literals.
 */
final class DuckDbRowDigests {

    /** {@code 2^64}, to reduce DuckDB's {@code HUGEINT} sum of unsigned digests. */
    private static final String TWO_TO_64 = "CAST('18446744073709551616' AS HUGEINT)";

    private DuckDbRowDigests() {
    }

    /** One row per bucket: bucket, rows, digest sum modulo {@code 2^64} as unsigned decimal text. */
    static String bucketsSql(String from, Schema schema, String where, int buckets) {
        return "SELECT CAST(kd % " + buckets + " AS INTEGER) AS bucket, count(*), CAST(CAST(sum(rd) % " + TWO_TO_64
                + " AS UBIGINT) AS VARCHAR) FROM (SELECT md5_number_lower(kt) AS kd, md5_number_lower(CAST(v AS VARCHAR) || ':' || ct)"
                + " AS rd FROM (" + textsSql(from, schema, where) + ")) GROUP BY bucket";
    }

    /** Key text, key digest (unsigned decimal text), version, content digest (unsigned decimal text) of the rows of {@code ofBuckets}, in {@link RowDigest#ORDER}. */
    static String rowsSql(String from, Schema schema, String where, int buckets, Set<Integer> ofBuckets) {
        String in = ofBuckets.stream().sorted().map(String::valueOf).collect(Collectors.joining(", "));
        return "SELECT kt, CAST(kd AS VARCHAR), v, CAST(md5_number_lower(ct) AS VARCHAR) FROM (SELECT kt, md5_number_lower(kt) AS kd, v, ct FROM ("
                + textsSql(from, schema, where) + ")) WHERE kd % " + buckets + " IN (" + in + ") ORDER BY kd, kt";
    }

    /** {@code kt} (key text), {@code ct} (content text) and {@code v} (version) of each row. */
    private static String textsSql(String from, Schema schema, String where) {
        List<String> tagged = new ArrayList<>();
        for (int c = 0; c < schema.width(); c++) {
            Column column = schema.column(c);
            tagged.add(taggedText(column) + " AS w" + c);
        }
        List<String> key = new ArrayList<>();
        for (String k : schema.primaryKey()) {
            key.add(entry(schema, k));
        }
        List<String> content = new ArrayList<>();
        for (String name : RowDigest.contentOrder(schema)) {
            content.add(entry(schema, name));
        }
        return "SELECT " + concat(key) + " AS kt, " + concat(content) + " AS ct, v FROM (SELECT " + String.join(", ", tagged) + ", "
                + quote(VERSION_COLUMN) + " AS v FROM " + from + where + ")";
    }

    private static String concat(List<String> parts) {
        return parts.isEmpty() ? "''" : "(" + String.join(" || ", parts) + ")";
    }

    /** A column's entry over its tagged text; '' for a null. */
    private static String entry(Schema schema, String name) {
        int c = schema.indexOf(name);
        String w = "w" + c;
        String entry = literal(RowDigest.namePrefix(name)) + " || CAST(strlen(" + w + ") AS VARCHAR) || ':' || " + w;
        return schema.column(c).nullable() || !schema.isKey(name) ? "coalesce(" + entry + ", '')" : entry;
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
