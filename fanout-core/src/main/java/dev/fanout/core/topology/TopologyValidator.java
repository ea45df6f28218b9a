package dev.fanout.core.topology;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import dev.fanout.core.TargetClaims;
import dev.fanout.core.WriterFailures;
import dev.fanout.core.plugin.WriterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Checks a loaded {@link Topology} against the installed writer plugins, without connecting
 * anywhere: every destination URI has a scheme, a plugin serves that scheme, the plugin accepts the
 * destination ({@link WriterProvider#validate}), and no two destinations share one physical target
 * (one writer per DuckDB file, ClickHouse table, MotherDuck database).
 *
 * <p>{@link #check} is the one path every command loads a topology by: the loader's problems and
 * these together, in one report.
 *
 * <p>Problems are located at the destination's name in the file. Values of sensitive options and
 * URI passwords are masked in every message, also in messages a plugin returns. Thread-safe.
 */
public final class TopologyValidator {

    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");
    private static final String MASK = "****";

    private final WriterRegistry registry;

    public TopologyValidator(WriterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry is null");
    }

    /**
     * Loads {@code file} and checks it against these plugins in one pass: the loader's problems
     * (syntax, keys, values, references, environment variables) and the plugins' (schemes, each
     * provider's {@link WriterProvider#validate}, shared physical targets) together, so one run
     * reports everything. The plugins look at every destination whose {@code uri} and options could
     * be read, also when other parts of the file are wrong. Only a YAML syntax error, or a file that
     * is not a mapping at all, leaves nothing further to check.
     *
     * @throws TopologyException listing every problem in file order
     */
    public Topology check(Path file, Function<String, String> environment) {
        TopologyLoader.Loaded loaded = TopologyLoader.read(file, environment);
        List<Problem> problems = new ArrayList<>(loaded.problems());
        problems.addAll(problems(Topology.baseDirectoryOf(file), loaded.destinations()));
        if (!problems.isEmpty()) {
            throw new TopologyException(problems);
        }
        return loaded.topology().orElseThrow();
    }

    /** {@link #check(Path, Function)} with the process environment. */
    public Topology check(Path file) {
        return check(file, System::getenv);
    }

    /** Every problem found, in file order; empty when the topology can run with these plugins. */
    public List<Problem> problems(Topology topology) {
        Objects.requireNonNull(topology, "topology is null");
        return problems(topology.baseDirectory(), topology.destinations().values());
    }

    private List<Problem> problems(Path baseDirectory, Collection<DestinationSpec> destinations) {
        List<Problem> problems = new ArrayList<>();
        Map<String, DestinationSpec> byTarget = new HashMap<>();
        for (DestinationSpec spec : destinations) {
            String uri = spec.uri();
            int colon = uri.indexOf(':');
            String scheme = colon < 0 ? "" : uri.substring(0, colon);
            Destination destination = new Destination(spec.name(), uri, spec.options(), baseDirectory,
                    registry.sensitiveOptions(scheme));
            if (colon < 1 || !SCHEME.matcher(scheme).matches()) {
                problems.add(new Problem(spec.where(), "unknown scheme in the uri of destination '" + spec.name()
                        + "': write it as scheme:target, e.g. duckdb:data/" + spec.name() + ".duckdb; installed: " + installed()));
                continue;
            }
            Optional<WriterProvider> provider = registry.provider(scheme);
            if (provider.isEmpty()) {
                problems.add(new Problem(spec.where(), "no writer plugin for scheme '" + destination.scheme() + "' (destination "
                        + spec.name() + "); installed: " + installed() + " — add the plugin's jar under plugins/"));
                continue;
            }
            List<String> own = providerProblems(provider.get(), destination);
            for (String message : own) {
                problems.add(new Problem(spec.where(), redact(message, destination)));
            }
            if (!own.isEmpty()) {
                continue;
            }
            String target;
            try {
                target = provider.get().physicalTarget(destination);
            } catch (RuntimeException e) {
                problems.add(new Problem(spec.where(), redact("the " + destination.scheme() + " plugin cannot tell the physical target of destination '"
                        + spec.name() + "': " + e.getMessage(), destination)));
                continue;
            }
            DestinationSpec first = byTarget.putIfAbsent(target, spec);
            if (first != null) {
                problems.add(new Problem(spec.where(), "destinations '" + first.name() + "' (" + first.where() + ") and '"
                        + spec.name() + "' name the same physical target " + redact(target, destination)
                        + "; each target takes exactly one writer: point one of them elsewhere, or route their tables"
                        + " to one destination"));
            }
        }
        problems.sort(Problem.FILE_ORDER);
        return List.copyOf(problems);
    }

    /**
     * Two destinations whose unopened writers tell one {@link BaseWriter#targetIdentity() target
     * identity} — one DuckDB file under a hard link's second name, which no path normalisation joins
     * — each pair as a problem at the later one, naming both. Each writer is created only to ask, and
     * closed unopened: nothing is connected or created. A writer that cannot tell is a problem too.
     * Destinations {@link #problems} refuses are skipped. Ingest does not ask this before it starts:
     * its lanes refuse such a destination at open (see {@link TargetClaims}), so the others still run.
     *
     * @return the problems in file order; empty when no two destinations are known to share a target
     */
    public List<Problem> identityProblems(Topology topology) {
        Objects.requireNonNull(topology, "topology is null");
        List<Problem> problems = new ArrayList<>();
        Map<String, DestinationSpec> byIdentity = new HashMap<>();
        for (DestinationSpec spec : topology.destinations().values()) {
            Destination destination = topology.destination(spec.name(), registry);
            Optional<WriterProvider> provider = registry.provider(destination.scheme());
            if (provider.isEmpty()) {
                continue;
            }
            Optional<String> identity;
            try (BaseWriter writer = provider.get().create(destination)) {
                identity = writer.targetIdentity();
            } catch (WriteException | RuntimeException | LinkageError | ServiceConfigurationError e) {
                String why = e instanceof WriteException ? String.valueOf(e.getMessage()) : WriterFailures.describe(e);
                problems.add(new Problem(spec.where(), redact("the " + destination.scheme() + " plugin cannot tell which target destination '"
                        + spec.name() + "' is: " + why, destination)));
                continue;
            }
            if (identity.isEmpty()) {
                continue;
            }
            DestinationSpec first = byIdentity.putIfAbsent(identity.get(), spec);
            if (first != null) {
                problems.add(new Problem(spec.where(), redact(TargetClaims.refusal(first.name(), spec.name(), identity.get())
                        + " (" + first.name() + " is at " + first.where() + ")", destination)));
            }
        }
        problems.sort(Problem.FILE_ORDER);
        return List.copyOf(problems);
    }

    /**
     * Throws when {@link #problems} finds any.
     *
     * @throws TopologyException listing them
     */
    public void validate(Topology topology) {
        List<Problem> problems = problems(topology);
        if (!problems.isEmpty()) {
            throw new TopologyException(problems);
        }
    }

    private static List<String> providerProblems(WriterProvider provider, Destination destination) {
        try {
            List<String> found = provider.validate(destination);
            return found == null ? List.of() : found;
        } catch (RuntimeException e) {
            return List.of("the " + destination.scheme() + " plugin failed to check destination '" + destination.name()
                    + "': " + e.getMessage());
        }
    }

    private String installed() {
        return registry.schemes().isEmpty() ? "(none)" : String.join(", ", registry.schemes());
    }

    /**
     * {@code message} with the destination's secrets masked: its URI wherever it appears (as
     * {@link Destination#redact} masks it), the URI's user info, password and sensitive query values,
     * and the values of its sensitive options. For any message a plugin wrote about {@code destination}.
     *
     * @return the masked message; empty for null
     */
    public static String redact(String message, Destination destination) {
        Objects.requireNonNull(destination, "destination is null");
        if (message == null) {
            return "";
        }
        String out = destination.uri().isEmpty() ? message : message.replace(destination.uri(), destination.redactedUri());
        List<String> secrets = new ArrayList<>(destination.uriSecrets());
        for (Map.Entry<String, String> option : destination.options().entrySet()) {
            if (destination.isSensitive(option.getKey())) {
                secrets.add(option.getValue());
            }
        }
        secrets.sort(Comparator.comparingInt((String s) -> s == null ? 0 : s.length()).reversed());
        for (String secret : secrets) {
            out = mask(out, secret);
        }
        return out;
    }

    private static String mask(String text, String secret) {
        return secret == null || secret.isEmpty() ? text : text.replace(secret, MASK);
    }
}
