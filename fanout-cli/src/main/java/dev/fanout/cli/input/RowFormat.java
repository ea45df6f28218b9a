package dev.fanout.cli.input;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * The row file formats {@code fanout ingest} reads, each through DuckDB's own reader. CSV ({@code .csv},
 * {@code .txt}) and TSV ({@code .tsv}) are read with a fixed dialect — the delimiter by extension,
 * {@code "} as quote and as its own escape, a header line, no comment lines, no skipped lines — and in
 * DuckDB's strict mode, so the sniffer guesses nothing but the column types, and those from the whole
 * file ({@code sample_size=-1}), never from a sample that later lines contradict.
 */
enum RowFormat {
    CSV(","),
    TSV("\\t"),
    PARQUET(null),
    NDJSON(null);

    /** The delimiter as a DuckDB string literal's body ({@code \t} within an {@code E'…'} literal). */
    private final String delimiter;

    RowFormat(String delimiter) {
        this.delimiter = delimiter;
    }

    boolean delimited() {
        return delimiter != null;
    }

    /** The delimiter character itself. */
    char delimiterChar() {
        return this == TSV ? '\t' : ',';
    }

    /** The DuckDB table-function call that scans a Parquet or NDJSON {@code file}, the path safely quoted. */
    String scan(Path file) {
        String literal = literal(file);
        return switch (this) {
            case CSV, TSV -> throw new IllegalStateException("a delimited file is scanned as described: typedScan");
            case PARQUET -> "read_parquet(" + literal + ")";
            case NDJSON -> "read_json_auto(" + literal + ", format = 'newline_delimited')";
        };
    }

    /**
     * DuckDB's sniffer over the whole of a delimited file, the dialect fixed: a row per file with
     * its {@code Columns} (name and type each) and the {@code DateFormat} and {@code TimestampFormat}
     * it found.
     */
    String sniff(Path file) {
        return "sniff_csv(" + literal(file) + ", " + dialect() + ", header = true, sample_size = -1)";
    }

    /** A scan of a delimited file with the dialect, column types and formats given: nothing is detected. */
    String typedScan(Path file, List<String> names, List<String> types, String dateFormat, String timestampFormat) {
        StringJoiner columns = new StringJoiner(", ", "{", "}");
        for (int i = 0; i < names.size(); i++) {
            columns.add(stringLiteral(names.get(i)) + ": " + stringLiteral(types.get(i)));
        }
        return "read_csv(" + literal(file) + ", " + dialect() + ", header = true, auto_detect = false, columns = " + columns
                + (dateFormat == null || dateFormat.isEmpty() ? "" : ", dateformat = " + stringLiteral(dateFormat))
                + (timestampFormat == null || timestampFormat.isEmpty() ? "" : ", timestampformat = " + stringLiteral(timestampFormat)) + ")";
    }

    /**
     * A scan of a delimited file's lines after the header, every field as text under the names
     * given, nothing detected: it fails on the first malformed line, naming it, where a sniffer that
     * meets the same line gives up without saying where.
     */
    String strictTextScan(Path file, List<String> names) {
        StringJoiner columns = new StringJoiner(", ", "{", "}");
        names.forEach(n -> columns.add(stringLiteral(n) + ": 'VARCHAR'"));
        return "read_csv(" + literal(file) + ", " + dialect() + ", header = true, auto_detect = false, columns = " + columns + ")";
    }

    /**
     * A scan of a delimited file's first physical line as one text value, or no row for an empty
     * file: the header, before anything about the rest of the file is known.
     */
    String firstLineScan(Path file) {
        return "(SELECT line FROM read_csv(" + literal(file) + ", delim = E'\\x01', quote = '', escape = '', header = false, "
                + "auto_detect = false, strict_mode = false, comment = '', skip = 0, columns = {'line': 'VARCHAR'}) LIMIT 1)";
    }

    private String dialect() {
        return "delim = E'" + delimiter + "', quote = '\"', escape = '\"', comment = '', skip = 0, strict_mode = true, "
                + "null_padding = false, ignore_errors = false";
    }

    private static String literal(Path file) {
        return stringLiteral(file.toAbsolutePath().toString());
    }

    private static String stringLiteral(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    static RowFormat of(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz") || name.endsWith(".zst")) {
            name = name.substring(0, name.lastIndexOf('.'));
        }
        if (name.endsWith(".csv") || name.endsWith(".txt")) {
            return CSV;
        }
        if (name.endsWith(".tsv")) {
            return TSV;
        }
        if (name.endsWith(".parquet") || name.endsWith(".pq")) {
            return PARQUET;
        }
        if (name.endsWith(".ndjson") || name.endsWith(".jsonl") || name.endsWith(".json")) {
            return NDJSON;
        }
        throw new IllegalArgumentException(file + ": unknown row file format; use .csv, .tsv, .parquet, .ndjson or .jsonl (optionally .gz)");
    }

    /** The table name a file feeds by default: its name without directories and extensions. */
    static String baseName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.indexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
