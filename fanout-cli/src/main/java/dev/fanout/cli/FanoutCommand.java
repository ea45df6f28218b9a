package dev.fanout.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

/** The {@code fanout} command: subcommands only, and the options every one of them takes. */
@Command(name = "fanout", mixinStandardHelpOptions = true, versionProvider = FanoutVersion.class,
        description = "Route normalized frames to DuckDB, MotherDuck and ClickHouse with idempotent upserts.",
        subcommands = {ValidateCommand.class, PlanCommand.class, TablesCommand.class, ShowCommand.class, MigrateCommand.class, IngestCommand.class, DlqCommand.class, PluginsCommand.class, BenchCommand.class, CompletionCommand.class, VersionCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:everything committed / valid", "1:something failed (see the summary)", "2:usage or configuration error"})
final class FanoutCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    /** Overrides {@code $FANOUT_PLUGIN_DIR} and the installation's {@code plugins/}; see {@link InstalledPlugins}. */
    @Option(names = "--plugin-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "The writer plugins directory, one subdirectory per plugin (default: $FANOUT_PLUGIN_DIR, else the installation's plugins/).")
    void pluginDirectory(Path dir) {
        System.setProperty(InstalledPlugins.PROPERTY, dir.toAbsolutePath().normalize().toString());
    }

    private boolean verbose;

    /**
     * Read twice: by {@link Main} before logging starts (the log levels it implies), and on a failure
     * (the stack trace). Inherited, so it may stand before or after the subcommand.
     */
    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "On a failure, print the stack trace too; log each destination failure with its stack trace, "
                    + "fanout's debug lines and the client libraries' own warnings. Secrets stay masked.")
    void verbose(boolean on) {
        verbose = on;
    }

    /** Whether {@code --verbose} was given, before or after the subcommand. */
    boolean verbose() {
        return verbose;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
