package dev.fanout.core.plugin;

import java.util.Objects;

/**
 * What {@code fanout plugins} shows about one installed writer.
 *
 * @param scheme      the URI scheme it serves
 * @param description its one-line description
 * @param className   the provider's class
 * @param location    the jar or directory it was loaded from, or {@code unknown location}
 */
public record PluginInfo(String scheme, String description, String className, String location) {
    public PluginInfo {
        Objects.requireNonNull(scheme, "scheme is null");
        Objects.requireNonNull(description, "description is null");
        Objects.requireNonNull(className, "className is null");
        Objects.requireNonNull(location, "location is null");
    }
}
