package dev.fanout.cli;

import dev.fanout.core.migrate.StoredRows;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.topology.Topology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code fanout tables --topology T}: the rows each destination stores now, per table and date-range
 * part, so a user can check what an ingest or a migration left without a database client. Counted as
 * {@code fanout plan} counts ({@link StoredRows}): through each writer's reader, ClickHouse
 * {@code FINAL}, a DuckDB file that does not exist counts 0 and is not created. A destination that
 * cannot be read (its plugin cannot read, its file is locked by another process, its server does not
 * answer) does not hide the others: its cells say {@code unavailable}, a line per such destination on
 * standard error says why, and the command exits 2. No row is written (opening a ClickHouse
 * destination creates its database when it is missing, as its writer always does).
 */
@Command(name = "tables", mixinStandardHelpOptions = true,
        description = "Show the rows each destination stores now, per table and date-range part, read through the writers.")
final class TablesCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--topology", required = true, paramLabel = "FILE", description = "The topology whose destinations to read.")
    private Path topologyFile;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        WriterRegistry registry = InstalledPlugins.registry();
        Optional<Topology> topology = PlanCommand.check("topology", topologyFile, registry, err);
        if (topology.isEmpty()) {
            return ExitCode.USAGE;
        }
        Map<String, String> failed = new LinkedHashMap<>();
        TextTable table = new TextTable("table", "part", "destination", "rows");
        int tableCount;
        long rows = 0;
        try (StoredRows stored = StoredRows.of(topology.get(), registry)) {
            Set<String> tables = stored.tables();
            failed.putAll(stored.unreadable());
            tableCount = tables.size();
            for (String name : tables) {
                for (StoredRows.Part p : stored.parts(name)) {
                    p.count().unavailable().ifPresent(why -> failed.putIfAbsent(p.destination(), why));
                    rows += Math.max(0, p.count().rows());
                    String part = p.routed() ? p.rows().toString() : "all rows (not routed here)";
                    table.row(name, part, p.destination(), p.count().unavailable().isPresent() ? "unavailable" : String.format("%,d", p.count().rows()));
                }
            }
        }
        table.print(out);
        out.printf("%n%s, %s%s%n", Plural.of(tableCount, "table"), Plural.of(rows, "row"),
                failed.isEmpty() ? "" : " (" + Plural.of(failed.size(), "destination") + " could not be read)");
        out.flush();
        failed.forEach((destination, why) -> err.println(why.startsWith("destination " + destination + " ") || why.startsWith("destination " + destination + ":")
                ? why : "destination " + destination + ": " + why));
        err.flush();
        return failed.isEmpty() ? ExitCode.OK : ExitCode.USAGE;
    }
}
