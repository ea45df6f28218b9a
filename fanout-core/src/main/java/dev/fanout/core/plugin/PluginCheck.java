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
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * What {@code fanout plugins --check} does to every plugin directory, each in its own
 * {@link PluginClassLoader}, to prove the directory holds every library the plugin links to — at
 * build time for the plugins fanout ships, and for a third-party plugin a user drops in:
 *
 * <ol>
 *   <li>the directory loads as {@code fanout plugins} loads it (descriptor, API version, providers);</li>
 *   <li>every class of the plugin's main jar loads and links: its superclasses, interfaces and the
 *       types of its fields, methods and constructors resolve;</li>
 *   <li>each provider's {@link WriterProvider#selfCheckDestination self-check destination}, when it
 *       has one, is opened, written one packet with a column of every logical type ({@link #EVERY_TYPE}),
 *       read back when the plugin declares {@link Capability#READ}, and closed. A
 *       {@linkplain WriteException#retryable() retryable} failure of open or write is what a client of a
 *       server meets on a port nobody listens on, and passes; a {@link LinkageError},
 *       {@link ClassNotFoundException} or {@link java.util.ServiceConfigurationError} anywhere in a
 *       cause chain fails, naming the missing class and the jar to add.</li>
 * </ol>
 *
 * <p>Each {@link Outcome} is one line; see {@link Outcome#line()}. Writes go only to a scratch
 * directory, deleted afterwards.
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

    /** A step that failed, with the sentence saying so. */
    private static class Failed extends Exception {
        private static final long serialVersionUID = 1L;

        Failed(String message) {
            this(message, null);
        }

        Failed(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    private PluginCheck() {
    }

    /**
     * Checks every plugin directory under {@code root}, sorted by name; when all pass, also that
     * together they form a registry (no scheme claimed twice, no stray jar), reported as plugin
     * {@code plugins} in {@code root}.
     *
     * @return one outcome per directory; none when {@code root} holds none
     * @throws IOException when {@code root} cannot be listed
     */
    public static List<Outcome> checkAll(Path root) throws IOException {
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
        if (outcomes.stream().allMatch(Outcome::ok)) {
            try {
                WriterRegistry.fromPluginDirectory(dir);
            } catch (PluginException e) {
                outcomes.add(new Outcome(dir.getFileName().toString(), dir, false, e.getMessage().replace('\n', ' ')));
            }
        }
        return outcomes;
    }

    /** Checks one plugin directory, {@code plugins/<name>/}, in a class loader of its own. */
    public static Outcome check(Path directory) {
        Objects.requireNonNull(directory, "directory is null");
        Path dir = directory.toAbsolutePath().normalize();
        String name = dir.getFileName().toString();
        try {
            return new Outcome(name, dir, true, checked(dir));
        } catch (Failed e) {
            return new Outcome(name, dir, false, e.getMessage());
        }
    }

    private static String checked(Path dir) throws Failed {
        List<String> problems = new ArrayList<>();
        List<PluginDirectory.Loaded> loaded = PluginDirectory.load(dir, WriterProvider.class.getClassLoader(), problems);
        if (!problems.isEmpty()) {
            String prefix = "writer plugin directory " + dir + ": ";
            throw new Failed(String.join("; ", problems.stream().map(p -> p.startsWith(prefix) ? p.substring(prefix.length()) : p).toList()));
        }
        PluginDirectory.Loaded main = loaded.get(0);
        List<String> done = new ArrayList<>();
        done.add(linkClasses(main.jar(), main.loader(), dir) + " classes of " + main.jar().getFileName() + " load and link");
        for (PluginDirectory.Loaded l : loaded) {
            done.add(exercise(l.provider(), dir));
        }
        return String.join("; ", done);
    }

    /** Loads every class of {@code jar} without initializing it and resolves its members' types; returns how many. */
    private static int linkClasses(Path jar, ClassLoader loader, Path dir) throws Failed {
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
                throw new Failed(failure.problem() + " while linking " + className + " of " + jar.getFileName() + "; "
                        + failure.remedy(dir));
            }
        }
        return names.size();
    }

    /** Opens, writes, reads back and closes the provider's self-check destination; returns what was done. */
    private static String exercise(WriterProvider provider, Path dir) throws Failed {
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
            return exercise(provider, self.get(), dir);
        } finally {
            deleteRecursively(scratch);
        }
    }

    private static String exercise(WriterProvider provider, Destination destination, Path dir) throws Failed {
        String target = destination.redactedUri();
        List<String> problems = step(() -> provider.validate(destination), "validating " + target, dir);
        if (!problems.isEmpty()) {
            throw new Failed("its self-check destination " + target + " does not validate: " + String.join("; ", problems)
                    + "; fix WriterProvider.selfCheckDestination of the plugin");
        }
        Set<Capability> capabilities = step(provider::capabilities, "reporting its capabilities", dir);
        BaseWriter writer = step(() -> provider.create(destination), "creating a writer for " + target, dir);
        String what;
        try {
            mayRefuse(() -> {
                writer.open();
                return null;
            }, "opening " + target, dir);
            FramePacket packet = FramePacket.builder(TABLE, EVERY_TYPE).addRow(ROW.toArray()).build();
            try {
                mayRefuse(() -> {
                    writer.write(WriteBatch.of(packet));
                    return null;
                }, "writing to " + target, dir);
            } catch (Refused refused) {
                close(writer, target, dir);
                return target + " opened, its write refused as expected (retryable: nothing listens there), closed";
            }
            what = target + " opened, took a row of every logical type";
            if (capabilities != null && capabilities.contains(Capability.READ)) {
                readBack(writer, target, dir);
                what += ", read it back";
            }
        } catch (Refused refused) {
            what = target + " refused to open as expected (retryable: nothing listens there)";
        } catch (Failed failed) {
            try {
                writer.close();
            } catch (WriteException | RuntimeException | LinkageError ignored) {
                // the first failure is the one to report
            }
            throw failed;
        }
        close(writer, target, dir);
        return what + ", closed";
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

    private static void close(BaseWriter writer, String target, Path dir) throws Failed {
        step(() -> {
            writer.close();
            return null;
        }, "closing " + target, dir);
    }

    /** A retryable {@link WriteException}: what a client meets on a port nobody listens on. */
    private static final class Refused extends Failed {
        private static final long serialVersionUID = 1L;

        Refused(WriteException cause) {
            super(String.valueOf(cause.getMessage()), cause);
        }
    }

    /** A call into the plugin. */
    @FunctionalInterface
    private interface PluginCall<T> {
        T call() throws Exception;
    }

    /** Runs {@code call}; a linkage failure anywhere in what it throws, or any other failure, becomes a {@link Failed} saying {@code doing}. */
    private static <T> T step(PluginCall<T> call, String doing, Path dir) throws Failed {
        return call(call, doing, dir, false);
    }

    /** {@link #step}, except that a retryable {@link WriteException} becomes {@link Refused}. */
    private static <T> T mayRefuse(PluginCall<T> call, String doing, Path dir) throws Failed {
        return call(call, doing, dir, true);
    }

    private static <T> T call(PluginCall<T> call, String doing, Path dir, boolean mayRefuse) throws Failed {
        try {
            return call.call();
        } catch (Failed e) {
            throw e;
        } catch (Throwable t) {
            Optional<LinkageFailure> linkage = LinkageFailure.in(t);
            if (linkage.isPresent()) {
                throw new Failed(linkage.get().problem() + " while " + doing + "; " + linkage.get().remedy(dir));
            }
            if (mayRefuse && t instanceof WriteException e && e.retryable()) {
                throw new Refused(e);
            }
            if (t instanceof Error e && !(t instanceof AssertionError)) {
                throw e;
            }
            throw new Failed(doing + " failed: " + t + "; fix the plugin or its self-check destination");
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
