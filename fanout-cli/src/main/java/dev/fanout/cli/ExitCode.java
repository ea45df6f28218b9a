package dev.fanout.cli;

/** Process exit codes every fanout command keeps. */
final class ExitCode {
    /** Everything committed / the topology is valid. */
    static final int OK = 0;
    /** The command ran but something failed: rows not committed, a benchmark target unreachable. */
    static final int FAILED = 1;
    /** Usage or configuration error: nothing was attempted. */
    static final int USAGE = 2;

    private ExitCode() {
    }
}
