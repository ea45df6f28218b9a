package dev.fanout.duckdb;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * DuckDB's error messages made fit for one line of fanout's output, keeping the cause. DuckDB puts
 * the error class and a headline on the first line ("Invalid Input Error: CSV Error on Line: 9") and
 * the cause on the lines after it ("This file is not utf-8 encoded", "Maximum line size of 2000000
 * bytes exceeded", "Error when converting column "amount". Could not convert string "oops" to
 * 'BIGINT'"), then hint blocks ("Possible Solution: ..."), the CSV sniffer's settings and a pointer
 * into the query, which are dropped.
 *
 * <p>One implementation for the two places DuckDB speaks: fanout's input readers (the host, its DuckDB
 * in {@code lib/}) and the DuckDB and MotherDuck writers (plugins, each with its own copy of this jar
 * in its plugin directory, as isolated class loaders need). It masks nothing: a caller whose messages
 * may hold secrets masks after condensing.
 */
public final class DuckDbMessages {

    /** At most this many of DuckDB's lines are kept. */
    public static final int MAX_LINES = 5;
    /** Each kept line is cut to this many characters. */
    public static final int MAX_LINE = 300;
    /** An "Original Line:" quote is cut to this many characters. */
    public static final int MAX_QUOTE = 80;

    private static final String ORIGINAL_LINE = "Original Line:";
    private static final Pattern SETTING = Pattern.compile("^\\s+\\w+ = .*");
    private static final Pattern QUERY_POINTER = Pattern.compile("^LINE \\d+:.*");

    private DuckDbMessages() {
    }

    /**
     * {@code message}'s informative lines joined with {@code "; "}: at most {@value #MAX_LINES}, each
     * cut to {@value #MAX_LINE} characters and an "Original Line:" quote to {@value #MAX_QUOTE}, cuts
     * marked with an ellipsis; {@code "(no message)"} for none. For a file that is not UTF-8 the "Original Line:" is left out: DuckDB
     * quotes the line before the one with the invalid bytes there.
     */
    public static String condense(String message) {
        if (message == null || message.isBlank()) {
            return "(no message)";
        }
        boolean encoding = message.contains("not utf-8 encoded");
        List<String> kept = new ArrayList<>();
        boolean more = false;
        for (String raw : message.split("\\R")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("* ") || encoding && line.startsWith(ORIGINAL_LINE)) {
                continue;
            }
            if (line.regionMatches(true, 0, "Possible solution", 0, "Possible solution".length())
                    || SETTING.matcher(raw).matches() || QUERY_POINTER.matcher(line).matches()) {
                break;
            }
            if (kept.size() == MAX_LINES) {
                more = true;
                break;
            }
            kept.add(line.startsWith(ORIGINAL_LINE) ? quote(line) : cut(line, MAX_LINE));
        }
        if (kept.isEmpty()) {
            return cut(message.strip(), MAX_LINE);
        }
        return String.join("; ", kept) + (more ? "; …" : "");
    }

    private static String quote(String line) {
        String text = line.substring(ORIGINAL_LINE.length()).strip();
        return text.length() <= MAX_QUOTE ? line
                : ORIGINAL_LINE + " " + text.substring(0, MAX_QUOTE) + "…";
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "…";
    }
}
