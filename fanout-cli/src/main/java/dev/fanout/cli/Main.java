package dev.fanout.cli;

import picocli.CommandLine;

/** {@code bin/fanout}: runs one command and exits with its code (0 ok, 1 failed, 2 usage/configuration). */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and tests. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new FanoutCommand());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + describe(e));
            commandLine.getErr().flush();
            return e instanceof ConfigurationProblem ? ExitCode.USAGE : ExitCode.FAILED;
        });
        return cl;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
