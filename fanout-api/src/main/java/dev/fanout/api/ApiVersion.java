package dev.fanout.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version of this API as {@code major.minor}, so a host can tell whether a plugin built against
 * another fanout-api will work with it. Within one major version the API only grows (new types, new
 * default methods), so a host runs every plugin built against its own major version and an equal or
 * older minor; a plugin built against a newer minor may call what this host lacks, and one of another
 * major was compiled against contracts that changed.
 *
 * @param major incremented when a contract changes incompatibly
 * @param minor incremented when the API grows compatibly
 */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {

    private static final Pattern FORM = Pattern.compile("(\\d+)\\.(\\d+)(?:[.\\-+].*)?");
    private static final ApiVersion CURRENT = readCurrent();

    public ApiVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("API version parts must not be negative: " + major + "." + minor);
        }
    }

    /** The version of the fanout-api on this class path: major and minor of its Maven version. */
    public static ApiVersion current() {
        return CURRENT;
    }

    /**
     * Reads {@code major.minor} from a version such as {@code 1.2}, {@code 1.2.3} or {@code 1.2.0-SNAPSHOT}.
     *
     * @throws IllegalArgumentException naming the text when it does not start with {@code major.minor}
     */
    public static ApiVersion parse(String text) {
        Objects.requireNonNull(text, "text is null");
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a version of the form major.minor[.patch][-qualifier]");
        }
        return new ApiVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** Whether a host with this API version can run a plugin built against {@code pluginBuiltFor}: same major, minor not newer. */
    public boolean runs(ApiVersion pluginBuiltFor) {
        Objects.requireNonNull(pluginBuiltFor, "pluginBuiltFor is null");
        return pluginBuiltFor.major == major && pluginBuiltFor.minor <= minor;
    }

    @Override
    public int compareTo(ApiVersion other) {
        return major != other.major ? Integer.compare(major, other.major) : Integer.compare(minor, other.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }

    private static ApiVersion readCurrent() {
        try (InputStream in = ApiVersion.class.getResourceAsStream("fanout-api.properties")) {
            if (in == null) {
                throw new IllegalStateException("fanout-api.properties is missing from the fanout-api jar: the jar is broken, replace it");
            }
            Properties p = new Properties();
            p.load(in);
            return parse(p.getProperty("version", ""));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fanout-api.properties from the fanout-api jar", e);
        }
    }
}
