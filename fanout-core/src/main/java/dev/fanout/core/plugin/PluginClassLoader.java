package dev.fanout.core.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;

/**
 * The class loader of one plugin directory: its jars, over a parent that shows the plugin the JDK
 * and, from the host, only the packages plugin and host must share — {@code dev.fanout.api} (the
 * contracts both sides speak) and {@code org.slf4j} (so a plugin's log lines reach the host's
 * logging, as in Kafka Connect and Trino). Everything else the plugin uses comes from its own jars,
 * so two plugins, and a plugin and the host, may carry different versions of one library.
 *
 * <p>Lookups are parent-first: a plugin cannot replace a JDK class or the API. Classes and resources
 * of the shared packages come from the host alone, so a copy of fanout-api or slf4j-api bundled in a
 * plugin directory is ignored, also for a class the host lacks (it is not found rather than defined
 * a second time). The host's other resources (its {@code META-INF/services}, its configuration
 * files) are invisible to the plugin.
 */
final class PluginClassLoader extends URLClassLoader {

    /** Package prefixes the host shares with every plugin. */
    static final List<String> SHARED_PACKAGES = List.of("dev.fanout.api.", "org.slf4j.");

    static {
        registerAsParallelCapable();
    }

    private final Path directory;

    PluginClassLoader(Path directory, List<URL> jars, ClassLoader host) {
        super("fanout-plugin:" + directory.getFileName(), jars.toArray(URL[]::new), new SharedPackages(host));
        this.directory = directory;
    }

    /** The plugin directory this loader reads. */
    Path directory() {
        return directory;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        if (shared(name)) {
            throw new ClassNotFoundException(name + " is shared with the host, which does not have it");
        }
        return super.findClass(name);
    }

    @Override
    public URL findResource(String name) {
        return shared(name.replace('/', '.')) ? null : super.findResource(name);
    }

    @Override
    public Enumeration<URL> findResources(String name) throws IOException {
        return shared(name.replace('/', '.')) ? Collections.emptyEnumeration() : super.findResources(name);
    }

    @Override
    public String toString() {
        return "plugin class loader of " + directory;
    }

    /** Whether {@code name} (a class name, or a resource path with '/' replaced by '.') is in a shared package. */
    static boolean shared(String name) {
        for (String prefix : SHARED_PACKAGES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** The JDK (platform loader) plus the shared packages of the host; nothing else. */
    private static final class SharedPackages extends ClassLoader {

        static {
            registerAsParallelCapable();
        }

        private final ClassLoader host;

        SharedPackages(ClassLoader host) {
            super("fanout-plugin-parent", ClassLoader.getPlatformClassLoader());
            this.host = Objects.requireNonNull(host, "host is null");
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (shared(name)) {
                return host.loadClass(name);
            }
            throw new ClassNotFoundException(name);
        }

        @Override
        protected URL findResource(String name) {
            return shared(name.replace('/', '.')) ? host.getResource(name) : null;
        }

        @Override
        protected Enumeration<URL> findResources(String name) throws IOException {
            return shared(name.replace('/', '.')) ? host.getResources(name) : Collections.emptyEnumeration();
        }
    }
}
