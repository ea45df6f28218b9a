package dev.fanout.cli;

import dev.fanout.core.WriterFailures;
import java.util.List;
import picocli.CommandLine;

/** {@code bin/fanout}: runs one command and exits with its code (0 ok, 1 failed, 2 usage/configuration). */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The configured command line, shared by {@link #main} and tests. A command's exception, or a
     * {@link LinkageError} (a plugin missing a library), ends it with one line naming the command and
     * the cause on standard error, not a stack trace.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new FanoutCommand());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> fail(commandLine, e));
        cl.setExecutionStrategy(parseResult -> {
            try {
                return new CommandLine.RunLast().execute(parseResult);
            } catch (LinkageError e) {
                List<CommandLine> invoked = parseResult.asCommandLineList();
                return fail(invoked.get(invoked.size() - 1), e);
            }
        });
        return cl;
    }

    private static int fail(CommandLine commandLine, Throwable e) {
        commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + describe(e));
        commandLine.getErr().flush();
        return e instanceof ConfigurationProblem ? ExitCode.USAGE : ExitCode.FAILED;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || e instanceof Error ? WriterFailures.describe(e) : message;
    }
}
