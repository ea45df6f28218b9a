package dev.fanout.cli;

import picocli.CommandLine.Command;

/** The {@code fanout} command: subcommands only. */
@Command(name = "fanout", mixinStandardHelpOptions = true, versionProvider = FanoutVersion.class,
        description = "Route normalized frames to DuckDB, MotherDuck and ClickHouse with idempotent upserts.",
        subcommands = {ValidateCommand.class, PlanCommand.class, MigrateCommand.class, IngestCommand.class, DlqCommand.class, PluginsCommand.class, BenchCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:everything committed / valid", "1:something failed (see the summary)", "2:usage or configuration error"})
final class FanoutCommand implements Runnable {
    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
