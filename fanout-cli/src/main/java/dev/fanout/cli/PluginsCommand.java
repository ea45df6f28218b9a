package dev.fanout.cli;

import dev.fanout.core.plugin.WriterRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code fanout plugins}: which writer schemes this installation has, and the jar each came from. */
@Command(name = "plugins", mixinStandardHelpOptions = true, description = "List the writer plugins found, by URI scheme.")
final class PluginsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        WriterRegistry registry = WriterRegistry.fromClassLoader(Thread.currentThread().getContextClassLoader());
        TextTable table = new TextTable("scheme", "description", "provider", "jar");
        registry.plugins().forEach(p -> table.row(p.scheme(), p.description(), p.className(), p.location()));
        table.print(spec.commandLine().getOut());
        return registry.plugins().isEmpty() ? ExitCode.FAILED : ExitCode.OK;
    }
}
