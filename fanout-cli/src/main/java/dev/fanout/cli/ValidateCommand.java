package dev.fanout.cli;

import dev.fanout.core.Fanout;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.topology.Topology;
import dev.fanout.core.topology.TopologyException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code fanout validate TOPOLOGY}: every problem at once, with file:line:column, before any row moves. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a topology file: syntax, keys, routes, plugins, one writer per physical target.")
final class ValidateCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "TOPOLOGY", description = "The topology YAML file.")
    private Path topologyFile;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        WriterRegistry registry = WriterRegistry.fromClassLoader(Thread.currentThread().getContextClassLoader());
        Topology topology;
        try {
            topology = Fanout.check(topologyFile, registry);
        } catch (TopologyException e) {
            err.println(e.getMessage());
            err.flush();
            return ExitCode.USAGE;
        }
        out.printf("%s: valid (version %d%s): %d destinations, %d routes, %d tables configured%s%n",
                topologyFile, topology.version(), (topology.phase() == null ? "" : ", phase " + topology.phase()),
                topology.destinations().size(), topology.routes().size(), topology.tables().size(),
                topology.defaultDestination().map(d -> ", default " + d).orElse(", no default"));
        TextTable table = new TextTable("destination", "scheme", "uri");
        topology.destinations().values().forEach(d -> table.row(d.name(),
                registry.provider(schemeOf(d.uri())).map(p -> p.scheme()).orElse("?"),
                topology.destination(d.name(), registry.sensitiveOptions(schemeOf(d.uri()))).redactedUri()));
        table.print(out);
        return ExitCode.OK;
    }

    private static String schemeOf(String uri) {
        int colon = uri.indexOf(':');
        return colon < 0 ? "" : uri.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
    }
}
