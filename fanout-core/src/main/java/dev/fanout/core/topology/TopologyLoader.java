package dev.fanout.core.topology;

import dev.fanout.core.dispatch.BatchPolicy;
import dev.fanout.core.dispatch.CircuitPolicy;
import dev.fanout.core.dispatch.RetryPolicy;
import dev.fanout.core.flow.FlowLimits;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a topology YAML file into a {@link Topology}.
 *
 * <p>Checks everything that can be checked without plugins and reports <em>all</em> problems at
 * once in a {@link TopologyException}, each located at {@code file:line:column}: unknown keys,
 * missing or wrong values, references to undefined destinations, inconsistent ranges, bad numbers
 * and durations, YAML syntax errors. {@code ${VAR}} and {@code ${VAR:-default}} are substituted in
 * every value (not in keys) from the given environment. Messages never print option values.
 */
public final class TopologyLoader {

    private static final List<String> TOP_KEYS =
            List.of("version", "phase", "destinations", "routes", "default", "tables", "batch", "retry", "circuit", "dlq", "flow", "metrics");
    private static final List<String> DESTINATION_KEYS = List.of("uri", "options");
    private static final List<String> ROUTE_KEYS = List.of("match", "to");
    private static final List<String> MATCH_KEYS = List.of("table", "domain", "column", "before", "from");
    private static final List<String> TABLE_KEYS = List.of("primary_key", "version_column", "options");
    private static final List<String> BATCH_KEYS = List.of("max_rows", "max_age");
    private static final List<String> RETRY_KEYS = List.of("max_attempts", "initial_backoff", "max_backoff");
    private static final List<String> CIRCUIT_KEYS = List.of("failure_threshold", "open_for");
    private static final List<String> DLQ_KEYS = List.of("path");
    private static final List<String> METRICS_KEYS = List.of("prometheus", "jmx", "csv", "log", "window");
    private static final List<String> CSV_KEYS = List.of("directory", "period");
    private static final List<String> LOG_KEYS = List.of("period");
    private static final Duration DEFAULT_REPORT_PERIOD = Duration.ofSeconds(10);
    private static final List<String> FLOW_KEYS = List.of("max_in_flight_rows", "max_in_flight_bytes",
            "max_in_flight_rows_per_destination", "max_in_flight_bytes_per_destination", "rate_limit_rows_per_s", "when_full");

    private TopologyLoader() {
    }

    /** Loads {@code file}, substituting variables from the process environment. */
    public static Topology load(Path file) {
        return load(file, System::getenv);
    }

    /**
     * Loads {@code file}, substituting variables from {@code environment} (null means unset).
     *
     * @throws TopologyException listing every problem, also when the file cannot be read
     */
    public static Topology load(Path file, Function<String, String> environment) {
        return read(file, environment).orThrow();
    }

    /**
     * Reads {@code file} without throwing: the topology when it has no problem, every problem found
     * otherwise, and the destinations whose {@code uri} and options could be read even when the
     * topology as a whole cannot be built, so that {@link TopologyValidator#check} can put the plugins'
     * verdict on them in the same report.
     */
    public static Loaded read(Path file, Function<String, String> environment) {
        Objects.requireNonNull(file, "file is null");
        Objects.requireNonNull(environment, "environment is null");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return new Loaded(file, Optional.empty(), List.of(), List.of(new Problem(SourceLocation.startOf(file),
                    "cannot read the topology file: " + describe(e))));
        }
        return new Run(file, environment).read(text);
    }

    /**
     * What one read of a topology file found.
     *
     * @param file         the file as given
     * @param topology     present exactly when {@code problems} is empty
     * @param destinations every destination whose {@code uri} and options were read, in file order,
     *                     also those of a topology with problems (an unknown key next to its
     *                     {@code uri} does not hide it)
     * @param problems     in file order
     */
    public record Loaded(Path file, Optional<Topology> topology, List<DestinationSpec> destinations, List<Problem> problems) {
        public Loaded {
            Objects.requireNonNull(file, "file is null");
            Objects.requireNonNull(topology, "topology is null");
            destinations = List.copyOf(destinations);
            problems = problems.stream().sorted(Problem.FILE_ORDER).toList();
        }

        /**
         * The topology.
         *
         * @throws TopologyException listing every problem, when there are any
         */
        public Topology orThrow() {
            if (!problems.isEmpty()) {
                throw new TopologyException(problems);
            }
            return topology.orElseThrow();
        }
    }

    /**
     * Parses {@code yaml} as if read from {@code file}: locations name {@code file} and relative
     * paths resolve against its directory.
     *
     * @throws TopologyException listing every problem
     */
    public static Topology parse(String yaml, Path file, Function<String, String> environment) {
        Objects.requireNonNull(yaml, "yaml is null");
        Objects.requireNonNull(file, "file is null");
        Objects.requireNonNull(environment, "environment is null");
        return new Run(file, environment).read(yaml).orThrow();
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file; check the path";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied; check the file's permissions";
        }
        if (e instanceof CharacterCodingException) {
            return "not UTF-8 text; save it as UTF-8";
        }
        return e.toString();
    }

    /** One load: the file, the environment and the problems found so far. */
    private static final class Run {
        private final Path file;
        private final Function<String, String> environment;
        private final List<Problem> problems = new ArrayList<>();
        private final Set<String> destinationNames = new LinkedHashSet<>();
        /** Destinations whose uri and options were read, whatever else is wrong: for the plugins' checks. */
        private final List<DestinationSpec> readable = new ArrayList<>();

        Run(Path file, Function<String, String> environment) {
            this.file = file;
            this.environment = environment;
        }

        Loaded read(String yaml) {
            YamlNode root = YamlReader.read(yaml, file, environment, problems);
            YamlNode.Mapping top = root == null ? null : mapping(root, "the topology", TOP_KEYS,
                    "version: 1 followed by destinations, routes, ...");
            if (top == null) {
                return new Loaded(file, Optional.empty(), List.of(), problems);
            }
            version(top);
            String phase = optionalText(top, "phase", "phase");
            Map<String, DestinationSpec> destinations = destinations(top);
            List<RouteRule> routes = routes(top);
            Optional<String> defaultDestination = defaultDestination(top);
            if (!top.entries().containsKey("routes") && !top.entries().containsKey("default")) {
                problem(top.where(), "no 'routes' and no 'default': nothing can be routed; add routes or a default destination");
            }
            Map<String, TableSpec> tables = tables(top);
            BatchPolicy batch = batch(top);
            RetryPolicy retry = retry(top);
            CircuitPolicy circuit = circuit(top);
            Optional<Path> dlq = dlq(top);
            Optional<FlowLimits> flow = flow(top);
            MetricsSpec metrics = metrics(top);
            if (!problems.isEmpty()) {
                return new Loaded(file, Optional.empty(), readable, problems);
            }
            return new Loaded(file, Optional.of(new Topology(file, 1, phase, destinations, routes, defaultDestination, tables,
                    batch, retry, circuit, dlq, flow, metrics)), readable, problems);
        }

        private void version(YamlNode.Mapping top) {
            YamlNode.Entry e = top.entries().get("version");
            if (e == null) {
                problem(top.where(), "missing 'version'; start the file with 'version: 1'");
                return;
            }
            String v = text(e.value(), "version");
            if (v != null && !v.trim().equals("1")) {
                problem(e.value().where(), "unsupported version '" + v + "'; this fanout reads version 1");
            }
        }

        private Map<String, DestinationSpec> destinations(YamlNode.Mapping top) {
            Map<String, DestinationSpec> result = new LinkedHashMap<>();
            YamlNode.Entry section = top.entries().get("destinations");
            String none = "no destinations defined; add one, e.g. destinations: { main: { uri: \"duckdb:data/main.duckdb\" } }";
            if (section == null) {
                problem(top.where(), none);
                return result;
            }
            if (isNull(section.value())) {
                problem(section.keyWhere(), none);
                return result;
            }
            YamlNode.Mapping m = mapping(section.value(), "destinations", null, "{ main: { uri: \"duckdb:data/main.duckdb\" } }");
            if (m == null) {
                return result;
            }
            if (m.entries().isEmpty()) {
                problem(section.keyWhere(), none);
                return result;
            }
            destinationNames.addAll(m.entries().keySet());
            for (YamlNode.Entry d : m.entries().values()) {
                DestinationSpec spec = destination(d);
                if (spec != null) {
                    result.put(spec.name(), spec);
                }
            }
            return result;
        }

        private DestinationSpec destination(YamlNode.Entry d) {
            String name = d.key();
            String section = "destinations." + name;
            String missingUri = "destination '" + name + "' has no 'uri'; write " + name
                    + ": { uri: \"scheme:target\" }, e.g. uri: \"duckdb:data/" + name + ".duckdb\"";
            if (isNull(d.value())) {
                problem(d.keyWhere(), missingUri);
                return null;
            }
            YamlNode.Mapping m = mapping(d.value(), section, DESTINATION_KEYS, "{ uri: \"duckdb:data/" + name + ".duckdb\" }");
            if (m == null) {
                return null;
            }
            int before = problems.size();
            String uri = null;
            YamlNode.Entry u = m.entries().get("uri");
            if (u == null) {
                problem(d.keyWhere(), missingUri);
            } else {
                uri = text(u.value(), section + ".uri");
            }
            Map<String, String> options = new LinkedHashMap<>();
            boolean optionsRead = true;
            YamlNode.Entry o = m.entries().get("options");
            if (o != null && !isNull(o.value())) {
                YamlNode.Mapping om = mapping(o.value(), section + ".options", null, "{ user: default }");
                optionsRead = om != null;
                if (om != null) {
                    for (YamlNode.Entry opt : om.entries().values()) {
                        if (opt.value() instanceof YamlNode.Scalar s) {
                            options.put(opt.key(), s.text() == null ? "" : s.text());
                            optionsRead &= !s.failed();
                        } else {
                            optionsRead = false;
                            problem(opt.value().where(), "option '" + opt.key() + "' of destination '" + name
                                    + "' must be a single value, found " + opt.value().kind());
                        }
                    }
                }
            }
            if (uri == null) {
                return null;
            }
            DestinationSpec spec = new DestinationSpec(name, uri, options, d.keyWhere());
            if (optionsRead) {
                readable.add(spec);
            }
            return problems.size() == before ? spec : null;
        }

        private List<RouteRule> routes(YamlNode.Mapping top) {
            List<RouteRule> result = new ArrayList<>();
            YamlNode.Entry section = top.entries().get("routes");
            if (section == null || isNull(section.value())) {
                return result;
            }
            if (!(section.value() instanceof YamlNode.Sequence seq)) {
                if (!failed(section.value())) {
                    problem(section.value().where(), "routes must be a list of { match: { table: name }, to: destination }; found "
                            + section.value().kind());
                }
                return result;
            }
            for (int i = 0; i < seq.items().size(); i++) {
                RouteRule rule = route(seq.items().get(i), "routes[" + i + "]");
                if (rule != null) {
                    result.add(rule);
                }
            }
            return result;
        }

        private RouteRule route(YamlNode item, String section) {
            YamlNode.Mapping m = mapping(item, section, ROUTE_KEYS, "{ match: { table: name }, to: destination }");
            if (m == null) {
                return null;
            }
            int before = problems.size();
            YamlNode.Entry matchEntry = m.entries().get("match");
            RouteMatch match = null;
            if (matchEntry == null) {
                problem(m.where(), section + " has no 'match'; add match: { table: name } (or domain, or a column range)");
            } else {
                match = match(matchEntry, section + ".match");
            }
            YamlNode.Entry toEntry = m.entries().get("to");
            String to = null;
            if (toEntry == null) {
                problem(m.where(), section + " has no 'to'; name the destination its rows go to");
            } else {
                to = text(toEntry.value(), section + ".to");
                if (to != null && !destinationNames.contains(to)) {
                    problem(toEntry.value().where(), "route to undefined destination '" + to + "'; defined destinations: "
                            + definedDestinations());
                }
            }
            return problems.size() == before && match != null && to != null ? new RouteRule(match, to, m.where()) : null;
        }

        private RouteMatch match(YamlNode.Entry entry, String section) {
            if (isNull(entry.value())) {
                problem(entry.keyWhere(), section + " has no criteria; give table, domain, or column with before/from");
                return null;
            }
            YamlNode.Mapping m = mapping(entry.value(), section, MATCH_KEYS, "{ table: trades }");
            if (m == null) {
                return null;
            }
            int before = problems.size();
            String table = optionalText(m, "table", section + ".table");
            String domain = optionalText(m, "domain", section + ".domain");
            String column = optionalText(m, "column", section + ".column");
            RangeBound upper = bound(m, "before", section);
            RangeBound lower = bound(m, "from", section);
            Map<String, YamlNode.Entry> e = m.entries();
            if (MATCH_KEYS.stream().noneMatch(e::containsKey)) {
                problem(m.where(), section + " has no criteria; give table, domain, or column with before/from");
            }
            if (!e.containsKey("column")) {
                for (String bound : List.of("before", "from")) {
                    if (e.containsKey(bound)) {
                        problem(e.get(bound).keyWhere(), "'" + bound + "' needs 'column' naming the date or timestamp"
                                + " column it bounds; add column: <name> to this match");
                    }
                }
            } else if (!e.containsKey("before") && !e.containsKey("from")) {
                problem(e.get("column").keyWhere(), "'column' needs a bound: add before: <date> (rows with "
                        + "column < date), from: <date> (rows with column >= date), or both");
            }
            if (upper != null && lower != null && lower.compareTo(upper) >= 0) {
                problem(e.get("from").value().where(), "empty range: 'from' " + lower + " is not before 'before' " + upper
                        + "; no row could match, so make 'from' earlier than 'before'");
            }
            if (problems.size() != before) {
                return null;
            }
            return new RouteMatch(table, domain, column, upper, lower);
        }

        private RangeBound bound(YamlNode.Mapping m, String key, String section) {
            String text = optionalText(m, key, section + "." + key);
            if (text == null) {
                return null;
            }
            try {
                return RangeBound.parse(text);
            } catch (IllegalArgumentException ex) {
                problem(m.entries().get(key).value().where(), section + "." + key + ": " + ex.getMessage());
                return null;
            }
        }

        private Optional<String> defaultDestination(YamlNode.Mapping top) {
            YamlNode.Entry e = top.entries().get("default");
            if (e == null) {
                return Optional.empty();
            }
            String name = text(e.value(), "default");
            if (name != null && !destinationNames.contains(name)) {
                problem(e.value().where(), "default destination '" + name + "' is not defined; defined destinations: "
                        + definedDestinations());
            }
            return Optional.ofNullable(name);
        }

        private Map<String, TableSpec> tables(YamlNode.Mapping top) {
            Map<String, TableSpec> result = new LinkedHashMap<>();
            YamlNode.Entry section = top.entries().get("tables");
            if (section == null || isNull(section.value())) {
                return result;
            }
            YamlNode.Mapping m = mapping(section.value(), "tables", null, "{ trades: { primary_key: [trade_id] } }");
            if (m == null) {
                return result;
            }
            for (YamlNode.Entry t : m.entries().values()) {
                TableSpec spec = table(t);
                if (spec != null) {
                    result.put(t.key(), spec);
                }
            }
            return result;
        }

        private TableSpec table(YamlNode.Entry t) {
            String section = "tables." + t.key();
            String missingKey = "table '" + t.key() + "' has no 'primary_key'; add primary_key: [column, ...]";
            if (isNull(t.value())) {
                problem(t.keyWhere(), missingKey);
                return null;
            }
            YamlNode.Mapping m = mapping(t.value(), section, TABLE_KEYS, "{ primary_key: [id] }");
            if (m == null) {
                return null;
            }
            int before = problems.size();
            List<String> key = new ArrayList<>();
            YamlNode.Entry pk = m.entries().get("primary_key");
            if (pk == null) {
                problem(t.keyWhere(), missingKey);
            } else if (pk.value() instanceof YamlNode.Sequence seq) {
                if (seq.items().isEmpty()) {
                    problem(seq.where(), "primary_key of table '" + t.key() + "' is empty; name at least one column");
                }
                for (YamlNode item : seq.items()) {
                    String column = text(item, section + ".primary_key");
                    if (column != null && key.contains(column)) {
                        problem(item.where(), "column '" + column + "' appears twice in primary_key of table '" + t.key() + "'");
                    } else if (column != null) {
                        key.add(column);
                    }
                }
            } else if (!failed(pk.value())) {
                problem(pk.value().where(), "primary_key of table '" + t.key() + "' must be a list of columns, e.g. [id]; found "
                        + pk.value().kind());
            }
            String versionColumn = optionalText(m, "version_column", section + ".version_column");
            Map<String, String> options = new LinkedHashMap<>();
            YamlNode.Entry o = m.entries().get("options");
            if (o != null && !isNull(o.value())) {
                YamlNode.Mapping om = mapping(o.value(), section + ".options", null, "{ partition_by: \"toYYYYMM(day)\" }");
                if (om != null) {
                    for (YamlNode.Entry opt : om.entries().values()) {
                        if (opt.value() instanceof YamlNode.Scalar s) {
                            options.put(opt.key(), s.text() == null ? "" : s.text());
                        } else {
                            problem(opt.value().where(), "option '" + opt.key() + "' of table '" + t.key()
                                    + "' must be a single value, found " + opt.value().kind());
                        }
                    }
                }
            }
            return problems.size() == before ? new TableSpec(key, Optional.ofNullable(versionColumn), options) : null;
        }

        private BatchPolicy batch(YamlNode.Mapping top) {
            YamlNode.Mapping m = section(top, "batch", BATCH_KEYS, "{ max_rows: 50000, max_age: 200ms }");
            if (m == null) {
                return BatchPolicy.DEFAULT;
            }
            int before = problems.size();
            int maxRows = integer(m, "max_rows", "batch.max_rows", 1, BatchPolicy.DEFAULT.maxRows());
            Duration maxAge = duration(m, "max_age", "batch.max_age", BatchPolicy.DEFAULT.maxAge());
            return problems.size() == before ? new BatchPolicy(maxRows, maxAge) : BatchPolicy.DEFAULT;
        }

        private RetryPolicy retry(YamlNode.Mapping top) {
            YamlNode.Mapping m = section(top, "retry", RETRY_KEYS, "{ max_attempts: 6, initial_backoff: 100ms, max_backoff: 10s }");
            if (m == null) {
                return RetryPolicy.DEFAULT;
            }
            int before = problems.size();
            int attempts = integer(m, "max_attempts", "retry.max_attempts", 1, RetryPolicy.DEFAULT.maxAttempts());
            Duration initial = duration(m, "initial_backoff", "retry.initial_backoff", RetryPolicy.DEFAULT.initialBackoff());
            Duration max = duration(m, "max_backoff", "retry.max_backoff", RetryPolicy.DEFAULT.maxBackoff());
            if (problems.size() == before && max.compareTo(initial) < 0) {
                YamlNode.Entry at = m.entries().containsKey("max_backoff") ? m.entries().get("max_backoff")
                        : m.entries().get("initial_backoff");
                problem(at.value().where(), "retry.initial_backoff must not exceed retry.max_backoff"
                        + (m.entries().containsKey("max_backoff") ? "" : " (default " + RetryPolicy.DEFAULT.maxBackoff().toSeconds() + "s)")
                        + "; raise max_backoff or lower initial_backoff");
            }
            return problems.size() == before ? new RetryPolicy(attempts, initial, max) : RetryPolicy.DEFAULT;
        }

        private CircuitPolicy circuit(YamlNode.Mapping top) {
            YamlNode.Mapping m = section(top, "circuit", CIRCUIT_KEYS, "{ failure_threshold: 5, open_for: 30s }");
            if (m == null) {
                return CircuitPolicy.DEFAULT;
            }
            int before = problems.size();
            int threshold = integer(m, "failure_threshold", "circuit.failure_threshold", 1,
                    CircuitPolicy.DEFAULT.failureThreshold());
            int beforeOpenFor = problems.size();
            Duration openFor = duration(m, "open_for", "circuit.open_for", CircuitPolicy.DEFAULT.openFor());
            if (problems.size() == beforeOpenFor && openFor.isZero()) {
                problem(m.entries().get("open_for").value().where(), "circuit.open_for must be positive; give the "
                        + "destination time to recover, e.g. 30s");
            }
            return problems.size() == before ? new CircuitPolicy(threshold, openFor) : CircuitPolicy.DEFAULT;
        }

        private Optional<Path> dlq(YamlNode.Mapping top) {
            YamlNode.Mapping m = section(top, "dlq", DLQ_KEYS, "{ path: data/dlq }");
            if (m == null) {
                return Optional.empty();
            }
            YamlNode.Entry p = m.entries().get("path");
            if (p == null) {
                problem(top.entries().get("dlq").keyWhere(), "dlq has no 'path'; add path: data/dlq");
                return Optional.empty();
            }
            return relativePath(p, "dlq.path");
        }

        private Optional<FlowLimits> flow(YamlNode.Mapping top) {
            YamlNode.Mapping m = section(top, "flow", FLOW_KEYS,
                    "{ max_in_flight_rows: 1000000, max_in_flight_rows_per_destination: 250000, when_full: block }");
            if (m == null) {
                return Optional.empty();
            }
            int before = problems.size();
            long rows = count(m, "max_in_flight_rows", "flow.max_in_flight_rows");
            long bytes = count(m, "max_in_flight_bytes", "flow.max_in_flight_bytes");
            long rowsPerDestination = count(m, "max_in_flight_rows_per_destination", "flow.max_in_flight_rows_per_destination");
            long bytesPerDestination = count(m, "max_in_flight_bytes_per_destination", "flow.max_in_flight_bytes_per_destination");
            double rate = 0;
            YamlNode.Entry r = m.entries().get("rate_limit_rows_per_s");
            String rateText = r == null ? null : text(r.value(), "flow.rate_limit_rows_per_s");
            if (rateText != null) {
                try {
                    rate = Double.parseDouble(rateText.trim().replace("_", ""));
                    if (!(rate >= 0) || Double.isInfinite(rate)) {
                        problem(r.value().where(), "flow.rate_limit_rows_per_s must be a finite number of at least 0 "
                                + "(0: no rate limit), got " + rateText);
                    }
                } catch (NumberFormatException ex) {
                    problem(r.value().where(), "bad number '" + rateText + "' for flow.rate_limit_rows_per_s; write rows "
                            + "per second like 50000 (0: no rate limit)");
                }
            }
            FlowLimits.WhenFull whenFull = FlowLimits.WhenFull.BLOCK;
            YamlNode.Entry w = m.entries().get("when_full");
            String policy = w == null ? null : text(w.value(), "flow.when_full");
            if (policy != null) {
                switch (policy.trim()) {
                    case "block" -> whenFull = FlowLimits.WhenFull.BLOCK;
                    case "reject" -> whenFull = FlowLimits.WhenFull.REJECT;
                    default -> problem(w.value().where(), "unknown flow.when_full '" + policy
                            + "'; expected block (submit waits) or reject (submit fails fast)");
                }
            }
            if (problems.size() != before) {
                return Optional.empty();
            }
            return Optional.of(new FlowLimits(rows, bytes, rowsPerDestination, bytesPerDestination, rate, whenFull));
        }

        private MetricsSpec metrics(YamlNode.Mapping top) {
            YamlNode.Mapping m = section(top, "metrics", METRICS_KEYS, "{ prometheus: \"127.0.0.1:9464\" }");
            if (m == null) {
                return MetricsSpec.NONE;
            }
            Optional<PrometheusEndpoint> prometheus = prometheus(m);
            Optional<String> jmx = jmx(m);
            Optional<MetricsSpec.CsvReport> csv = Optional.empty();
            YamlNode.Entry c = m.entries().get("csv");
            if (c != null && !isNull(c.value())) {
                YamlNode.Mapping cm = mapping(c.value(), "metrics.csv", CSV_KEYS, "{ directory: data/metrics, period: 10s }");
                if (cm != null) {
                    YamlNode.Entry d = cm.entries().get("directory");
                    Duration period = positive(cm, "period", "metrics.csv.period", DEFAULT_REPORT_PERIOD);
                    if (d == null) {
                        problem(c.keyWhere(), "metrics.csv has no 'directory'; add directory: data/metrics");
                    } else {
                        Optional<Path> dir = relativePath(d, "metrics.csv.directory");
                        csv = dir.map(path -> new MetricsSpec.CsvReport(path, period));
                    }
                }
            }
            Optional<Duration> log = Optional.empty();
            YamlNode.Entry l = m.entries().get("log");
            if (l != null && !isNull(l.value())) {
                YamlNode.Mapping lm = mapping(l.value(), "metrics.log", LOG_KEYS, "{ period: 30s }");
                if (lm != null) {
                    log = Optional.of(positive(lm, "period", "metrics.log.period", DEFAULT_REPORT_PERIOD));
                }
            }
            Duration window = positive(m, "window", "metrics.window", MetricsSpec.NONE.window());
            return new MetricsSpec(prometheus, jmx, csv, log, window);
        }

        /** {@code metrics.jmx}: {@code true} (domain {@code fanout}), {@code false}, or a domain name. */
        private Optional<String> jmx(YamlNode.Mapping m) {
            YamlNode.Entry e = m.entries().get("jmx");
            if (e == null || isNull(e.value())) {
                return Optional.empty();
            }
            String text = text(e.value(), "metrics.jmx");
            if (text == null) {
                return Optional.empty();
            }
            String value = text.trim();
            if (value.equals("true")) {
                return Optional.of(MetricsSpec.DEFAULT_JMX_DOMAIN);
            }
            if (value.equals("false")) {
                return Optional.empty();
            }
            if (!value.matches("[A-Za-z0-9_.-]+")) {
                problem(e.value().where(), "bad metrics.jmx '" + text + "'; write true, false, or a JMX domain like "
                        + "fanout.ingest (letters, digits, '_', '.', '-')");
                return Optional.empty();
            }
            return Optional.of(value);
        }

        /** A duration above zero; {@code fallback} when absent or bad, with a problem recorded when bad. */
        private Duration positive(YamlNode.Mapping m, String key, String what, Duration fallback) {
            Duration d = duration(m, key, what, fallback);
            if (d.isZero() || d.isNegative()) {
                problem(m.entries().get(key).value().where(), what + " must be above zero, like " + fallback.toSeconds() + "s");
                return fallback;
            }
            return d;
        }

        /** A path relative to the topology file's directory, made absolute. */
        private Optional<Path> relativePath(YamlNode.Entry e, String what) {
            String text = text(e.value(), what);
            if (text == null) {
                return Optional.empty();
            }
            try {
                Path base = file.toAbsolutePath().normalize().getParent();
                return Optional.of((base == null ? Path.of(text).toAbsolutePath() : base.resolve(text)).normalize());
            } catch (InvalidPathException ex) {
                problem(e.value().where(), what + " is not a valid path: " + ex.getReason());
                return Optional.empty();
            }
        }

        /**
         * {@code metrics.prometheus}: {@code host:port}, {@code [ipv6]:port}, or a port alone (bound on
         * {@link PrometheusEndpoint#DEFAULT_HOST}); port 0 binds an ephemeral port.
         */
        private Optional<PrometheusEndpoint> prometheus(YamlNode.Mapping m) {
            YamlNode.Entry e = m.entries().get("prometheus");
            if (e == null || isNull(e.value())) {
                return Optional.empty();
            }
            String text = text(e.value(), "metrics.prometheus");
            if (text == null) {
                return Optional.empty();
            }
            String value = text.trim();
            String host = PrometheusEndpoint.DEFAULT_HOST;
            String port = value;
            if (value.startsWith("[")) {
                int close = value.indexOf("]:");
                if (close < 0) {
                    problem(e.value().where(), "bad metrics.prometheus '" + text + "'; write an IPv6 address as [::1]:9464");
                    return Optional.empty();
                }
                host = value.substring(1, close);
                port = value.substring(close + 2);
            } else if (value.indexOf(':') >= 0) {
                int colon = value.lastIndexOf(':');
                if (value.indexOf(':') != colon) {
                    problem(e.value().where(), "bad metrics.prometheus '" + text + "'; write an IPv6 address in brackets, "
                            + "like [::1]:9464");
                    return Optional.empty();
                }
                host = value.substring(0, colon).trim();
                port = value.substring(colon + 1);
            }
            if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
                problem(e.value().where(), "bad host in metrics.prometheus '" + text + "'; write host:port like "
                        + "127.0.0.1:9464, or a port alone for loopback");
                return Optional.empty();
            }
            int n;
            try {
                n = Integer.parseInt(port.trim());
            } catch (NumberFormatException ex) {
                problem(e.value().where(), "bad port in metrics.prometheus '" + text + "'; write host:port like "
                        + "127.0.0.1:9464, or a port alone for loopback");
                return Optional.empty();
            }
            if (n < 0 || n > 65535) {
                problem(e.value().where(), "metrics.prometheus port must be 0 to 65535 (0: any free port), got " + n);
                return Optional.empty();
            }
            return Optional.of(new PrometheusEndpoint(host, n));
        }

        /** A whole number of at least 0 (0: unlimited); 0 when absent or bad, with a problem recorded when bad. */
        private long count(YamlNode.Mapping m, String key, String what) {
            YamlNode.Entry e = m.entries().get(key);
            String text = e == null ? null : text(e.value(), what);
            if (text == null) {
                return 0;
            }
            try {
                long n = Long.parseLong(text.trim().replace("_", ""));
                if (n < 0) {
                    problem(e.value().where(), what + " must be at least 0 (0: unlimited), got " + n);
                    return 0;
                }
                return n;
            } catch (NumberFormatException ex) {
                problem(e.value().where(), "bad number '" + text + "' for " + what + "; write a whole number like 100000"
                        + " (0: unlimited)");
                return 0;
            }
        }

        /** A top-level section that is a mapping, or null when absent, empty or already reported. */
        private YamlNode.Mapping section(YamlNode.Mapping top, String key, List<String> keys, String example) {
            YamlNode.Entry e = top.entries().get(key);
            if (e == null || isNull(e.value())) {
                return null;
            }
            return mapping(e.value(), key, keys, example);
        }

        private int integer(YamlNode.Mapping m, String key, String what, int min, int fallback) {
            YamlNode.Entry e = m.entries().get(key);
            if (e == null) {
                return fallback;
            }
            String text = text(e.value(), what);
            if (text == null) {
                return fallback;
            }
            try {
                int n = Integer.parseInt(text.trim().replace("_", ""));
                if (n < min) {
                    problem(e.value().where(), what + " must be at least " + min + ", got " + n);
                    return fallback;
                }
                return n;
            } catch (NumberFormatException ex) {
                problem(e.value().where(), "bad number '" + text + "' for " + what + "; write a whole number like " + fallback);
                return fallback;
            }
        }

        private Duration duration(YamlNode.Mapping m, String key, String what, Duration fallback) {
            YamlNode.Entry e = m.entries().get(key);
            if (e == null) {
                return fallback;
            }
            String text = text(e.value(), what);
            if (text == null) {
                return fallback;
            }
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException ex) {
                problem(e.value().where(), what + ": " + ex.getMessage());
                return fallback;
            }
        }

        /**
         * {@code node} as a mapping with only {@code allowed} keys (any keys when null); null, with a
         * problem recorded, when it is something else.
         */
        private YamlNode.Mapping mapping(YamlNode node, String section, List<String> allowed, String example) {
            if (!(node instanceof YamlNode.Mapping m)) {
                if (!failed(node)) {
                    problem(node.where(), section + " must be a mapping, e.g. " + example + "; found " + node.kind());
                }
                return null;
            }
            if (allowed != null) {
                for (YamlNode.Entry e : m.entries().values()) {
                    if (!allowed.contains(e.key())) {
                        problem(e.keyWhere(), "unknown key '" + e.key() + "' in " + section + "; expected one of "
                                + String.join(", ", allowed));
                    }
                }
            }
            return m;
        }

        /** The non-blank text of a scalar; null, with a problem recorded unless already reported, otherwise. */
        private String text(YamlNode node, String what) {
            if (node instanceof YamlNode.Scalar s) {
                if (s.failed()) {
                    return null;
                }
                if (s.text() == null || s.text().isBlank()) {
                    problem(s.where(), what + " is empty; give it a value");
                    return null;
                }
                return s.text();
            }
            problem(node.where(), what + " must be a single value, found " + node.kind());
            return null;
        }

        private String optionalText(YamlNode.Mapping m, String key, String what) {
            YamlNode.Entry e = m.entries().get(key);
            return e == null ? null : text(e.value(), what);
        }

        private String definedDestinations() {
            return destinationNames.isEmpty() ? "(none)" : String.join(", ", destinationNames);
        }

        private static boolean isNull(YamlNode node) {
            return node instanceof YamlNode.Scalar s && s.text() == null && !s.failed();
        }

        private static boolean failed(YamlNode node) {
            return node instanceof YamlNode.Scalar s && s.failed();
        }

        private void problem(SourceLocation where, String message) {
            problems.add(new Problem(where, message));
        }
    }
}
