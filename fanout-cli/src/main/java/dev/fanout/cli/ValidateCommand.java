package dev.fanout.cli;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import dev.fanout.core.TargetClaims;
import dev.fanout.core.WriterFailures;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.topology.Topology;
import dev.fanout.core.topology.TopologyException;
import dev.fanout.core.topology.TopologyValidator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.concurrent.Callable;

/**
 * {@code fanout validate [--connect] TOPOLOGY}: every problem at once, with file:line:column, before any
 * row moves. The checks are static; {@code --connect} then opens each destination's writer, asks it
 * for a round trip to its target ({@link BaseWriter#checkConnection()}) and closes it, so a locked
 * DuckDB file, a refused credential, a missing driver extension or a server that is down shows up
 * here rather than mid-ingest, and so do two destinations whose writers, once connected, name one
 * target ({@link BaseWriter#targetIdentity()}: one ClickHouse server under two host spellings) — also for writers that open without connecting, as ClickHouse's does
 * so that an outage during a run is retried and parked instead of stopping it. A plugin that cannot
 * load a class it needs is reported on its destination's line too. The static checks include the
 * identities the unopened writers tell (one DuckDB file under two names, a hard link:
 * {@link TopologyValidator#identityProblems}). Messages are masked like every
 * destination fanout prints.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a topology file: syntax, keys, routes, plugins and one writer per physical target.")
final class ValidateCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "TOPOLOGY", description = "The topology YAML file.")
    private Path topologyFile;

    @Option(names = "--connect", description = "After the checks, open each destination's writer, check that its target answers "
            + "(this connects to servers and creates DuckDB files that do not exist yet) and close it; report ok or the error per "
            + "destination; exit 2 if any fails.")
    private boolean connect;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        WriterRegistry registry = InstalledPlugins.registry();
        Topology topology;
        try {
            topology = new TopologyValidator(registry).checkWithIdentities(topologyFile, System::getenv);
        } catch (TopologyException e) {
            err.println(e.getMessage());
            err.flush();
            return ExitCode.USAGE;
        }
        out.printf("%s: valid (version %d%s): %s, %s, %s configured%s%n",
                topologyFile, topology.version(), (topology.phase() == null ? "" : ", phase " + topology.phase()),
                Plural.of(topology.destinations().size(), "destination"), Plural.of(topology.routes().size(), "route"),
                Plural.of(topology.tables().size(), "table"),
                topology.defaultDestination().map(d -> ", default " + d).orElse(", no default"));
        TextTable table = new TextTable("destination", "scheme", "uri");
        topology.destinations().keySet().forEach(name -> {
            Destination d = topology.destination(name, registry);
            table.row(name, registry.provider(d.scheme()).map(p -> p.scheme()).orElse("?"), d.redactedUri());
        });
        table.print(out);
        return connect ? connectEach(topology, registry, out, err) : ExitCode.OK;
    }

    private static int connectEach(Topology topology, WriterRegistry registry, PrintWriter out, PrintWriter err) {
        out.println();
        out.println("connecting:");
        int failed = 0;
        Map<String, String> holders = new HashMap<>();
        for (String name : topology.destinations().keySet()) {
            Destination destination = topology.destination(name, registry);
            String problem = connectionProblem(registry.provider(destination.scheme()).orElseThrow(), destination, holders);
            out.println("  " + name + ": " + (problem == null ? "ok" : problem));
            out.flush();
            failed += problem == null ? 0 : 1;
        }
        if (failed > 0) {
            err.printf("%d of %s could not be opened%n", failed, Plural.of(topology.destinations().size(), "destination"));
            err.flush();
            return ExitCode.USAGE;
        }
        return ExitCode.OK;
    }

    /**
     * Null when the writer opened, passed {@link BaseWriter#checkConnection()}, told a
     * {@link BaseWriter#targetIdentity() target identity} no earlier destination told (kept in
     * {@code holders}: identity → destination) and closed; else why not, masked, e.g.
     * {@code failed (permanent): ...}, {@code failed: class ... is missing ...} or
     * {@code failed: destinations 'a' and 'b' are one ClickHouse database ...}: what the plugin throws,
     * a {@link LinkageError} too, is this destination's line, not the end of the command.
     */
    private static String connectionProblem(WriterProvider provider, Destination destination, Map<String, String> holders) {
        try (BaseWriter writer = provider.create(destination)) {
            writer.open();
            writer.checkConnection();
            Optional<String> identity = writer.targetIdentity();
            if (identity.isPresent()) {
                String first = holders.putIfAbsent(identity.get(), destination.name());
                if (first != null) {
                    return "failed: " + withoutNamePrefix(TargetClaims.refusal(first, destination.name(), identity.get()), destination);
                }
            }
            return null;
        } catch (WriteException e) {
            return "failed (" + (e.retryable() ? "retryable" : "permanent") + "): " + withoutNamePrefix(e.getMessage(), destination);
        } catch (RuntimeException | LinkageError | ServiceConfigurationError e) {
            return "failed: " + withoutNamePrefix(WriterFailures.describe(e), destination);
        }
    }

    /** The masked {@code message}, without a leading "destination NAME: " the report line already shows. */
    private static String withoutNamePrefix(String message, Destination destination) {
        String masked = TopologyValidator.redact(message, destination);
        String prefix = "destination " + destination.name() + ": ";
        return masked.startsWith(prefix) ? masked.substring(prefix.length()) : masked;
    }
}
