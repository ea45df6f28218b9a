package dev.fanout.core.plugin;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.Set;

/**
 * A plugin class or native library that could not be loaded, linked or initialized, found anywhere
 * in a cause chain, with the sentence saying what failed ({@link #problem()}) and the one saying what
 * to do ({@link #remedy(Path)}). One vocabulary for {@code fanout plugins --check} and for every
 * command reporting a writer's failure ({@link dev.fanout.core.WriterFailures}).
 *
 * <p>The kinds, most specific first: a class not found in the plugin's directory (a jar is
 * missing); a class not found in a package the host shares with plugins ({@code dev.fanout.api},
 * {@code org.slf4j}: the plugin was built against a newer API than the host has, and a copy in the
 * plugin directory is ignored); a native library that does not load ({@link UnsatisfiedLinkError});
 * a static initializer that failed ({@link ExceptionInInitializerError}); anything else that does not
 * link (another version of a library).
 *
 * @param error        the outermost linkage error, {@link ClassNotFoundException},
 *                     {@link TypeNotPresentException} or {@link ServiceConfigurationError} found
 * @param missingClass the binary name of the class not found, or null when a class was found but did
 *                     not link (another version of a library, a native library, a failed static initializer)
 */
public record LinkageFailure(Throwable error, String missingClass) {

    private static final String NOT_INITIALIZED = "Could not initialize class ";

    /**
     * The linkage failure in {@code thrown} or its causes; the deepest class reported missing wins.
     * Empty when the chain holds none.
     */
    public static Optional<LinkageFailure> in(Throwable thrown) {
        Throwable first = null;
        String missing = null;
        for (Throwable t : chain(thrown)) {
            if (t instanceof LinkageError || t instanceof ClassNotFoundException || t instanceof TypeNotPresentException
                    || t instanceof ServiceConfigurationError) {
                first = first == null ? t : first;
                String name = missingClassName(t);
                missing = name != null ? name : missing;
            }
        }
        return first == null ? Optional.empty() : Optional.of(new LinkageFailure(first, missing));
    }

    /** {@code thrown} and its causes, outermost first, each once. */
    private static List<Throwable> chain(Throwable thrown) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = thrown; t != null && seen.add(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /**
     * The class name a {@link ClassNotFoundException} or {@link NoClassDefFoundError} reports: the
     * first word of its message, as a binary name. Loaders may say more after it (this project's
     * plugin loader says why a shared class is not found; the JVM says {@code (wrong name: …)}).
     */
    private static String missingClassName(Throwable t) {
        if (t instanceof TypeNotPresentException e) {
            return e.typeName();
        }
        String message = t.getMessage();
        if (message == null || message.isBlank() || message.startsWith(NOT_INITIALIZED)) {
            return null;
        }
        if (t instanceof ClassNotFoundException || t.getClass() == NoClassDefFoundError.class) {
            return message.strip().split("\\s+", 2)[0].replace('/', '.');
        }
        return null;
    }

    /** Whether the missing class is in a package the host shares with every plugin. */
    private boolean sharedClassMissing() {
        return missingClass != null && PluginClassLoader.shared(missingClass);
    }

    private Optional<UnsatisfiedLinkError> nativeLibrary() {
        for (Throwable t : chain(error)) {
            if (t instanceof UnsatisfiedLinkError e) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** The failed static initializer's own exception, or the initializer error itself when it has no cause. */
    private Optional<Throwable> initializer() {
        for (Throwable t : chain(error)) {
            if (t instanceof ExceptionInInitializerError e) {
                return Optional.of(e.getCause() != null ? e.getCause() : e);
            }
            if (t instanceof NoClassDefFoundError && t.getMessage() != null && t.getMessage().startsWith(NOT_INITIALIZED)
                    && t.getCause() == null) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /**
     * What failed, e.g. {@code class com.google.common.collect.ImmutableList is missing
     * (java.lang.NoClassDefFoundError)} or {@code a native library does not load
     * (java.lang.UnsatisfiedLinkError: …)}.
     */
    public String problem() {
        if (missingClass != null) {
            return "class " + missingClass + " is missing (" + error.getClass().getName() + ")";
        }
        Optional<UnsatisfiedLinkError> nativeLibrary = nativeLibrary();
        if (nativeLibrary.isPresent()) {
            return "a native library does not load (" + nativeLibrary.get() + ")";
        }
        Optional<Throwable> initializer = initializer();
        if (initializer.isPresent()) {
            return "a class failed in its static initializer (" + initializer.get() + ")";
        }
        return "a class does not link: " + error;
    }

    /**
     * What to do about it in {@code directory}, the plugin's directory; null when it is not known
     * (the sentence then speaks of the writer's plugin directory).
     */
    public String remedy(Path directory) {
        String where = directory != null ? directory + "/" : "the writer's plugin directory";
        if (sharedClassMissing()) {
            return missingClass + " belongs to " + sharedArtifact(missingClass) + ", which plugins take from fanout itself, and "
                    + "this fanout's lacks it: the plugin was built against a newer one (a copy in " + where + " is ignored); "
                    + "use a fanout whose API matches the plugin's, or a build of the plugin for this fanout";
        }
        if (missingClass != null) {
            return "add the jar that contains " + missingClass + " to " + where;
        }
        if (nativeLibrary().isPresent()) {
            return "when the library is extracted to a temporary directory mounted noexec, start Java with "
                    + "-Djava.io.tmpdir=<a directory that allows executing files> (bin/fanout takes it in FANOUT_JAVA_OPTS); "
                    + "else the plugin's jars in " + where + " lack the library for this platform ("
                    + System.getProperty("os.name", "?").toLowerCase(Locale.ROOT) + "-" + System.getProperty("os.arch", "?") + ")";
        }
        if (initializer().isPresent()) {
            return "its cause says what the plugin needed and did not find; fix that, or the plugin";
        }
        return "a jar in " + where + " is another version than the plugin was built against: rebuild the directory "
                + "from the plugin's own build";
    }

    private static String sharedArtifact(String className) {
        return className.startsWith("org.slf4j.") ? "slf4j-api" : "fanout-api";
    }
}
