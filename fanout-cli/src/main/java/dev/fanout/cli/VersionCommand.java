package dev.fanout.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code fanout version}: the same lines as {@code fanout --version} ({@link FanoutVersion}), for those who type it as a word. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print fanout's version and the Java runtime's.")
final class VersionCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (String line : new FanoutVersion().getVersion()) {
            out.println(line);
        }
        out.flush();
        return ExitCode.OK;
    }
}
