package dev.fanout.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One in-process run of the {@code fanout} command line, as a test sees it: exit code, standard
 * output and standard error.
 */
record CliRun(int code, String out, String err) {

    /** Runs {@code fanout args...} through {@link Main#commandLine()}, capturing both streams. */
    static CliRun fanout(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
