package dev.fanout.core.plugin;

import static dev.fanout.core.plugin.PluginJars.jar;
import static dev.fanout.core.plugin.PluginJars.lineWriterSource;
import static dev.fanout.core.plugin.PluginJars.pluginResources;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.ApiVersion;
import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriterProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading writer plugins from {@code plugins/<name>/} directories, and every way that is refused. */
class PluginDirectoryTest {

    private static final String API = ApiVersion.current().toString();
    private static final Schema IDS = Schema.of(List.of(Column.of("id", LogicalType.INT64)), List.of("id"));

    @TempDir
    Path root;

    private Path plugin(String dir, String name, String scheme, String apiVersion) throws Exception {
        String cls = scheme + "." + Character.toUpperCase(scheme.charAt(0)) + scheme.substring(1) + "Provider";
        return jar(root.resolve(dir).resolve("writer-" + name + ".jar"),
                Map.of(cls, lineWriterSource(scheme, cls.substring(cls.indexOf('.') + 1), scheme,
                        "(Thread.currentThread().getContextClassLoader() == " + cls + ".class.getClassLoader())")),
                pluginResources(name, apiVersion, cls));
    }

    @Test
    void eachDirectoryIsOnePluginInALoaderThatSharesOnlyTheApiAndSlf4j() throws Exception {
        plugin("alpha", "alpha", "alpha", API);
        plugin("beta", "beta", "beta", "0.0");

        WriterRegistry registry = WriterRegistry.fromPluginDirectory(root);

        assertThat(registry.schemes()).containsExactly("alpha", "beta");
        PluginInfo alpha = registry.plugins().get(0);
        assertThat(alpha).isEqualTo(new PluginInfo("alpha", "alpha writer", "alpha.AlphaProvider",
                root.resolve("alpha/writer-alpha.jar").toString(), "alpha", "1.0", API, root.resolve("alpha").toString(), Set.of()));

        ClassLoader loader = ContextClassLoaderProxy.unwrap(registry.provider("alpha").orElseThrow()).getClass().getClassLoader();
        assertThat(loader).isInstanceOf(PluginClassLoader.class).isNotSameAs(
                ContextClassLoaderProxy.unwrap(registry.provider("beta").orElseThrow()).getClass().getClassLoader());
        assertThat(loader.loadClass(FramePacket.class.getName())).isSameAs(FramePacket.class);
        assertThat(loader.loadClass(org.slf4j.Logger.class.getName())).isSameAs(org.slf4j.Logger.class);
        assertThat(loader.loadClass("java.sql.Connection")).isSameAs(java.sql.Connection.class);
        assertThatThrownBy(() -> loader.loadClass(com.fasterxml.jackson.databind.ObjectMapper.class.getName()))
                .isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> loader.loadClass(WriterRegistry.class.getName())).isInstanceOf(ClassNotFoundException.class);
        assertThat(loader.getResource("META-INF/services/" + WriterProvider.class.getName()).toString()).contains("writer-alpha.jar");
    }

    @Test
    void writersRunWithTheirPluginsLoaderAsContextClassLoader() throws Exception {
        plugin("alpha", "alpha", "alpha", API);
        WriterProvider provider = WriterRegistry.fromPluginDirectory(root).provider("alpha").orElseThrow();
        ClassLoader before = Thread.currentThread().getContextClassLoader();

        try (BaseWriter writer = provider.create(Destination.of("d", "alpha:out.txt", root))) {
            writer.open();
            writer.write(WriteBatch.of(FramePacket.builder("t", IDS).addRow(7L).build()));
        }

        assertThat(Files.readAllLines(root.resolve("out.txt"))).containsExactly("t 7 true");
        assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(before);
    }

    @Test
    void aCopyOfASharedPackageBundledInAPluginIsNeverUsedEvenForWhatTheHostLacks() throws Exception {
        Map<String, String> resources = new java.util.LinkedHashMap<>(pluginResources("alpha", API, "alpha.AlphaProvider"));
        resources.put("dev/fanout/api/fanout-api.properties", "version=99.0\n");
        resources.put("org/slf4j/bundled.txt", "a plugin's copy\n");
        jar(root.resolve("alpha/writer-alpha.jar"), Map.of(
                "alpha.AlphaProvider", lineWriterSource("alpha", "AlphaProvider", "alpha", "1"),
                "dev.fanout.api.OnlyInThePlugin", "package dev.fanout.api; public final class OnlyInThePlugin { }",
                "org.slf4j.OnlyInThePlugin", "package org.slf4j; public final class OnlyInThePlugin { }"), resources);

        ClassLoader loader = ContextClassLoaderProxy.unwrap(WriterRegistry.fromPluginDirectory(root).provider("alpha").orElseThrow())
                .getClass().getClassLoader();

        assertThatThrownBy(() -> loader.loadClass("dev.fanout.api.OnlyInThePlugin")).isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> loader.loadClass("org.slf4j.OnlyInThePlugin")).isInstanceOf(ClassNotFoundException.class);
        assertThat(java.util.Collections.list(loader.getResources("dev/fanout/api/fanout-api.properties")))
                .singleElement().isEqualTo(ApiVersion.class.getResource("fanout-api.properties"));
        assertThat(loader.getResource("org/slf4j/bundled.txt")).isNull();
    }

    @Test
    void aFailingCallLeavesTheCallersContextClassLoaderAndThrowsTheWritersOwnException() throws Exception {
        plugin("alpha", "alpha", "alpha", API);
        WriterProvider provider = WriterRegistry.fromPluginDirectory(root).provider("alpha").orElseThrow();
        ClassLoader before = Thread.currentThread().getContextClassLoader();

        try (BaseWriter writer = provider.create(Destination.of("d", "alpha:.", root))) {
            writer.open();
            assertThatThrownBy(() -> writer.write(WriteBatch.of(FramePacket.builder("t", IDS).addRow(7L).build())))
                    .isInstanceOf(dev.fanout.api.WriteException.class).hasMessage("cannot write " + root);
        }

        assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(before);
    }

    @Test
    void aProviderEqualsItselfThroughItsContextClassLoaderProxy() throws Exception {
        plugin("alpha", "alpha", "alpha", API);
        WriterProvider provider = WriterRegistry.fromPluginDirectory(root).provider("alpha").orElseThrow();

        assertThat(provider).isEqualTo(provider).hasSameHashCodeAs(ContextClassLoaderProxy.unwrap(provider));
        assertThat(List.of(provider)).contains(provider);
    }

    @Test
    void aProviderWhoseSchemeNeedsAMissingLibraryOrWhoseStaticInitializerFailsIsRefusedNamingTheDirectory(@TempDir Path build)
            throws Exception {
        Path lib = jar(build.resolve("names.jar"),
                Map.of("lib.Names", "package lib; public final class Names { public static String scheme() { return \"nolib\"; } }"), Map.of());
        jar(root.resolve("nolib/writer-nolib.jar"), Map.of("nolib.NolibProvider", lineWriterSource("nolib", "NolibProvider", "nolib", "1")
                .replace("return \"nolib\";", "return lib.Names.scheme();")), pluginResources("nolib", API, "nolib.NolibProvider"), lib);
        jar(root.resolve("static/writer-static.jar"), Map.of("stat.StaticProvider", lineWriterSource("stat", "StaticProvider", "stat", "1")
                .replace("public String scheme()", "static { if (Boolean.parseBoolean(\"true\")) { throw new IllegalStateException(\"no native "
                        + "library\"); } }\n    public String scheme()")), pluginResources("static", API, "stat.StaticProvider"));

        PluginException e = catchThrowableOfType(PluginException.class, () -> WriterRegistry.fromPluginDirectory(root));

        assertThat(e.getMessage().lines()).containsExactly(
                "writer plugin directory " + root.resolve("static") + ": provider stat.StaticProvider of writer-static.jar failed in its "
                        + "static initializer: java.lang.IllegalStateException: no native library; fix the plugin or remove the directory",
                "writer plugin nolib in " + root.resolve("nolib") + " (nolib.NolibProvider) failed to report its scheme: "
                        + "java.lang.NoClassDefFoundError: lib/Names; a library it needs is missing or it was built for another Java or "
                        + "fanout version");
    }

    @Test
    void twoPluginsClaimingOneSchemeAreRefusedNamingBothDirectories() throws Exception {
        plugin("first", "first", "same", API);
        plugin("second", "second", "same", API);

        PluginException e = catchThrowableOfType(PluginException.class, () -> WriterRegistry.fromPluginDirectory(root));

        assertThat(e).hasMessage("two writer plugins claim scheme 'same': plugin first in " + root.resolve("first")
                + " (same.SameProvider) and plugin second in " + root.resolve("second") + " (same.SameProvider)"
                + "; remove one of the two directories");
    }

    @Test
    void aPluginBuiltForAnotherMajorOrANewerMinorIsRefusedNamingItsDirectory() throws Exception {
        ApiVersion host = ApiVersion.current();
        plugin("old-major", "oldmajor", "om", (host.major() + 1) + ".0");
        plugin("new-minor", "newminor", "nm", host.major() + "." + (host.minor() + 1));

        PluginException e = catchThrowableOfType(PluginException.class, () -> WriterRegistry.fromPluginDirectory(root));

        assertThat(e.getMessage().lines()).containsExactly(
                "writer plugin directory " + root.resolve("new-minor") + ": plugin newminor 1.0 was built for fanout API "
                        + host.major() + "." + (host.minor() + 1) + ", and this fanout has API " + host + " (it runs plugins built for "
                        + host.major() + ".0 to " + host + "); install a version of the plugin built for API " + host
                        + " or remove the directory",
                "writer plugin directory " + root.resolve("old-major") + ": plugin oldmajor 1.0 was built for fanout API "
                        + (host.major() + 1) + ".0, and this fanout has API " + host + " (it runs plugins built for "
                        + host.major() + ".0 to " + host + "); install a version of the plugin built for API " + host
                        + " or remove the directory");
    }

    @Test
    void aDamagedJarIsRefusedNamingItsDirectory() throws Exception {
        Files.createDirectories(root.resolve("broken"));
        Files.write(root.resolve("broken/writer-broken.jar"), new byte[] {'P', 'K', 3, 4, 0, 1, 2});

        PluginException e = catchThrowableOfType(PluginException.class, () -> WriterRegistry.fromPluginDirectory(root));

        assertThat(e).hasMessageStartingWith("writer plugin directory " + root.resolve("broken") + ": cannot read jar writer-broken.jar (")
                .hasMessageEndingWith("); it is damaged or not a jar: replace or remove it")
                .hasNoCause();
    }

    @Test
    void aProviderClassThatIsMissingOrThrowsInItsConstructorIsRefusedNamingTheDirectory() throws Exception {
        jar(root.resolve("missing/writer-missing.jar"), Map.of(), pluginResources("missing", API, "gone.GoneProvider"));
        jar(root.resolve("throwing/writer-throwing.jar"), Map.of("boom.BoomProvider", lineWriterSource("boom", "BoomProvider", "boom", "1")
                .replace("public String scheme()", "public BoomProvider() { throw new IllegalStateException(\"no licence key\"); }\n    public String scheme()")),
                pluginResources("throwing", API, "boom.BoomProvider"));

        PluginException e = catchThrowableOfType(PluginException.class, () -> WriterRegistry.fromPluginDirectory(root));

        assertThat(e.getMessage().lines()).containsExactly(
                "writer plugin directory " + root.resolve("missing") + ": provider gone.GoneProvider of writer-missing.jar is not in the "
                        + "directory's jars; a jar of the plugin is missing or the services file names the wrong class",
                "writer plugin directory " + root.resolve("throwing") + ": provider boom.BoomProvider of writer-throwing.jar failed in its "
                        + "constructor: java.lang.IllegalStateException: no licence key; fix the plugin or remove the directory");
        assertThat(e).hasNoCause().isNotInstanceOf(ServiceConfigurationError.class);
    }

    @Test
    void aJarWithoutDescriptorOrLyingLooseInTheRootIsRefused() throws Exception {
        jar(root.resolve("bare/writer-bare.jar"), Map.of(), PluginJars.services("bare.BareProvider"));
        jar(root.resolve("loose.jar"), Map.of(), Map.of());

        PluginException e = catchThrowableOfType(PluginException.class, () -> WriterRegistry.fromPluginDirectory(root));

        assertThat(e.getMessage().lines()).containsExactly(
                "writer plugin directory " + root.resolve("bare") + ": no jar holds META-INF/fanout-plugin.properties (name, version, "
                        + "api.version); it is not a fanout plugin, or one built before plugins declared themselves: rebuild it against "
                        + "this fanout-api",
                "writer plugin jar " + root.resolve("loose.jar") + " lies directly in the plugin directory " + root
                        + "; each plugin has a directory of its own: move it and its libraries into " + root + "/<plugin name>/");
    }

    @Test
    void anUnfilteredDescriptorIsRefusedNamingTheJar() throws Exception {
        plugin("raw", "raw", "raw", "${fanout.version}");

        assertThatThrownBy(() -> WriterRegistry.fromPluginDirectory(root)).isInstanceOf(PluginException.class)
                .hasMessage("writer plugin directory " + root.resolve("raw") + ": writer-raw.jar!/META-INF/fanout-plugin.properties: "
                        + "'api.version' is unfiltered (${fanout.version}); rebuild the plugin with a complete descriptor");
    }

    @Test
    void aPluginBundlingAnotherPluginRegistersOnlyItsOwnProviders() throws Exception {
        Path inner = plugin("inner", "inner", "inner", API);
        plugin("outer", "outer", "outer", API);
        Files.copy(inner, root.resolve("outer/writer-inner.jar"));

        WriterRegistry registry = WriterRegistry.fromPluginDirectory(root);

        assertThat(registry.plugins()).extracting(PluginInfo::scheme, PluginInfo::directory).containsExactly(
                org.assertj.core.groups.Tuple.tuple("inner", root.resolve("inner").toString()),
                org.assertj.core.groups.Tuple.tuple("outer", root.resolve("outer").toString()));
    }

    @Test
    void severalPluginDescriptorsWithoutOneNamedAfterTheDirectoryAreRefused() throws Exception {
        Path a = plugin("a", "a", "a", API);
        Path b = plugin("b", "b", "b", API);
        Files.createDirectories(root.resolve("both"));
        Files.move(a, root.resolve("both/writer-a.jar"));
        Files.move(b, root.resolve("both/writer-b.jar"));
        Files.delete(root.resolve("a"));
        Files.delete(root.resolve("b"));

        assertThatThrownBy(() -> WriterRegistry.fromPluginDirectory(root)).isInstanceOf(PluginException.class)
                .hasMessage("writer plugin directory " + root.resolve("both") + ": several jars declare a plugin, writer-a.jar (plugin a), "
                        + "writer-b.jar (plugin b), and none is named after the directory; rename the directory to the name of the plugin "
                        + "it holds, or move the other plugins to directories of their own");
    }

    @Test
    void aMissingRootIsRefusedNamingIt() {
        assertThatThrownBy(() -> WriterRegistry.fromPluginDirectory(root.resolve("nope"))).isInstanceOf(PluginException.class)
                .hasMessageStartingWith("writer plugin directory " + root.resolve("nope") + " does not exist");
    }
}
