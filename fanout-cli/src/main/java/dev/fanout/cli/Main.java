package dev.fanout.cli;

import dev.fanout.core.WriterFailures;
import java.util.ServiceConfigurationError;
import java.util.List;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * {@code bin/fanout}: runs one command and exits with its code (0 ok, 1 failed, 2 usage/configuration).
 *
 * <p><b>{@code --verbose}.</b> Without it a failed command prints one line, fanout logs one line per
 * failed attempt of a destination, and the ClickHouse client says only errors
 * ({@code simplelogger.properties}): fanout's line already names the cause. With it a failed command
 * prints its stack trace after that line, fanout's loggers log at debug (so a destination failure's
 * line is followed by its cause's stack trace, see {@code Lane}), and the client libraries log at
 * slf4j-simple's default level (info), their own warnings included. slf4j-simple reads its levels
 * once, when the first logger is created, so they are set — as the system properties
 * {@code org.slf4j.simpleLogger.log.*}, where no {@code -D} (in {@code $FANOUT_JAVA_OPTS}) set them already — before
 * {@link #startLogging}: {@link #main} first parses the arguments with the command line itself
 * (nothing is run, and building the command line creates no logger), so {@code -v}/{@code --verbose}
 * counts exactly where picocli takes it as the option — before or after the subcommand, not as the
 * value of another option, not after {@code --} — and then runs the command on a fresh command line.
 * Secrets stay masked in the stack traces: the writers' failures are masked as they leave the writer
 * (cause and suppressed messages included, {@code dev.fanout.core.SecretMaskingWriter}), and the exceptions
 * that reach {@link #commandLine}'s handler from {@code ingest}, {@code dlq}, {@code validate} and
 * {@code migrate} hold no writer's exception (a destination that could not be created or opened
 * arrives as a {@code DispatcherStartException} of masked messages only).
 */
public final class Main {

    /** The level fanout's own loggers ({@code dev.fanout.*}) log at with {@code --verbose}. */
    private static final String VERBOSE_FANOUT_LEVEL = "debug";
    /** The level the other libraries log at with {@code --verbose}: slf4j-simple's default. */
    private static final String VERBOSE_LIBRARY_LEVEL = "info";

    private Main() {
    }

    public static void main(String[] args) {
        if (verboseRequested(args)) {
            logVerbosely();
        }
        startLogging();
        System.exit(commandLine().execute(args));
    }

    /** Whether {@code args} hold {@code --verbose} (or {@code -v}) as picocli would take it; false when they don't parse that far. */
    static boolean verboseRequested(String[] args) {
        CommandLine cl = commandLine();
        try {
            cl.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            // the run reports it; an option seen before the problem still counts
        }
        return ((FanoutCommand) cl.getCommand()).verbose();
    }

    private static void logVerbosely() {
        setUnlessGiven("org.slf4j.simpleLogger.log.dev.fanout", VERBOSE_FANOUT_LEVEL);
        setUnlessGiven("org.slf4j.simpleLogger.log.com.clickhouse", VERBOSE_LIBRARY_LEVEL);
    }

    private static void setUnlessGiven(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
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
     * a message), not a stack trace — unless {@code --verbose} was given: then the stack trace, with its
     * causes, follows that line.
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
        if (verbose(commandLine)) {
            e.printStackTrace(commandLine.getErr());
        }
        commandLine.getErr().flush();
        return e instanceof ConfigurationProblem ? ExitCode.USAGE : ExitCode.FAILED;
    }

    private static boolean verbose(CommandLine commandLine) {
        CommandLine root = commandLine;
        while (root.getParent() != null) {
            root = root.getParent();
        }
        return root.getCommand() instanceof FanoutCommand fanout && fanout.verbose();
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || e instanceof Error ? WriterFailures.describe(e) : message;
    }
}
