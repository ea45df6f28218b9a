package dev.fanout.core;

/**
 * How fanout reports what a writer threw besides a {@link dev.fanout.api.WriteException} while it
 * was created or opened: an unchecked exception or an {@link Error} — typically a
 * {@link LinkageError} such as {@code NoClassDefFoundError} when a plugin's directory lacks a
 * library. Every command reports these per destination, naming the real cause, instead of letting
 * them escape as an uncaught error.
 */
public final class WriterFailures {

    private WriterFailures() {
    }

    /**
     * {@code failure} as one line a person can act on, e.g. {@code NoClassDefFoundError:
     * com/google/common/collect/ImmutableList (a class the writer needs could not be loaded: is a
     * library missing from its plugin directory?)}; with the first cause that has a message when
     * {@code failure} has none (an {@code ExceptionInInitializerError}).
     */
    public static String describe(Throwable failure) {
        StringBuilder text = new StringBuilder(named(failure));
        if (failure.getMessage() == null) {
            for (Throwable c = failure.getCause(); c != null && c != failure; c = c.getCause()) {
                if (c.getMessage() != null) {
                    text.append(", caused by ").append(named(c));
                    break;
                }
            }
        }
        if (failure instanceof LinkageError) {
            text.append(" (a class the writer needs could not be loaded: is a library missing from its plugin directory?)");
        }
        return text.toString();
    }

    private static String named(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
