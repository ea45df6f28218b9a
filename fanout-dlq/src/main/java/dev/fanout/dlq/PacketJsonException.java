package dev.fanout.dlq;

/**
 * A line of a packets file that is not a valid packet. The message starts with {@code source:line:}
 * and says what was expected; it names fields, rows and columns but never quotes row values.
 */
public final class PacketJsonException extends RuntimeException {

    private final String source;
    private final long line;

    PacketJsonException(String source, long line, String detail, Throwable cause) {
        super(source + ":" + line + ": " + detail, cause);
        this.source = source;
        this.line = line;
    }

    /** The file (or other source) read. */
    public String source() {
        return source;
    }

    /** The 1-based line number. */
    public long line() {
        return line;
    }
}
