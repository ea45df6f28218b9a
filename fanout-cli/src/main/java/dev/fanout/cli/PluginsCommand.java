package dev.fanout.cli;

import dev.fanout.api.Capability;
import dev.fanout.core.plugin.PluginInfo;
import dev.fanout.core.plugin.WriterRegistry;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code fanout plugins}: which writer schemes this installation has — per scheme the plugin's name,
 * version, the fanout API it was built for, what it can do, and its directory.
 */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = "List the writer plugins found, by URI scheme: plugin, version, API version built for, capabilities, directory. "
                + "Plugins are read from --plugin-dir, else $FANOUT_PLUGIN_DIR, else <fanout home>/plugins.")
final class PluginsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        WriterRegistry registry = InstalledPlugins.registry();
        out.println("writer plugins from " + InstalledPlugins.directory().map(Object::toString).orElse("the class path") + ":");
        TextTable table = new TextTable("scheme", "plugin", "version", "api", "capabilities", "directory", "description");
        for (PluginInfo p : registry.plugins()) {
            table.row(p.scheme(), p.plugin(), p.version(), p.apiVersion(), capabilities(p), p.directory(), p.description());
        }
        table.print(out);
        out.flush();
        return registry.plugins().isEmpty() ? ExitCode.FAILED : ExitCode.OK;
    }

    private static String capabilities(PluginInfo p) {
        return p.capabilities().isEmpty() ? "-" : p.capabilities().stream().sorted().map(Capability::name)
                .map(c -> c.toLowerCase(Locale.ROOT).replace('_', ' ')).collect(Collectors.joining(", "));
    }
}
