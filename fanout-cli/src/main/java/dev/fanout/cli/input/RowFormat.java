package dev.fanout.cli.input;

import java.nio.file.Path;
import java.util.Locale;

/** The row file formats {@code fanout ingest} reads, each through DuckDB's own reader. */
enum RowFormat {
    CSV("read_csv_auto"),
    PARQUET("read_parquet"),
    NDJSON("read_json_auto");

    private final String tableFunction;

    RowFormat(String tableFunction) {
        this.tableFunction = tableFunction;
    }

    /** The DuckDB table-function call that scans {@code file}, with the path safely quoted. */
    String scan(Path file) {
        String literal = "'" + file.toAbsolutePath().toString().replace("'", "''") + "'";
        return this == NDJSON ? tableFunction + "(" + literal + ", format = 'newline_delimited')" : tableFunction + "(" + literal + ")";
    }

    static RowFormat of(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz") || name.endsWith(".zst")) {
            name = name.substring(0, name.lastIndexOf('.'));
        }
        if (name.endsWith(".csv") || name.endsWith(".tsv") || name.endsWith(".txt")) {
            return CSV;
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
