package dev.fanout.cli;

import dev.fanout.api.Capability;
import dev.fanout.core.plugin.PluginCheck;
import dev.fanout.core.plugin.PluginInfo;
import dev.fanout.core.plugin.WriterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fanout plugins}: which writer schemes this installation has — per scheme the plugin's name,
 * version, the fanout API it was built for, what it can do, and its directory. With {@code --check},
 * {@link PluginCheck} of every plugin directory instead: one line per plugin, exit 0 when all pass
 * and 2 (a configuration error: the installation is incomplete) when one does not.
 */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = {"List the writer plugins found, by URI scheme: plugin, version, API version built for, capabilities, directory.",
                "Plugins are read from --plugin-dir, else $FANOUT_PLUGIN_DIR, else <fanout home>/plugins."})
final class PluginsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--check", description = "Check every plugin directory in its own class loader: every class of the plugin's jar "
            + "loads and its signatures resolve, and its writer opens, writes a row of every type, reads it back and closes on a local target it names "
            + "(a refused connection passes for a server's client). One line per plugin; exit 0 all ok, 2 if one failed.")
    private boolean check;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (check) {
            return check(out);
        }
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

    private Integer check(PrintWriter out) {
        Path root = InstalledPlugins.directory().orElseThrow(() -> new ConfigurationProblem("--check checks plugin directories, and "
                + "none is configured: run bin/fanout of an installation, or give --plugin-dir (or FANOUT_PLUGIN_DIR)"));
        if (!Files.isDirectory(root)) {
            throw new ConfigurationProblem("writer plugin directory " + root + " does not exist or is not a directory; point "
                    + "--plugin-dir (or FANOUT_PLUGIN_DIR) at the directory holding one directory per plugin");
        }
        PluginCheck.Report report;
        try {
            report = PluginCheck.checkAll(root);
        } catch (IOException e) {
            throw new ConfigurationProblem("cannot list writer plugin directory " + root + ": " + e.getMessage(), e);
        }
        if (report.plugins().isEmpty()) {
            throw new ConfigurationProblem("writer plugin directory " + root + " holds no plugin directory; put each plugin in "
                    + root + "/<name>/");
        }
        report.lines().forEach(out::println);
        out.flush();
        return report.ok() ? ExitCode.OK : ExitCode.USAGE;
    }

    private static String capabilities(PluginInfo p) {
        return p.capabilities().isEmpty() ? "-" : p.capabilities().stream().sorted().map(Capability::name)
                .map(c -> c.toLowerCase(Locale.ROOT).replace('_', ' ')).collect(Collectors.joining(", "));
    }
}
