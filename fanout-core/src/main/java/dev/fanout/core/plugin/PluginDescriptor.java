package dev.fanout.core.plugin;

import dev.fanout.api.ApiVersion;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * What a plugin says about itself in {@value #PATH} of its main jar: its {@code name}, its
 * {@code version}, and {@code api.version}, the fanout-api version it was compiled against (a
 * Maven version such as {@code 0.1.0} is fine; its major and minor count). Plugin builds write it
 * with Maven resource filtering, e.g. {@code version=${project.version}}.
 *
 * @param name       the plugin's name
 * @param version    the plugin's own version
 * @param apiVersion the fanout-api it was built against
 */
public record PluginDescriptor(String name, String version, ApiVersion apiVersion) {

    /** Where a plugin's main jar holds its descriptor. */
    public static final String PATH = "META-INF/fanout-plugin.properties";

    public PluginDescriptor {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(version, "version is null");
        Objects.requireNonNull(apiVersion, "apiVersion is null");
    }

    /**
     * Reads a descriptor.
     *
     * @param where names the file in error messages, e.g. {@code plugins/sqlite/writer-sqlite.jar!/META-INF/fanout-plugin.properties}
     * @throws IllegalArgumentException listing every missing or malformed key, naming {@code where}
     */
    static PluginDescriptor read(InputStream in, String where) throws IOException {
        Properties p = new Properties();
        p.load(in);
        List<String> problems = new ArrayList<>();
        String name = required(p, "name", where, problems);
        String version = required(p, "version", where, problems);
        String api = required(p, "api.version", where, problems);
        ApiVersion apiVersion = null;
        if (api != null) {
            try {
                apiVersion = ApiVersion.parse(api);
            } catch (IllegalArgumentException e) {
                problems.add(where + ": api.version " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new PluginDescriptor(name, version, apiVersion);
    }

    private static String required(Properties p, String key, String where, List<String> problems) {
        String value = p.getProperty(key);
        if (value == null || value.isBlank() || value.contains("${")) {
            problems.add(where + ": '" + key + "' is " + (value == null || value.isBlank() ? "missing" : "unfiltered (" + value.trim() + ")"));
            return null;
        }
        return value.trim();
    }
}
