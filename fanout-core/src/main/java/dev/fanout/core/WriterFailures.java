package dev.fanout.core;

import dev.fanout.core.plugin.LinkageFailure;
import java.util.Optional;

/**
 * How fanout reports what a writer threw besides a {@link dev.fanout.api.WriteException}: an
 * unchecked exception or an {@link Error} — typically a {@link LinkageError} such as
 * {@code NoClassDefFoundError} when a plugin's directory lacks a library. Every command reports these
 * per destination (or per batch, on the write path), naming the real cause, instead of letting them
 * escape as an uncaught error. A linkage failure is worded as {@code fanout plugins --check} words it
 * ({@link LinkageFailure}): a missing class, a native library or a static initializer each say what
 * to do about them.
 */
public final class WriterFailures {

    private WriterFailures() {
    }

    /**
     * {@code failure} as one line a person can act on, e.g. {@code class
     * com.google.common.collect.ImmutableList is missing (java.lang.NoClassDefFoundError); add the jar
     * that contains com.google.common.collect.ImmutableList to the writer's plugin directory}. Other
     * failures read {@code <simple class name>: <message>}, with the first cause that has a message
     * when {@code failure} has none. A linkage failure among the causes of another exception follows
     * that exception's own line.
     */
    public static String describe(Throwable failure) {
        Optional<LinkageFailure> linkage = LinkageFailure.in(failure);
        if (linkage.isPresent()) {
            String what = linkage.get().problem() + "; " + linkage.get().remedy(null);
            return linkage.get().error() == failure ? what : named(failure) + ": " + what;
        }
        StringBuilder text = new StringBuilder(named(failure));
        if (failure.getMessage() == null) {
            for (Throwable c = failure.getCause(); c != null && c != failure; c = c.getCause()) {
                if (c.getMessage() != null) {
                    text.append(", caused by ").append(named(c));
                    break;
                }
            }
        }
        return text.toString();
    }

    private static String named(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
