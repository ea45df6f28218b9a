package dev.fanout.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * One in-process run of the {@code fanout} command line, as a test sees it: exit code, standard
 * output and standard error, and what reached the process's own {@code System.out}/{@code System.err}
 * meanwhile (the log lines of lanes and writers), so a test can assert that a secret reached none of
 * them. The captured console is passed on to this process's standard error afterwards, so test logs
 * keep it.
 */
record CliRun(int code, String out, String err, String console) {

    /** Runs {@code fanout args...} through {@link Main#commandLine()}, capturing every stream. */
    static CliRun fanout(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        PrintStream capture = new PrintStream(console, true, StandardCharsets.UTF_8);
        int code;
        System.setOut(capture);
        System.setErr(capture);
        try {
            code = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        String logs = console.toString(StandardCharsets.UTF_8);
        stderr.print(logs);
        return new CliRun(code, out.toString(), err.toString(), logs);
    }

    /** Everything the run printed, for assertions that something appears nowhere. */
    String all() {
        return out + err + console;
    }
}
