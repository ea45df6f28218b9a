package dev.fanout.writer.clickhouse;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version a ClickHouse server reports ({@code SELECT version()}), and what the writer may use
 * on it. The writer asks the server at {@code open()} rather than trusting configuration, because
 * one topology may point at an old and a new server alike.
 *
 * <ul>
 *   <li><b>HTTP compression</b> from {@value #COMPRESSION_MAJOR}.{@value #COMPRESSION_MINOR}: the
 *       client (client-v2) fails against 18.16 unless both request and response compression are off
 *       (measured, see DESIGN.md); 20.7 is the oldest server its client family documents support
 *       for (clickhouse-jdbc refuses anything older), so compression is on from there and off below.</li>
 *   <li><b>DateTime64</b> from 20.1, the release that introduced it; older servers store timestamps
 *       as Int64 microseconds.</li>
 *   <li><b>Date32</b> from 21.9, likewise; older servers store dates as Int32 days.</li>
 * </ul>
 *
 * @param major   e.g. 18
 * @param minor   e.g. 16
 * @param patch   e.g. 1 (0 when absent)
 * @param text    the version as the server printed it
 */
record ClickHouseServerVersion(int major, int minor, int patch, String text) implements Comparable<ClickHouseServerVersion> {

    static final int COMPRESSION_MAJOR = 20;
    static final int COMPRESSION_MINOR = 7;

    private static final Pattern VERSION = Pattern.compile("\\s*(\\d+)\\.(\\d+)(?:\\.(\\d+))?.*", Pattern.DOTALL);

    ClickHouseServerVersion {
        Objects.requireNonNull(text, "text is null");
    }

    /**
     * Parses what {@code SELECT version()} returns, e.g. {@code 18.16.1} or {@code 24.8.4.13}.
     *
     * @throws IllegalArgumentException when {@code text} does not start with major.minor
     */
    static ClickHouseServerVersion parse(String text) {
        Objects.requireNonNull(text, "text is null");
        Matcher m = VERSION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a ClickHouse version: '" + text.strip() + "'");
        }
        return new ClickHouseServerVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), text.strip());
    }

    boolean isAtLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    /** Whether requests and responses are compressed (see the class comment for the threshold). */
    boolean compressesHttp() {
        return isAtLeast(COMPRESSION_MAJOR, COMPRESSION_MINOR);
    }

    /** Whether new timestamp columns are {@code DateTime64(6, 'UTC')} rather than Int64 microseconds. */
    boolean hasDateTime64() {
        return isAtLeast(20, 1);
    }

    /** Whether new date columns are {@code Date32} rather than Int32 days since the epoch. */
    boolean hasDate32() {
        return isAtLeast(21, 9);
    }

    @Override
    public int compareTo(ClickHouseServerVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return text;
    }
}
