package dev.fanout.core.plugin;

import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.Set;

/**
 * A plugin class that could not be loaded or linked, found anywhere in a cause chain: the usual sign
 * of a plugin directory missing a library, or holding another version of one than the plugin was
 * built against. Names the missing class when there is one, so the message can say which jar to add.
 *
 * @param error        the linkage error, {@link ClassNotFoundException}, {@link TypeNotPresentException}
 *                     or {@link ServiceConfigurationError} found
 * @param missingClass the binary name of the class not found, or null when a class was found but did
 *                     not link (another version of a library, a failed static initializer)
 */
record LinkageFailure(Throwable error, String missingClass) {

    private static final String NOT_INITIALIZED = "Could not initialize class ";

    /** The linkage failure in {@code thrown} or its causes; the deepest class reported missing wins. */
    static Optional<LinkageFailure> in(Throwable thrown) {
        Throwable first = null;
        String missing = null;
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = thrown; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof LinkageError || t instanceof ClassNotFoundException || t instanceof TypeNotPresentException
                    || t instanceof ServiceConfigurationError) {
                first = first == null ? t : first;
                String name = missingClassName(t);
                missing = name != null ? name : missing;
            }
        }
        return first == null ? Optional.empty() : Optional.of(new LinkageFailure(first, missing));
    }

    private static String missingClassName(Throwable t) {
        String message = t.getMessage();
        if (t instanceof TypeNotPresentException e) {
            return e.typeName();
        }
        if (message == null || message.isBlank() || message.startsWith(NOT_INITIALIZED)) {
            return null;
        }
        if (t instanceof ClassNotFoundException || t.getClass() == NoClassDefFoundError.class) {
            return message.strip().replace('/', '.');
        }
        return null;
    }

    /** What failed, e.g. {@code class com.google.common.collect.ImmutableList is missing (java.lang.NoClassDefFoundError)}. */
    String problem() {
        return missingClass != null ? "class " + missingClass + " is missing (" + error.getClass().getName() + ")"
                : "a class does not link: " + error;
    }

    /** What to do about it in {@code directory}. */
    String remedy(Path directory) {
        return missingClass != null ? "add the jar that contains " + missingClass + " to " + directory + "/"
                : "a jar in " + directory + "/ is another version than the plugin was built against: rebuild the directory "
                        + "from the plugin's own build";
    }
}
