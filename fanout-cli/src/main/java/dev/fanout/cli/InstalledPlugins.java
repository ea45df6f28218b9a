package dev.fanout.cli;

import dev.fanout.core.plugin.PluginException;
import dev.fanout.core.plugin.WriterRegistry;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the CLI's writer plugins come from, decided in one place for every command: the plugin
 * directory named by the system property {@value #PROPERTY} ({@code bin/fanout} passes
 * {@code $FANOUT_PLUGIN_DIR}, else {@code <home>/plugins}), else the environment variable
 * {@value #ENV}; each plugin in it gets a class loader of its own. With neither (a development run or
 * a test, writers on the class path), the providers on the class path.
 */
final class InstalledPlugins {

    static final String PROPERTY = "fanout.plugin.dir";
    static final String ENV = "FANOUT_PLUGIN_DIR";

    private InstalledPlugins() {
    }

    /** The plugin directory in use, if one is configured. */
    static Optional<Path> directory() {
        String dir = System.getProperty(PROPERTY);
        if (dir == null || dir.isBlank()) {
            dir = System.getenv(ENV);
        }
        return dir == null || dir.isBlank() ? Optional.empty() : Optional.of(Path.of(dir).toAbsolutePath().normalize());
    }

    /**
     * The installed writer plugins.
     *
     * @throws ConfigurationProblem (exit 2) with the plugin loader's message, which names each
     *     unusable plugin directory and what to do
     */
    static WriterRegistry registry() {
        try {
            return directory().map(WriterRegistry::fromPluginDirectory).orElseGet(WriterRegistry::fromContextClassLoader);
        } catch (PluginException e) {
            throw new ConfigurationProblem(e.getMessage(), e);
        }
    }
}
