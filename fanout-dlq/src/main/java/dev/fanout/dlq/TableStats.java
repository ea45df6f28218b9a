package dev.fanout.dlq;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What {@code fanout dlq list} shows for one table: the live dead letters (superseded and resolved
 * ones excluded) and what the file held that could not be read.
 *
 * @param table          the table
 * @param count          dead letters waiting
 * @param rows           rows in them
 * @param oldestFailure  the earliest first failure, or null when {@code count} is 0
 * @param newestFailure  the latest last failure, or null when {@code count} is 0
 * @param reasons        the failures grouped by error class and message pattern, most frequent first
 * @param corruptBytes   bytes skipped between readable records (damage on disk)
 * @param tornTailBytes  bytes after the last readable record: a write cut short by a crash, or one in
 *                       progress in the process writing the store; never an acknowledged record
 */
public record TableStats(String table, int count, long rows, Instant oldestFailure, Instant newestFailure,
                         List<Reason> reasons, long corruptBytes, long tornTailBytes) {

    private static final Pattern UUID = Pattern.compile(
            "\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b");
    private static final Pattern ULID = Pattern.compile("\\b[0-9A-HJKMNP-TV-Z]{26}\\b");
    private static final Pattern NUMBER = Pattern.compile("\\d+");
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final int MAX_PATTERN = 300;

    public TableStats {
        Objects.requireNonNull(table, "table is null");
        reasons = List.copyOf(reasons);
    }

    /**
     * Failures sharing an error class and a message that differs only in numbers and ids.
     *
     * @param errorClass the failure's kind
     * @param pattern    the message with ids replaced by {@code <id>} and numbers by {@code #}
     * @param count      dead letters with this reason
     * @param example    one full message of the group
     */
    public record Reason(String errorClass, String pattern, int count, String example) {
    }

    /** The {@code n} most frequent reasons. */
    public List<Reason> topReasons(int n) {
        return reasons.subList(0, Math.min(n, reasons.size()));
    }

    /** The message with the parts that differ between otherwise equal failures normalised out. */
    static String pattern(String message) {
        String p = UUID.matcher(message).replaceAll("<id>");
        p = ULID.matcher(p).replaceAll("<id>");
        p = NUMBER.matcher(p).replaceAll("#");
        p = SPACES.matcher(p).replaceAll(" ").strip();
        return p.length() > MAX_PATTERN ? p.substring(0, MAX_PATTERN) + "…" : p;
    }
}
