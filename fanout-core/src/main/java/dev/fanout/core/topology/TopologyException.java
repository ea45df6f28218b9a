package dev.fanout.core.topology;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A topology that cannot be used, with every problem found rather than only the first, so one edit
 * can fix them all. {@link #getMessage()} lists them one per line as {@code file:line:column: message},
 * in file order. Messages never contain secrets.
 */
public class TopologyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<Problem> problems;

    /** @param problems at least one; kept sorted by location */
    public TopologyException(List<Problem> problems) {
        super(render(problems));
        this.problems = problems.stream().sorted(Problem.FILE_ORDER).toList();
    }

    private static String render(List<Problem> problems) {
        Objects.requireNonNull(problems, "problems is null");
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a TopologyException needs at least one problem");
        }
        return problems.stream().sorted(Problem.FILE_ORDER).map(Problem::toString).collect(Collectors.joining("\n"));
    }

    /** The problems in file order. */
    public List<Problem> problems() {
        return problems;
    }
}
