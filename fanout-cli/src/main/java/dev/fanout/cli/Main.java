package dev.fanout.cli;

import dev.fanout.core.WriterFailures;
import java.util.ServiceConfigurationError;
import java.util.List;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** {@code bin/fanout}: runs one command and exits with its code (0 ok, 1 failed, 2 usage/configuration). */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        startLogging();
        System.exit(commandLine().execute(args));
    }

    /**
     * Creates the first logger now, with the host's class loader as the thread's context class
     * loader: slf4j-simple reads {@code simplelogger.properties} through the context class loader when
     * the first logger is created, and when that happens inside a call into a plugin (whose class
     * loader is then the context loader, and cannot see the host's resources) the configuration is
     * never read.
     */
    private static void startLogging() {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(Main.class.getClassLoader());
        try {
            LoggerFactory.getLogger(Main.class);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * The configured command line, shared by {@link #main} and tests. A command's exception, or a
     * {@link LinkageError} (a plugin missing a library), ends it with one line naming the command and
     * the cause on standard error ({@link WriterFailures#describe} for an error or an exception without
     * a message), not a stack trace.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new FanoutCommand());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> fail(commandLine, e));
        cl.setExecutionStrategy(parseResult -> {
            try {
                return new CommandLine.RunLast().execute(parseResult);
            } catch (LinkageError | ServiceConfigurationError e) {
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
