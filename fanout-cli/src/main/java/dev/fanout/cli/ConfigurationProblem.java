package dev.fanout.cli;

/** A usage or configuration error found before any row moved; the CLI exits with 2. */
final class ConfigurationProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ConfigurationProblem(String message) {
        super(message);
    }

    ConfigurationProblem(String message, Throwable cause) {
        super(message, cause);
    }
}
