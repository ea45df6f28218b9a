package dev.fanout.core.plugin;

import dev.fanout.api.OptionSpec;
import dev.fanout.api.WriterProvider;
import java.net.URISyntaxException;
import java.net.URL;
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

/**
 * The installed writer plugins, one per URI scheme. Immutable and thread-safe.
 *
 * <p>Built from {@link ServiceLoader} or from an explicit list. Refuses, with a
 * {@link PluginException} naming the jars involved, two providers for one scheme, a provider without
 * a valid scheme, and a broken service registration — the registry is either whole or not at all,
 * so a topology is never checked against half the plugins.
 */
public final class WriterRegistry {

    private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");
    private static final int MAX_LOAD_ERRORS = 50;

    private final Map<String, WriterProvider> providers;
    private final Map<String, PluginInfo> infos;

    private WriterRegistry(List<WriterProvider> found, List<String> errors, Throwable firstCause) {
        Map<String, WriterProvider> byScheme = new TreeMap<>();
        Map<String, PluginInfo> info = new TreeMap<>();
        for (WriterProvider p : found) {
            String scheme;
            try {
                scheme = p.scheme();
            } catch (RuntimeException e) {
                errors.add("writer plugin " + p.getClass().getName() + " (" + location(p) + ") failed to report its scheme: " + e);
                continue;
            }
            if (scheme == null || !SCHEME.matcher(scheme).matches()) {
                errors.add("writer plugin " + p.getClass().getName() + " (" + location(p) + ") declares the invalid scheme '"
                        + scheme + "'; a scheme is lowercase letters, digits, '+', '.' or '-', starting with a letter");
                continue;
            }
            WriterProvider earlier = byScheme.putIfAbsent(scheme, p);
            if (earlier != null) {
                errors.add("two writer plugins claim scheme '" + scheme + "': " + earlier.getClass().getName() + " from "
                        + location(earlier) + " and " + p.getClass().getName() + " from " + location(p)
                        + "; remove one of them from plugins/");
                continue;
            }
            info.put(scheme, new PluginInfo(scheme, describe(p), p.getClass().getName(), location(p)));
        }
        if (!errors.isEmpty()) {
            throw new PluginException(String.join("\n", errors), firstCause);
        }
        this.providers = Collections.unmodifiableMap(byScheme);
        this.infos = Collections.unmodifiableMap(info);
    }

    /** The providers registered with {@code META-INF/services} visible to the thread's context class loader. */
    public static WriterRegistry fromContextClassLoader() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return fromClassLoader(loader != null ? loader : WriterRegistry.class.getClassLoader());
    }

    /**
     * The providers registered with {@code META-INF/services/dev.fanout.api.WriterProvider} visible to
     * {@code loader}.
     *
     * @throws PluginException naming every broken registration and every scheme claimed twice
     */
    public static WriterRegistry fromClassLoader(ClassLoader loader) {
        Objects.requireNonNull(loader, "loader is null");
        List<WriterProvider> found = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Throwable firstCause = null;
        Throwable lastCause = null;
        Iterator<WriterProvider> it = ServiceLoader.load(WriterProvider.class, loader).iterator();
        while (errors.size() < MAX_LOAD_ERRORS) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError e) {
                if (lastCause != null && Objects.equals(lastCause.getMessage(), e.getMessage())) {
                    break;
                }
                errors.add("cannot load a writer plugin: " + e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause() + ")")
                        + "; a jar under plugins/ is broken or built for another fanout version: replace or remove it");
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
        return new WriterRegistry(new ArrayList<>(providers), new ArrayList<>(), null);
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

    private static String describe(WriterProvider p) {
        try {
            String d = p.description();
            return d == null ? "" : d;
        } catch (RuntimeException e) {
            return "(description unavailable: " + e + ")";
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
