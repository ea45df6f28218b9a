package dev.fanout.cli.input;

import dev.fanout.api.IdentifierComparison;
import dev.fanout.duckdb.DuckDbMessages;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What is wrong with a CSV or TSV file, in words that name the file, the line and what to do: DuckDB's
 * strict-mode errors restated, and the header checked here, where DuckDB would rename a duplicate
 * column or invent a name for an unnamed one.
 */
final class CsvProblems {

    private static final Pattern LINE = Pattern.compile("CSV Error on Line: (\\d+)");
    private static final Pattern FIELDS = Pattern.compile("Expected Number of Columns: (\\d+) Found: (\\d+)");
    /** Delimiters other tools use, which a one-column header holding one of them most likely was split on. */
    private static final char[] OTHER_DELIMITERS = {';', '\t', '|', ','};
    private static final Pattern ORIGINAL = Pattern.compile("^Original Line: (.*)$", Pattern.MULTILINE);

    private CsvProblems() {
    }

    /** {@code file: line N: what is wrong; what to do}, from a DuckDB error met reading {@code file}. */
    static String describe(Path file, SQLException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        Matcher line = LINE.matcher(message);
        String where = line.find() ? "line " + line.group(1) + ": " : "";
        if (message.contains("not utf-8 encoded")) {
            return file + ": " + where + "not utf-8 encoded; convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8) "
                    + "and ingest it again";
        }
        String quoted = "";
        Matcher original = ORIGINAL.matcher(message);
        if (original.find()) {
            String text = original.group(1).strip();
            quoted = " (the line reads: " + (text.length() <= DuckDbMessages.MAX_QUOTE ? text
                    : text.substring(0, DuckDbMessages.MAX_QUOTE) + "…") + ")";
        }
        if (message.contains("unterminated quote")) {
            return file + ": " + where + "unterminated quote" + quoted + ": a field that opens with \" must close with \" "
                    + "before the next delimiter or the end of the line, and a \" inside a quoted field is written \"\"; "
                    + "fix the line and ingest the file again";
        }
        Matcher fields = FIELDS.matcher(message);
        if (fields.find()) {
            return file + ": " + where + fields.group(2) + " fields where the header names " + fields.group(1) + quoted
                    + "; every line needs one field per header column (quote a field that holds the delimiter); "
                    + "fix the line and ingest the file again";
        }
        List<String> cause = new ArrayList<>();
        for (String part : DuckDbMessages.condense(message).split("; ")) {
            if (!LINE.matcher(part).find() && !part.startsWith("Original Line:")) {
                cause.add(part);
            }
        }
        return file + ": " + where + (cause.isEmpty() ? DuckDbMessages.condense(message) : String.join("; ", cause)) + quoted;
    }

    /**
     * The names in a header line split on {@code delimiter}, {@code "} quoting and doubled inside
     * quotes, without surrounding blanks (as DuckDB names the columns); refused: an unterminated quote, an unnamed column, and two names DuckDB cannot tell
     * apart (it compares them without case).
     */
    static List<String> headerNames(Path file, String line, char delimiter) throws RowFileException {
        String text = line.startsWith("\uFEFF") ? line.substring(1) : line;
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        List<String> names = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == delimiter) {
                names.add(field.toString().strip());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new RowFileException(file + ": line 1 (the header): unterminated quote; a column name that opens with \" "
                    + "must close with \" on the same line; fix the header and ingest the file again");
        }
        names.add(field.toString().strip());
        if (names.size() == 1) {
            for (char other : OTHER_DELIMITERS) {
                if (other != delimiter && names.get(0).indexOf(other) >= 0) {
                    throw new RowFileException(file + ": line 1 (the header): one column named '" + names.get(0) + "', which looks like "
                            + "names split on " + (other == '\t' ? "tabs" : "'" + other + "'") + "; fanout splits a .csv or .txt file on ',' "
                            + "and a .tsv file on tabs: convert the file (or, for tabs, name it .tsv) and ingest it again");
                }
            }
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (name.isBlank()) {
                throw new RowFileException(file + ": line 1 (the header): column " + (i + 1) + " has no name; name every "
                        + "column in the header and ingest the file again");
            }
            Integer before = seen.putIfAbsent(IdentifierComparison.CASE_INSENSITIVE.key(name), i);
            if (before != null) {
                throw new RowFileException(file + ": line 1 (the header): columns " + (before + 1) + " and " + (i + 1)
                        + " are both named '" + names.get(before) + "'" + (names.get(before).equals(name) ? "" : " / '" + name + "'")
                        + " (DuckDB, which reads the file, compares names without the case of ASCII letters); give each column its own name and ingest the file again");
            }
        }
        return names;
    }
}
