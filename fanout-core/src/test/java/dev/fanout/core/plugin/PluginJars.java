package dev.fanout.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.WriterProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Real plugin jars made while a test runs: Java sources compiled with the JDK's compiler against
 * fanout-api (and any other jars given), packed with their resources.
 */
final class PluginJars {

    private PluginJars() {
    }

    /** The fanout-api classes the host runs on, for compiling plugins against. */
    static Path apiClassPath() {
        try {
            return Path.of(WriterProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A plugin descriptor's text. */
    static String descriptor(String name, String version, String apiVersion) {
        return "name=" + name + "\nversion=" + version + "\napi.version=" + apiVersion + "\n";
    }

    /** The services file registering {@code providerClasses}. */
    static Map<String, String> services(String... providerClasses) {
        return Map.of("META-INF/services/" + WriterProvider.class.getName(), String.join("\n", providerClasses) + "\n");
    }

    /** Resources of a plugin's main jar: descriptor and services file. */
    static Map<String, String> pluginResources(String name, String apiVersion, String... providerClasses) {
        Map<String, String> resources = new LinkedHashMap<>(services(providerClasses));
        resources.put(PluginDescriptor.PATH, descriptor(name, "1.0", apiVersion));
        return resources;
    }

    /**
     * Compiles {@code sources} (class name → source) against fanout-api and {@code classPath} and
     * writes them with {@code resources} (path → text) into {@code jar}.
     */
    static Path jar(Path jar, Map<String, String> sources, Map<String, String> resources, Path... classPath) throws IOException {
        Path work = Files.createTempDirectory("fanout-plugin-build");
        Path src = work.resolve("src");
        Path classes = Files.createDirectories(work.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "--release", "17", "-proc:none", "-cp",
                String.join(java.io.File.pathSeparator, Stream.concat(Stream.of(apiClassPath()), Stream.of(classPath)).map(Path::toString).toList())));
        for (Map.Entry<String, String> s : sources.entrySet()) {
            Path file = src.resolve(s.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, s.getValue());
            args.add(file.toString());
        }
        if (!sources.isEmpty()) {
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            ByteArrayOutputStream errors = new ByteArrayOutputStream();
            int rc = javac.run(null, errors, errors, args.toArray(String[]::new));
            assertThat(rc).as("javac of " + sources.keySet() + ": " + errors.toString(StandardCharsets.UTF_8)).isZero();
        }
        Files.createDirectories(jar.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                put(out, classes.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
            }
            for (Map.Entry<String, String> r : resources.entrySet()) {
                put(out, r.getKey(), r.getValue().getBytes(StandardCharsets.UTF_8));
            }
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
        return jar;
    }

    private static void put(JarOutputStream out, String name, byte[] bytes) throws IOException {
        out.putNextEntry(new JarEntry(name));
        out.write(bytes);
        out.closeEntry();
    }

    /**
     * A writer plugin's provider source: scheme {@code scheme}, writing each row as a line
     * {@code <table> <id> <stamp>} to the file its URI names (relative to the topology), where
     * {@code stampExpression} is Java code over {@code long id}.
     */
    static String lineWriterSource(String packageName, String className, String scheme, String stampExpression) {
        return """
                package %1$s;

                import dev.fanout.api.BaseWriter;
                import dev.fanout.api.Destination;
                import dev.fanout.api.FramePacket;
                import dev.fanout.api.WriteBatch;
                import dev.fanout.api.WriteException;
                import dev.fanout.api.WriterProvider;
                import java.io.IOException;
                import java.nio.file.Files;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                import java.util.ArrayList;
                import java.util.List;

                public final class %2$s implements WriterProvider {
                    public String scheme() { return "%3$s"; }
                    public List<String> validate(Destination d) { return List.of(); }
                    public String physicalTarget(Destination d) { return file(d).toString(); }
                    private static Path file(Destination d) {
                        return d.baseDirectory().resolve(d.schemeSpecificPart()).toAbsolutePath().normalize();
                    }
                    public BaseWriter create(Destination d) {
                        Path file = file(d);
                        return new BaseWriter() {
                            public void open() { }
                            public void write(WriteBatch batch) throws WriteException {
                                List<String> lines = new ArrayList<>();
                                for (FramePacket p : batch.packets()) {
                                    for (int r = 0; r < p.rowCount(); r++) {
                                        long id = ((Number) p.value(r, 0)).longValue();
                                        lines.add(batch.table() + " " + id + " " + %4$s);
                                    }
                                }
                                try {
                                    Files.write(file, lines, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                                } catch (IOException e) {
                                    throw WriteException.retryable("cannot write " + file, e);
                                }
                            }
                            public void close() { }
                        };
                    }
                }
                """.formatted(packageName, className, scheme, stampExpression);
    }
}
