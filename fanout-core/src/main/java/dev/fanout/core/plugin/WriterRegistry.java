package dev.fanout.core.plugin;

import dev.fanout.api.Capability;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.WriterProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The installed writer plugins, one per URI scheme. Immutable and thread-safe.
 *
 * <p>Built from a plugin root directory ({@link #fromPluginDirectory}: each {@code <root>/<name>/}
 * in a class loader of its own, see {@link PluginClassLoader}), from {@link ServiceLoader} on one
 * class loader (an embedding application with writers on its class path, tests), or from an explicit
 * list. Refuses, with a {@link PluginException} naming the directories or jars involved, two
 * providers for one scheme, a provider without a valid scheme, a plugin built for an incompatible
 * API version, and a broken jar or registration — the registry is either whole or not at all, so a
 * topology is never checked against half the plugins.
 *
 * <p>Plugin class loaders live as long as the process: writers of a registry may be created at any
 * time, and their classes must stay loadable.
 */
public final class WriterRegistry {

    private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");
    private static final int MAX_LOAD_ERRORS = 50;

    private final Map<String, WriterProvider> providers;
    private final Map<String, PluginInfo> infos;

    /** A provider found, with the plugin it belongs to when that is known. */
    private record Candidate(WriterProvider provider, PluginDescriptor descriptor, Path directory, String location) {

        static Candidate onClassPath(WriterProvider provider) {
            return new Candidate(provider, descriptorBeside(provider), null, WriterRegistry.location(provider));
        }

        String className() {
            return ContextClassLoaderProxy.unwrap(provider).getClass().getName();
        }

        String origin() {
            return directory != null ? "plugin " + descriptor.name() + " in " + directory + " (" + className() + ")"
                    : className() + " from " + location;
        }

        /** {@link #origin()} as the subject of a sentence: {@code writer plugin x in <dir> (...)} or {@code writer plugin <class> from <jar>}. */
        String subject() {
            return (directory != null ? "writer " : "writer plugin ") + origin();
        }
    }

    private WriterRegistry(List<Candidate> found, List<String> errors, Throwable firstCause) {
        Map<String, WriterProvider> byScheme = new TreeMap<>();
        Map<String, Candidate> claimed = new TreeMap<>();
        Map<String, PluginInfo> info = new TreeMap<>();
        for (Candidate c : found) {
            WriterProvider p = c.provider();
            String scheme;
            try {
                scheme = p.scheme();
            } catch (RuntimeException | LinkageError e) {
                errors.add(c.subject() + " failed to report its scheme: " + e
                        + (e instanceof LinkageError ? "; a library it needs is missing or it was built for another Java or fanout version" : ""));
                continue;
            }
            if (scheme == null || !SCHEME.matcher(scheme).matches()) {
                errors.add(c.subject() + " declares the invalid scheme '"
                        + scheme + "'; a scheme is lowercase letters, digits, '+', '.' or '-', starting with a letter");
                continue;
            }
            Candidate earlier = claimed.putIfAbsent(scheme, c);
            if (earlier != null) {
                errors.add("two writer plugins claim scheme '" + scheme + "': " + earlier.origin() + " and " + c.origin()
                        + (earlier.directory() != null && c.directory() != null ? "; remove one of the two directories"
                                : "; remove one of them"));
                continue;
            }
            byScheme.put(scheme, p);
            info.put(scheme, describe(scheme, c));
        }
        if (!errors.isEmpty()) {
            throw new PluginException(String.join("\n", errors), firstCause);
        }
        this.providers = Collections.unmodifiableMap(byScheme);
        this.infos = Collections.unmodifiableMap(info);
    }

    /**
     * The plugins under {@code root}: each subdirectory {@code root/<name>/} is one plugin, its jars
     * loaded by a class loader of their own that shares only {@code dev.fanout.api} and
     * {@code org.slf4j} with the host. Calls into a plugin run with its loader as the thread's
     * context class loader.
     *
     * @throws PluginException naming each plugin directory that cannot be used and why: a damaged jar,
     *     no or an ambiguous plugin descriptor, an incompatible API version, a provider that cannot be
     *     created; and both directories of a scheme claimed twice
     */
    public static WriterRegistry fromPluginDirectory(Path root) {
        return fromPluginDirectory(root, new ArrayList<>());
    }

    /**
     * {@link #fromPluginDirectory(Path)}, adding every class loader it opens to {@code opened}, also
     * when it throws, so that a caller that only checks the plugins ({@link PluginCheck}) can close them.
     */
    static WriterRegistry fromPluginDirectory(Path root, List<PluginClassLoader> opened) {
        Objects.requireNonNull(root, "root is null");
        Path dir = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new PluginException("writer plugin directory " + dir + " does not exist or is not a directory; point --plugin-dir "
                    + "(or FANOUT_PLUGIN_DIR) at the directory holding one directory per plugin", null);
        }
        List<Path> entries;
        try (Stream<Path> list = Files.list(dir)) {
            entries = list.sorted().toList();
        } catch (IOException e) {
            throw new PluginException("cannot list writer plugin directory " + dir + ": " + e.getMessage(), e);
        }
        List<String> errors = new ArrayList<>();
        List<Candidate> found = new ArrayList<>();
        ClassLoader host = WriterProvider.class.getClassLoader();
        for (Path entry : entries) {
            if (Files.isDirectory(entry)) {
                for (PluginDirectory.Loaded l : PluginDirectory.load(entry, host, errors)) {
                    opened.add(l.loader());
                    found.add(new Candidate(l.provider(), l.descriptor(), l.directory(), l.jar().toString()));
                }
            } else if (entry.getFileName().toString().endsWith(".jar")) {
                errors.add("writer plugin jar " + entry + " lies directly in the plugin directory " + dir
                        + "; each plugin has a directory of its own: move it and its libraries into " + dir + "/<plugin name>/");
            }
        }
        return new WriterRegistry(found, errors, null);
    }

    /** The providers registered with {@code META-INF/services} visible to the thread's context class loader. */
    public static WriterRegistry fromContextClassLoader() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return fromClassLoader(loader != null ? loader : WriterRegistry.class.getClassLoader());
    }

    /**
     * The providers registered with {@code META-INF/services/dev.fanout.api.WriterProvider} visible to
     * {@code loader}, all in that one loader (no isolation).
     *
     * @throws PluginException naming every broken registration and every scheme claimed twice
     */
    public static WriterRegistry fromClassLoader(ClassLoader loader) {
        Objects.requireNonNull(loader, "loader is null");
        List<Candidate> found = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Throwable firstCause = null;
        Throwable lastCause = null;
        Iterator<WriterProvider> it = ServiceLoader.load(WriterProvider.class, loader).iterator();
        while (errors.size() < MAX_LOAD_ERRORS) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(Candidate.onClassPath(it.next()));
            } catch (ServiceConfigurationError e) {
                if (lastCause != null && Objects.equals(lastCause.getMessage(), e.getMessage())) {
                    break;
                }
                errors.add("cannot load a writer plugin: " + e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause() + ")")
                        + "; a jar on the class path is broken or built for another fanout version: replace or remove it");
                firstCause = firstCause == null ? e : firstCause;
                lastCause = e;
            }
        }
        return new WriterRegistry(found, errors, firstCause);
    }

    /**
     * A registry of exactly {@code providers}, e.g. for tests or an embedding application.
     *
     * @throws PluginException when two of them claim one scheme or one has an invalid scheme
     */
    public static WriterRegistry of(List<? extends WriterProvider> providers) {
        Objects.requireNonNull(providers, "providers is null");
        return new WriterRegistry(providers.stream().map(Candidate::onClassPath).toList(), new ArrayList<>(), null);
    }

    /** The provider for {@code scheme} (case-insensitive). */
    public Optional<WriterProvider> provider(String scheme) {
        Objects.requireNonNull(scheme, "scheme is null");
        return Optional.ofNullable(providers.get(scheme.toLowerCase(Locale.ROOT)));
    }

    /** The installed schemes, sorted. */
    public Set<String> schemes() {
        return providers.keySet();
    }

    /** One entry per installed plugin, sorted by scheme. */
    public List<PluginInfo> plugins() {
        return List.copyOf(infos.values());
    }

    /** The option keys the provider of {@code scheme} declares sensitive; empty for an unknown scheme. */
    public Set<String> sensitiveOptions(String scheme) {
        return provider(scheme).map(p -> p.options().stream().filter(OptionSpec::sensitive).map(OptionSpec::name)
                .collect(Collectors.toUnmodifiableSet())).orElse(Set.of());
    }

    private static PluginInfo describe(String scheme, Candidate c) {
        WriterProvider p = c.provider();
        String description;
        try {
            String d = p.description();
            description = d == null ? "" : d;
        } catch (RuntimeException | LinkageError e) {
            description = "(description unavailable: " + e + ")";
        }
        Set<Capability> capabilities;
        try {
            Set<Capability> declared = p.capabilities();
            capabilities = declared == null ? Set.of() : declared;
        } catch (RuntimeException | LinkageError e) {
            capabilities = Set.of();
        }
        PluginDescriptor d = c.descriptor();
        return new PluginInfo(scheme, description, c.className(), c.location(),
                d == null ? PluginInfo.UNKNOWN : d.name(), d == null ? PluginInfo.UNKNOWN : d.version(),
                d == null ? PluginInfo.UNKNOWN : d.apiVersion().toString(),
                c.directory() == null ? PluginInfo.CLASS_PATH : c.directory().toString(), capabilities);
    }

    /** The descriptor in the jar or class directory {@code provider} came from, if it has one that reads. */
    private static PluginDescriptor descriptorBeside(WriterProvider provider) {
        CodeSource source = provider.getClass().getProtectionDomain().getCodeSource();
        URL url = source == null ? null : source.getLocation();
        if (url == null) {
            return null;
        }
        try (URLClassLoader only = new URLClassLoader(new URL[] {url}, null)) {
            URL descriptor = only.findResource(PluginDescriptor.PATH);
            if (descriptor == null) {
                return null;
            }
            try (InputStream in = descriptor.openStream()) {
                return PluginDescriptor.read(in, descriptor.toString());
            }
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The jar or directory {@code provider}'s class came from, as a path when it is a file. */
    static String location(WriterProvider provider) {
        CodeSource source = provider.getClass().getProtectionDomain().getCodeSource();
        URL url = source == null ? null : source.getLocation();
        if (url == null) {
            return "unknown location";
        }
        if ("file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI()).toString();
            } catch (URISyntaxException | IllegalArgumentException e) {
                return url.toString();
            }
        }
        return url.toString();
    }

    @Override
    public String toString() {
        return "WriterRegistry" + providers.keySet();
    }
}
