package dev.fanout.core.plugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import java.io.IOException;
import java.net.ConnectException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * What {@code fanout plugins --check} does to every plugin directory, each in its own
 * {@link PluginClassLoader}, to prove the directory holds every library the plugin needs — at
 * build time for the plugins fanout ships, and for a third-party plugin a user drops in:
 *
 * <ol>
 *   <li>the directory loads as {@code fanout plugins} loads it (descriptor, API version, providers);</li>
 *   <li>every class of the plugin's main jar loads and its signatures resolve: its superclasses,
 *       interfaces and the types of its fields, methods and constructors (method bodies are not
 *       verified: what they call is found by the next step);</li>
 *   <li>each provider's {@link WriterProvider#selfCheckDestination self-check destination}, when it
 *       has one, is opened, written one packet with a column of every logical type ({@link #EVERY_TYPE}),
 *       read back when the plugin declares {@link Capability#READ}, and closed. An open or write that
 *       fails with a {@linkplain WriteException#retryable() retryable} exception caused by a refused
 *       connection (a {@link ConnectException} in its causes) is what a client of a server meets on a
 *       port nobody listens on, and passes; any other failure fails — a {@link LinkageError},
 *       {@link ClassNotFoundException} or {@link java.util.ServiceConfigurationError} anywhere in a
 *       cause chain naming the missing class and what to do ({@link LinkageFailure}).</li>
 * </ol>
 *
 * <p>When every directory passes alone, {@link #checkAll} also checks that together they form a
 * {@link WriterRegistry} (no scheme claimed twice, no stray jar). Each {@link Outcome} is one line;
 * see {@link Report#lines()}. Writes go only to a scratch directory, deleted afterwards; every class
 * loader the check opens is closed before it returns.
 */
public final class PluginCheck {

    /** The table the check writes. */
    static final String TABLE = "fanout_check";

    /** A key and one column of each {@link LogicalType.Kind}. */
    static final Schema EVERY_TYPE = Schema.of(List.of(
            Column.required("id", LogicalType.INT64),
            Column.of("flag", LogicalType.BOOLEAN),
            Column.of("small", LogicalType.INT32),
            Column.of("ratio", LogicalType.FLOAT64),
            Column.of("price", LogicalType.decimal(18, 4)),
            Column.of("name", LogicalType.STRING),
            Column.of("day", LogicalType.DATE),
            Column.of("at", LogicalType.TIMESTAMP),
            Column.of("raw", LogicalType.BYTES),
            Column.of("doc", LogicalType.JSON)), List.of("id"));

    private static final List<Object> ROW = List.of(1L, true, 42, 0.5, new BigDecimal("1234.5678"), "fanout's check ✓",
            LocalDate.of(2026, 1, 2), Instant.parse("2026-01-02T03:04:05.123456Z"), new byte[] {0, 1, (byte) 0xff}, "{\"a\":1}");

    private static final String NOTHING_LISTENS = "as expected (retryable: nothing listens there)";

    /**
     * The check of one plugin directory.
     *
     * @param plugin    the directory's name, as in {@code plugins/<name>/}
     * @param directory the plugin directory, absolute
     * @param ok        whether every step passed
     * @param detail    what was checked, or what failed and what to do
     */
    public record Outcome(String plugin, Path directory, boolean ok, String detail) {
        public Outcome {
            Objects.requireNonNull(plugin, "plugin is null");
            Objects.requireNonNull(directory, "directory is null");
            Objects.requireNonNull(detail, "detail is null");
        }

        /** {@code ok plugin <name> in <directory>: <detail>} or {@code FAILED plugin <name> in <directory>: <detail>}. */
        public String line() {
            return (ok ? "ok" : "FAILED") + " plugin " + plugin + " in " + directory + ": " + detail;
        }
    }

    /**
     * The check of a plugin root directory.
     *
     * @param root            the root, absolute, holding one directory per plugin
     * @param plugins         one outcome per plugin directory, sorted by name; empty when the root holds none
     * @param registryProblem why the plugins, each passing alone, do not load together (a scheme
     *                        claimed twice, a stray jar); empty when they do or when one failed alone
     */
    public record Report(Path root, List<Outcome> plugins, Optional<String> registryProblem) {
        public Report {
            Objects.requireNonNull(root, "root is null");
            plugins = List.copyOf(plugins);
            Objects.requireNonNull(registryProblem, "registryProblem is null");
        }

        /** Whether every plugin passed and together they form a registry. */
        public boolean ok() {
            return failed().isEmpty() && registryProblem.isEmpty();
        }

        /** The names of the plugins that failed, in order. */
        public List<String> failed() {
            return plugins.stream().filter(o -> !o.ok()).map(Outcome::plugin).toList();
        }

        /**
         * What {@code fanout plugins --check} prints: each {@link Outcome#line()}; then, when they do
         * not load together, {@code FAILED together in <root>: <problem>}; then the summary
         * {@code <n> plugins checked in <root>: all ok}, {@code …: <k> failed (<names>)} or
         * {@code …: each ok alone, not together}.
         */
        public List<String> lines() {
            List<String> lines = new ArrayList<>();
            plugins.forEach(o -> lines.add(o.line()));
            registryProblem.ifPresent(p -> lines.add("FAILED together in " + root + ": " + p));
            List<String> failed = failed();
            lines.add(plugins.size() + (plugins.size() == 1 ? " plugin" : " plugins") + " checked in " + root + ": "
                    + (!failed.isEmpty() ? failed.size() + " failed (" + String.join(", ", failed) + ")"
                            : registryProblem.isPresent() ? "each ok alone, not together" : "all ok"));
            return lines;
        }
    }

    /** A step that failed, with the sentence saying so. */
    private static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;

        Failed(String message) {
            super(message, null, false, false);
        }
    }

    private PluginCheck() {
    }

    /**
     * Checks every plugin directory under {@code root}, sorted by name; when all pass, also that
     * together they form a registry.
     *
     * @throws IOException when {@code root} cannot be listed
     */
    public static Report checkAll(Path root) throws IOException {
        Objects.requireNonNull(root, "root is null");
        Path dir = root.toAbsolutePath().normalize();
        List<Path> directories;
        try (Stream<Path> entries = Files.list(dir)) {
            directories = entries.filter(Files::isDirectory).sorted().toList();
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Path directory : directories) {
            outcomes.add(check(directory));
        }
        Optional<String> registryProblem = Optional.empty();
        if (outcomes.stream().allMatch(Outcome::ok)) {
            List<PluginClassLoader> opened = new ArrayList<>();
            try {
                WriterRegistry.fromPluginDirectory(dir, opened);
            } catch (PluginException e) {
                registryProblem = Optional.of(e.getMessage().replace('\n', ' '));
            } finally {
                closeAll(opened);
            }
        }
        return new Report(dir, outcomes, registryProblem);
    }

    /** Checks one plugin directory, {@code plugins/<name>/}, in a class loader of its own, closed before it returns. */
    public static Outcome check(Path directory) {
        Objects.requireNonNull(directory, "directory is null");
        Path dir = directory.toAbsolutePath().normalize();
        String name = dir.getFileName().toString();
        List<String> problems = new ArrayList<>();
        List<PluginDirectory.Loaded> loaded = PluginDirectory.load(dir, WriterProvider.class.getClassLoader(), problems);
        try {
            if (!problems.isEmpty()) {
                String prefix = "writer plugin directory " + dir + ": ";
                return new Outcome(name, dir, false,
                        String.join("; ", problems.stream().map(p -> p.startsWith(prefix) ? p.substring(prefix.length()) : p).toList()));
            }
            return new Outcome(name, dir, true, stepsPassed(dir, loaded));
        } catch (Failed e) {
            return new Outcome(name, dir, false, e.getMessage());
        } finally {
            closeAll(loaded.stream().map(PluginDirectory.Loaded::loader).toList());
        }
    }

    /** Runs steps 2 and 3 on a directory that loaded; what passed, as the outcome's detail. */
    private static String stepsPassed(Path dir, List<PluginDirectory.Loaded> loaded) throws Failed {
        PluginDirectory.Loaded main = loaded.get(0);
        List<String> done = new ArrayList<>();
        done.add(resolveClasses(main.jar(), main.loader(), dir) + " classes of " + main.jar().getFileName()
                + " load and resolve their signatures");
        for (PluginDirectory.Loaded l : loaded) {
            done.add(selfCheck(l.provider(), dir));
        }
        return String.join("; ", done);
    }

    /** Loads every class of {@code jar} without initializing it and resolves its members' types; returns how many. */
    private static int resolveClasses(Path jar, ClassLoader loader, Path dir) throws Failed {
        List<String> names = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> entries = file.entries(); entries.hasMoreElements(); ) {
                String entry = entries.nextElement().getName();
                if (entry.endsWith(".class") && !entry.startsWith("META-INF/") && !entry.endsWith("module-info.class")
                        && !entry.endsWith("package-info.class")) {
                    names.add(entry.substring(0, entry.length() - ".class".length()).replace('/', '.'));
                }
            }
        } catch (IOException e) {
            throw new Failed("cannot read " + jar.getFileName() + " (" + e.getMessage() + "); replace it with the plugin's own build");
        }
        for (String className : names) {
            try {
                Class<?> type = Class.forName(className, false, loader);
                type.getDeclaredFields();
                type.getDeclaredMethods();
                type.getDeclaredConstructors();
            } catch (ClassNotFoundException | LinkageError | TypeNotPresentException e) {
                LinkageFailure failure = LinkageFailure.in(e).orElseThrow();
                throw new Failed(failure.problem() + " while loading " + className + " of " + jar.getFileName() + "; "
                        + failure.remedy(dir));
            }
        }
        return names.size();
    }

    /** Step 3 for one provider: names its self-check destination in a scratch directory and drives the writer there. */
    private static String selfCheck(WriterProvider provider, Path dir) throws Failed {
        String scheme = step(provider::scheme, "reporting its scheme", dir);
        Path scratch;
        try {
            scratch = Files.createTempDirectory("fanout-plugin-check-");
        } catch (IOException e) {
            throw new Failed("cannot create a scratch directory for scheme " + scheme + ": " + e.getMessage());
        }
        try {
            Optional<Destination> self = step(() -> provider.selfCheckDestination(scratch), "naming its self-check destination", dir);
            if (self.isEmpty()) {
                return "scheme " + scheme + " has no self-check destination, so its write path was not exercised";
            }
            return driveWriter(provider, self.get(), dir);
        } finally {
            deleteRecursively(scratch);
        }
    }

    /** Validates {@code destination}, then creates, opens, writes, reads back and closes a writer for it. */
    private static String driveWriter(WriterProvider provider, Destination destination, Path dir) throws Failed {
        String target = destination.redactedUri();
        List<String> problems = step(() -> provider.validate(destination), "validating " + target, dir);
        if (!problems.isEmpty()) {
            throw new Failed("its self-check destination " + target + " does not validate: " + String.join("; ", problems)
                    + "; fix WriterProvider.selfCheckDestination of the plugin");
        }
        Set<Capability> capabilities = step(provider::capabilities, "reporting its capabilities", dir);
        BaseWriter writer = step(() -> provider.create(destination), "creating a writer for " + target, dir);
        String done;
        try {
            done = openWriteReadBack(writer, target, capabilities != null && capabilities.contains(Capability.READ), dir);
        } catch (Failed failed) {
            try {
                writer.close();
            } catch (WriteException | RuntimeException | LinkageError ignored) {
                // the first failure is the one to report
            }
            throw failed;
        }
        step(() -> {
            writer.close();
            return null;
        }, "closing " + target, dir);
        return done + ", closed";
    }

    private static String openWriteReadBack(BaseWriter writer, String target, boolean reads, Path dir) throws Failed {
        step(writer::targetIdentity, "telling which target " + target + " is, before opening", dir);
        if (connectionRefused(() -> writer.open(), "opening " + target, dir)) {
            return target + " refused to open " + NOTHING_LISTENS;
        }
        // a client of a server asks it here; refused like the write below, which reports it
        connectionRefused(() -> writer.targetIdentity(), "telling which target " + target + " is, once opened", dir);
        FramePacket packet = FramePacket.builder(TABLE, EVERY_TYPE).addRow(ROW.toArray()).build();
        if (connectionRefused(() -> writer.write(WriteBatch.of(packet)), "writing to " + target, dir)) {
            return target + " opened, its write refused " + NOTHING_LISTENS;
        }
        if (!reads) {
            return target + " opened, took a row of every logical type";
        }
        readBack(writer, target, dir);
        return target + " opened, took a row of every logical type, read it back";
    }

    private static void readBack(BaseWriter writer, String target, Path dir) throws Failed {
        TableReader reader = step(() -> writer.reader().orElse(null), "asking for its reader", dir);
        if (reader == null) {
            throw new Failed("it declares capability READ but its writer for " + target + " returns no reader; fix the plugin");
        }
        List<FramePacket> packets = new ArrayList<>();
        step(() -> {
            reader.scan(TABLE, RowFilter.all(), Optional.empty(), 10, packets::add);
            return null;
        }, "reading back from " + target, dir);
        long rows = packets.stream().mapToLong(FramePacket::rowCount).sum();
        if (rows != 1) {
            throw new Failed("reading back table " + TABLE + " of " + target + " gave " + rows + " rows, not the 1 written; fix the plugin");
        }
        FramePacket read = packets.get(0);
        for (Column column : EVERY_TYPE.columns()) {
            int at = read.schema().indexOf(column.name());
            Object expected = ROW.get(EVERY_TYPE.indexOf(column.name()));
            Object actual = at < 0 ? null : read.value(0, at);
            if (!sameValue(expected, actual)) {
                throw new Failed("reading back column " + column.name() + " (" + column.type() + ") of " + target + " gave "
                        + show(actual) + ", not the " + show(expected) + " written; fix the plugin's type mapping");
            }
        }
    }

    private static boolean sameValue(Object expected, Object actual) {
        if (expected instanceof BigDecimal e && actual instanceof BigDecimal a) {
            return e.compareTo(a) == 0;
        }
        return Objects.deepEquals(expected, actual);
    }

    private static String show(Object value) {
        return value instanceof byte[] bytes ? java.util.HexFormat.of().formatHex(bytes) + " (bytes)" : String.valueOf(value);
    }

    /** A call into the plugin. */
    @FunctionalInterface
    private interface PluginCall<T> {
        T call() throws Exception;
    }

    /** A call into the writer that returns nothing. */
    @FunctionalInterface
    private interface WriterCall {
        void call() throws Exception;
    }

    /** Runs {@code call}; a linkage failure anywhere in what it throws, or any other failure, becomes a {@link Failed} saying {@code doing}. */
    private static <T> T step(PluginCall<T> call, String doing, Path dir) throws Failed {
        try {
            return call.call();
        } catch (Throwable t) {
            throw failed(t, doing, dir);
        }
    }

    /**
     * Runs {@code call} as {@link #step} does, except that a retryable {@link WriteException} caused by
     * a refused connection — what a server's client meets on a port nobody listens on — is not a
     * failure: then true; false when the call returned.
     */
    private static boolean connectionRefused(WriterCall call, String doing, Path dir) throws Failed {
        try {
            call.call();
            return false;
        } catch (Throwable t) {
            if (LinkageFailure.in(t).isEmpty() && t instanceof WriteException e && e.retryable() && causedBy(e, ConnectException.class)) {
                return true;
            }
            throw failed(t, doing, dir);
        }
    }

    private static Failed failed(Throwable t, String doing, Path dir) {
        Optional<LinkageFailure> linkage = LinkageFailure.in(t);
        if (linkage.isPresent()) {
            return new Failed(linkage.get().problem() + " while " + doing + "; " + linkage.get().remedy(dir));
        }
        if (t instanceof Error e && !(t instanceof AssertionError)) {
            throw e;
        }
        return new Failed(doing + " failed: " + t + "; fix the plugin or its self-check destination");
    }

    private static boolean causedBy(Throwable thrown, Class<? extends Throwable> type) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = thrown; t != null && seen.add(t); t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static void closeAll(List<PluginClassLoader> loaders) {
        for (PluginClassLoader loader : new LinkedHashSet<>(loaders)) {
            try {
                loader.close();
            } catch (IOException e) {
                // a jar left open until exit harms nothing
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            // a scratch directory left in the temp directory harms nothing
        }
    }
}
