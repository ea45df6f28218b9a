package dev.fanout.core.plugin;

import dev.fanout.api.ApiVersion;
import dev.fanout.api.WriterProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * One plugin directory, {@code plugins/<name>/}: its jars in a {@link PluginClassLoader} of their
 * own, and the writer providers its main jar declares.
 *
 * <p>The <b>main jar</b> is the jar holding a {@value PluginDescriptor#PATH}. A directory may bundle
 * other plugins' jars as libraries (the MotherDuck plugin carries the DuckDB writer); when several
 * jars have a descriptor, the main one is the one whose {@code name} is the directory's name. Only
 * the providers listed in the main jar's {@code META-INF/services/dev.fanout.api.WriterProvider} are
 * the plugin's: a bundled library never registers a scheme.
 *
 * <p>Every problem — an unreadable jar, no or ambiguous descriptor, an incompatible API version, a
 * provider class missing, not a provider, or throwing in its constructor — is collected as a
 * sentence naming the directory and what to do, never thrown as a raw {@code ServiceConfigurationError}.
 */
final class PluginDirectory {

    private static final String SERVICES = "META-INF/services/" + WriterProvider.class.getName();

    /** A provider of this plugin, with where it came from and the class loader of its directory. */
    record Loaded(WriterProvider provider, PluginDescriptor descriptor, Path directory, Path jar, PluginClassLoader loader) {
    }

    private PluginDirectory() {
    }

    /**
     * Loads {@code directory} over {@code hostLoader} (which shares the API); problems go to
     * {@code problems}, each naming the directory. The providers loaded share one class loader, which
     * the caller owns; when none loaded, it is already closed.
     */
    static List<Loaded> load(Path directory, ClassLoader hostLoader, List<String> problems) {
        String where = "writer plugin directory " + directory;
        List<Path> jars;
        try (Stream<Path> files = Files.list(directory)) {
            jars = files.filter(f -> f.getFileName().toString().endsWith(".jar") && Files.isRegularFile(f)).sorted().toList();
        } catch (IOException e) {
            problems.add(where + ": cannot list it (" + e.getMessage() + ")");
            return List.of();
        }
        if (jars.isEmpty()) {
            problems.add(where + " holds no jar; put a plugin's jars there or remove the directory");
            return List.of();
        }
        Map<Path, PluginDescriptor> descriptors = new TreeMap<>();
        Map<Path, List<String>> services = new TreeMap<>();
        int before = problems.size();
        List<URL> urls = new ArrayList<>();
        for (Path jar : jars) {
            try (JarFile file = new JarFile(jar.toFile())) {
                JarEntry descriptor = file.getJarEntry(PluginDescriptor.PATH);
                if (descriptor != null) {
                    try (InputStream in = file.getInputStream(descriptor)) {
                        descriptors.put(jar, PluginDescriptor.read(in, jar.getFileName() + "!/" + PluginDescriptor.PATH));
                    }
                    services.put(jar, serviceNames(file));
                }
                urls.add(jar.toUri().toURL());
            } catch (IllegalArgumentException e) {
                problems.add(where + ": " + e.getMessage() + "; rebuild the plugin with a complete descriptor");
            } catch (MalformedURLException e) {
                problems.add(where + ": cannot use jar " + jar.getFileName() + " (" + e.getMessage() + ")");
            } catch (IOException e) {
                problems.add(where + ": cannot read jar " + jar.getFileName() + " (" + e.getMessage()
                        + "); it is damaged or not a jar: replace or remove it");
            }
        }
        if (problems.size() > before) {
            return List.of();
        }
        Path main = mainJar(directory, descriptors, where, problems);
        if (main == null) {
            return List.of();
        }
        PluginDescriptor descriptor = descriptors.get(main);
        ApiVersion host = ApiVersion.current();
        if (!host.runs(descriptor.apiVersion())) {
            problems.add(where + ": plugin " + descriptor.name() + " " + descriptor.version() + " was built for fanout API "
                    + descriptor.apiVersion() + ", and this fanout has API " + host + " (it runs plugins built for "
                    + host.major() + ".0 to " + host + "); install a version of the plugin built for API " + host
                    + " or remove the directory");
            return List.of();
        }
        List<String> classes = services.get(main);
        if (classes.isEmpty()) {
            problems.add(where + ": " + main.getFileName() + " lists no provider in " + SERVICES
                    + "; add the plugin's WriterProvider class there");
            return List.of();
        }
        PluginClassLoader loader = new PluginClassLoader(directory, urls, hostLoader);
        List<Loaded> loaded = new ArrayList<>();
        for (String className : classes) {
            WriterProvider provider = instantiate(className, loader, where + ": provider " + className + " of " + main.getFileName(), problems);
            if (provider != null) {
                loaded.add(new Loaded(ContextClassLoaderProxy.wrap(WriterProvider.class, provider, loader), descriptor, directory, main, loader));
            }
        }
        if (loaded.isEmpty()) {
            closeQuietly(loader);
        }
        return loaded;
    }

    /** Closes a loader no provider came out of: nothing of it is reachable, only its open jars. */
    private static void closeQuietly(PluginClassLoader loader) {
        try {
            loader.close();
        } catch (IOException e) {
            // a jar left open until exit harms nothing
        }
    }

    private static Path mainJar(Path directory, Map<Path, PluginDescriptor> descriptors, String where, List<String> problems) {
        if (descriptors.isEmpty()) {
            problems.add(where + ": no jar holds " + PluginDescriptor.PATH + " (name, version, api.version); it is not a fanout "
                    + "plugin, or one built before plugins declared themselves: rebuild it against this fanout-api");
            return null;
        }
        if (descriptors.size() == 1) {
            return descriptors.keySet().iterator().next();
        }
        String dirName = directory.getFileName().toString();
        List<Path> named = descriptors.entrySet().stream().filter(e -> e.getValue().name().equals(dirName)).map(Map.Entry::getKey).toList();
        if (named.size() == 1) {
            return named.get(0);
        }
        List<String> found = descriptors.entrySet().stream().map(e -> e.getKey().getFileName() + " (plugin " + e.getValue().name() + ")").toList();
        problems.add(where + ": several jars declare a plugin, " + String.join(", ", found) + ", and none is named after the directory; "
                + "rename the directory to the name of the plugin it holds, or move the other plugins to directories of their own");
        return null;
    }

    private static List<String> serviceNames(JarFile jar) throws IOException {
        JarEntry entry = jar.getJarEntry(SERVICES);
        if (entry == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(jar.getInputStream(entry), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                int comment = line.indexOf('#');
                String name = (comment >= 0 ? line.substring(0, comment) : line).strip();
                if (!name.isEmpty() && !names.contains(name)) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    private static WriterProvider instantiate(String className, PluginClassLoader loader, String what, List<String> problems) {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(loader);
        try {
            Class<?> type = Class.forName(className, true, loader);
            if (!WriterProvider.class.isAssignableFrom(type)) {
                problems.add(what + " does not implement " + WriterProvider.class.getName() + "; fix the plugin's services file");
                return null;
            }
            return (WriterProvider) type.getConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            problems.add(what + " is not in the directory's jars; a jar of the plugin is missing or the services file names the wrong class");
        } catch (NoSuchMethodException e) {
            problems.add(what + " has no public no-argument constructor; a WriterProvider needs one");
        } catch (InvocationTargetException e) {
            problems.add(what + " failed in its constructor: " + e.getCause() + "; fix the plugin or remove the directory");
        } catch (ReflectiveOperationException | RuntimeException e) {
            problems.add(what + " cannot be created: " + e + "; fix the plugin or remove the directory");
        } catch (ExceptionInInitializerError e) {
            problems.add(what + " failed in its static initializer: " + e.getCause() + "; fix the plugin or remove the directory");
        } catch (LinkageError e) {
            LinkageFailure failure = LinkageFailure.in(e).orElseThrow();
            problems.add(what + " cannot be loaded: " + failure.problem() + "; " + failure.remedy(loader.directory())
                    + (failure.missingClass() == null ? ", or it was built for another Java or fanout version" : ""));
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
        return null;
    }
}
