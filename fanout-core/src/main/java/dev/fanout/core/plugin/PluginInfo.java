package dev.fanout.core.plugin;

import dev.fanout.api.Capability;
import java.util.Objects;
import java.util.Set;

/**
 * What {@code fanout plugins} shows about one installed writer.
 *
 * @param scheme       the URI scheme it serves
 * @param description  its one-line description
 * @param className    the provider's class
 * @param location     the jar or directory its class was loaded from, or {@code unknown location}
 * @param plugin       the plugin's name from its descriptor, or {@value #UNKNOWN}
 * @param version      the plugin's version from its descriptor, or {@value #UNKNOWN}
 * @param apiVersion   the fanout API version it was built for ({@code major.minor}), or {@value #UNKNOWN}
 * @param directory    its plugin directory, or {@value #CLASS_PATH} when it came from the host's class path
 * @param capabilities what it declares beyond upserting
 */
public record PluginInfo(String scheme, String description, String className, String location, String plugin, String version,
                         String apiVersion, String directory, Set<Capability> capabilities) {

    /** Shown for what a plugin without a descriptor does not say. */
    public static final String UNKNOWN = "-";
    /** The {@link #directory} of a provider found on the host's class path. */
    public static final String CLASS_PATH = "(class path)";

    public PluginInfo {
        Objects.requireNonNull(scheme, "scheme is null");
        Objects.requireNonNull(description, "description is null");
        Objects.requireNonNull(className, "className is null");
        Objects.requireNonNull(location, "location is null");
        Objects.requireNonNull(plugin, "plugin is null");
        Objects.requireNonNull(version, "version is null");
        Objects.requireNonNull(apiVersion, "apiVersion is null");
        Objects.requireNonNull(directory, "directory is null");
        capabilities = Set.copyOf(capabilities);
    }
}
