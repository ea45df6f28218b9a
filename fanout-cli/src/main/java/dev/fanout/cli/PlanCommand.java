package dev.fanout.cli;

import dev.fanout.api.Destination;
import dev.fanout.core.Fanout;
import dev.fanout.core.migrate.Migration;
import dev.fanout.core.migrate.MigrationPlan;
import dev.fanout.core.migrate.Move;
import dev.fanout.core.migrate.SourceCount;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.routing.RoutePlan;
import dev.fanout.core.topology.RouteMatch;
import dev.fanout.core.topology.RouteRule;
import dev.fanout.core.topology.Topology;
import dev.fanout.core.topology.TopologyException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code fanout plan FROM TO}: before a user switches producers from one topology to the next, which
 * tables (and date ranges of tables) would land somewhere else, so the stored rows that must follow
 * them are known. A destination "moves" when its physical target changes — also under the same name
 * with another URI — and not when it is only renamed. The tables are the same as {@code migrate}'s:
 * those the topologies name, and those stored at the sources that move. The rows of each moving part are counted at its
 * source, through the FROM writer's reader (a DuckDB file that does not exist counts 0 and is not
 * created); a source that cannot be opened or read gets the reason in its cell, and the plan still
 * exits 0. Nothing is written.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Show, per table and date-range part, where its rows go under FROM and under TO, and which move.",
                "Each moving part's rows are counted at its source; nothing is written."})
final class PlanCommand implements Callable<Integer> {

    private static final String NO_ROUTE = "(no route)";

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FROM", description = "The topology in use now.")
    private Path fromFile;

    @Parameters(index = "1", paramLabel = "TO", description = "The topology to switch to.")
    private Path toFile;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        WriterRegistry registry = InstalledPlugins.registry();
        Optional<Topology> from = check("FROM", fromFile, registry, err);
        Optional<Topology> to = check("TO", toFile, registry, err);
        if (from.isEmpty() || to.isEmpty()) {
            return ExitCode.USAGE;
        }
        Endpoints old = new Endpoints(from.get(), registry);
        Endpoints now = new Endpoints(to.get(), registry);
        Set<String> tables = new LinkedHashSet<>(MigrationPlan.namedTables(from.get(), to.get()));
        Map<String, Move> moves = new LinkedHashMap<>();
        TextTable table = new TextTable("table", "part", "from", "from uri", "to", "to uri", "change", "rows");
        int moving = 0;
        long rows = 0;
        boolean allCounted = true;
        try (Migration sources = Migration.between(from.get(), to.get(), registry, 1)) {
            for (Move m : sources.moves(List.of())) {
                tables.add(m.table());
                moves.put(m.table() + "\n" + m.rows(), m);
            }
            for (String name : tables) {
                for (RoutePlan.Change change : RoutePlan.compare(from.get(), to.get(), name)) {
                    Optional<Endpoint> a = change.from().map(old::of);
                    Optional<Endpoint> b = change.to().map(now::of);
                    String verdict = verdict(a, b);
                    moving += verdict.startsWith("moves") ? 1 : 0;
                    Move move = moves.get(name + "\n" + change.rows());
                    String count = "";
                    if (move != null) {
                        SourceCount c = sources.count(move);
                        rows += Math.max(0, c.rows());
                        allCounted &= c.unavailable().isEmpty();
                        count = MigrateCommand.rows(c);
                    }
                    table.row(name, change.rows(), a.map(Endpoint::name).orElse(NO_ROUTE), a.map(Endpoint::uri).orElse(""),
                            b.map(Endpoint::name).orElse(NO_ROUTE), b.map(Endpoint::uri).orElse(""), verdict, count);
                }
            }
        }
        table.print(out);
        out.printf("%n%d %s, %d %s%s%n", tables.size(), tables.size() == 1 ? "table" : "tables",
                moving, moving == 1 ? "part moves" : "parts move",
                moving == 0 ? "" : String.format(", %,d rows%s at the sources", rows, allCounted ? "" : " (not all counted)"));
        printChangedWideRules(out, from.get(), to.get(), old, now);
        out.flush();
        return ExitCode.OK;
    }

    /** {@code file} loaded and checked, or empty after printing why on {@code err}, naming the file and its role. */
    static Optional<Topology> check(String role, Path file, WriterRegistry registry, PrintWriter err) {
        try {
            return Optional.of(Fanout.check(file, registry));
        } catch (TopologyException e) {
            err.println(role + " topology " + file + " is invalid:");
            err.println(e.getMessage());
            err.flush();
            return Optional.empty();
        }
    }

    private static String verdict(Optional<Endpoint> from, Optional<Endpoint> to) {
        if (from.isEmpty()) {
            return to.isEmpty() ? "unchanged" : "new route";
        }
        if (to.isEmpty()) {
            return "refused by TO";
        }
        Endpoint a = from.get();
        Endpoint b = to.get();
        if (a.target().equals(b.target())) {
            return a.name().equals(b.name()) ? "unchanged" : "unchanged (renamed)";
        }
        if (!a.name().equals(b.name())) {
            return "moves";
        }
        return a.uri().equals(b.uri()) ? "moves (resolves elsewhere)" : "moves (uri changed)";
    }

    /**
     * The rules that reach rows no table line shows — table globs, domain rules, rules on every table,
     * the default — whose destination differs between the topologies, matched by their condition.
     */
    private static void printChangedWideRules(PrintWriter out, Topology from, Topology to, Endpoints old, Endpoints now) {
        Set<RouteMatch> matches = new LinkedHashSet<>();
        for (Topology t : new Topology[] {from, to}) {
            for (RouteRule rule : t.routes()) {
                RouteMatch m = rule.match();
                boolean wide = m.domain() != null || m.tableGlob() == null || m.tableGlob().indexOf('*') >= 0
                        || m.tableGlob().indexOf('?') >= 0;
                if (wide) {
                    matches.add(m);
                }
            }
        }
        TextTable changed = new TextTable("rule", "from", "from uri", "to", "to uri");
        int rows = 0;
        for (RouteMatch m : matches) {
            rows += changedRow(changed, m.toString(), firstRuleTo(from, m).map(old::of), firstRuleTo(to, m).map(now::of)) ? 1 : 0;
        }
        rows += changedRow(changed, "default", from.defaultDestination().map(old::of), to.defaultDestination().map(now::of)) ? 1 : 0;
        if (rows > 0) {
            out.println();
            out.println("Changed rules that also reach tables not listed above, or packets with a domain:");
            changed.print(out);
        }
    }

    private static Optional<String> firstRuleTo(Topology t, RouteMatch match) {
        return t.routes().stream().filter(r -> r.match().equals(match)).map(RouteRule::to).findFirst();
    }

    private static boolean changedRow(TextTable table, String rule, Optional<Endpoint> from, Optional<Endpoint> to) {
        if (from.map(Endpoint::target).equals(to.map(Endpoint::target))) {
            return false;
        }
        table.row(rule, from.map(Endpoint::name).orElse("(no rule)"), from.map(Endpoint::uri).orElse(""),
                to.map(Endpoint::name).orElse("(no rule)"), to.map(Endpoint::uri).orElse(""));
        return true;
    }

    /**
     * A destination as the plan shows it.
     *
     * @param uri    redacted, safe to print
     * @param target the plugin's physical target, prefixed with the scheme: equal targets hold the same rows
     */
    private record Endpoint(String name, String uri, String target) {
    }

    /** The destinations of one topology as endpoints, each worked out once. */
    private static final class Endpoints {
        private final Topology topology;
        private final WriterRegistry registry;
        private final Map<String, Endpoint> byName = new LinkedHashMap<>();

        Endpoints(Topology topology, WriterRegistry registry) {
            this.topology = topology;
            this.registry = registry;
        }

        Endpoint of(String name) {
            return byName.computeIfAbsent(name, n -> {
                Destination d = topology.destination(n, registry);
                String scheme = d.scheme();
                String target = registry.provider(scheme).map(p -> p.physicalTarget(d))
                        .orElseThrow(() -> new IllegalStateException("no writer plugin for scheme '" + scheme + "'"));
                return new Endpoint(n, d.redactedUri(), scheme + ":" + target);
            });
        }
    }
}
