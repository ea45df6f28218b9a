package dev.fanout.core.dispatch;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * {@link Dispatcher#start} could not open every writer. By the time this is thrown every writer,
 * opened or not, has been closed on its lane thread and no lane thread is left running.
 */
public final class DispatcherStartException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Map<String, String> failures;

    /** @param failures per destination that failed to open, in topology order, the writer's message */
    public DispatcherStartException(Map<String, String> failures) {
        super(messageOf(Objects.requireNonNull(failures, "failures is null")));
        this.failures = Collections.unmodifiableMap(new LinkedHashMap<>(failures));
    }

    private static String messageOf(Map<String, String> failures) {
        return failures.entrySet().stream()
                .map(e -> DestinationResult.prefixed(e.getKey(), e.getValue()))
                .collect(Collectors.joining("; ", "could not open " + failures.size()
                        + (failures.size() == 1 ? " destination: " : " destinations: "), ""));
    }

    /** Destination name → why its writer did not open. */
    public Map<String, String> failures() {
        return failures;
    }
}
