package dev.fanout.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.WriterProvider;
import dev.fanout.core.testplugin.FsProvider;
import dev.fanout.core.testplugin.MemProvider;
import dev.fanout.core.testplugin.OtherFsProvider;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriterRegistryTest {

    private static final String TEST_CLASSES = WriterRegistry.location(new FsProvider());

    @TempDir
    Path dir;

    @Test
    void mapsSchemesToProvidersAndDescribesThem() {
        WriterRegistry registry = WriterRegistry.of(List.of(new MemProvider(), new FsProvider()));

        assertThat(registry.schemes()).containsExactly("fs", "mem");
        assertThat(registry.provider("fs")).get().isInstanceOf(FsProvider.class);
        assertThat(registry.provider("FS")).get().isInstanceOf(FsProvider.class);
        assertThat(registry.provider("ch")).isEmpty();
        assertThat(registry.plugins()).containsExactly(
                new PluginInfo("fs", "files for tests", FsProvider.class.getName(), TEST_CLASSES, PluginInfo.UNKNOWN, PluginInfo.UNKNOWN,
                        PluginInfo.UNKNOWN, PluginInfo.CLASS_PATH, Set.of()),
                new PluginInfo("mem", "memory for tests", MemProvider.class.getName(), TEST_CLASSES, PluginInfo.UNKNOWN, PluginInfo.UNKNOWN,
                        PluginInfo.UNKNOWN, PluginInfo.CLASS_PATH, Set.of()));
        assertThat(registry.sensitiveOptions("fs")).containsExactly("auth_key");
        assertThat(registry.sensitiveOptions("nope")).isEmpty();
    }

    @Test
    void pluginLocationIsTheDirectoryOrJarOfTheClass() {
        assertThat(Path.of(TEST_CLASSES)).isDirectory();
        assertThat(Path.of(TEST_CLASSES).resolve("dev/fanout/core/testplugin/FsProvider.class")).exists();
    }

    @Test
    void twoProvidersForOneSchemeAreRefusedNamingBoth() {
        PluginException e = catchThrowableOfType(PluginException.class,
                () -> WriterRegistry.of(List.of(new FsProvider(), new OtherFsProvider())));

        assertThat(e).hasMessage("two writer plugins claim scheme 'fs': " + FsProvider.class.getName() + " from "
                + TEST_CLASSES + " and " + OtherFsProvider.class.getName() + " from " + TEST_CLASSES
                + "; remove one of them");
    }

    @Test
    void invalidSchemeIsRefused() {
        WriterProvider shouting = new FsProvider() {
            @Override
            public String scheme() {
                return "FS";
            }
        };
        assertThat(catchThrowableOfType(PluginException.class, () -> WriterRegistry.of(List.of(shouting))))
                .hasMessageContaining("declares the invalid scheme 'FS'");
    }

    private ClassLoader loaderWithServices(String... providerClasses) throws IOException {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(WriterProvider.class.getName()), String.join("\n", providerClasses) + "\n");
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
    }

    @Test
    void discoversProvidersWithServiceLoader() throws IOException {
        WriterRegistry registry = WriterRegistry.fromClassLoader(
                loaderWithServices(FsProvider.class.getName(), MemProvider.class.getName()));

        assertThat(registry.schemes()).containsExactly("fs", "mem");
        assertThat(registry.plugins()).extracting(PluginInfo::location).containsOnly(TEST_CLASSES);
    }

    @Test
    void duplicateSchemeThroughServiceLoader() throws IOException {
        PluginException e = catchThrowableOfType(PluginException.class, () -> WriterRegistry.fromClassLoader(
                loaderWithServices(FsProvider.class.getName(), OtherFsProvider.class.getName())));
        assertThat(e).hasMessageContaining("two writer plugins claim scheme 'fs'")
                .hasMessageContaining(OtherFsProvider.class.getName());
    }

    @Test
    void brokenServiceRegistrationBecomesAClearError() throws IOException {
        PluginException e = catchThrowableOfType(PluginException.class, () -> WriterRegistry.fromClassLoader(
                loaderWithServices("dev.fanout.missing.GoneProvider", FsProvider.class.getName())));

        assertThat(e).hasMessageStartingWith("cannot load a writer plugin: ")
                .hasMessageContaining("dev.fanout.missing.GoneProvider")
                .hasMessageContaining("a jar on the class path is broken or built for another fanout version");
        assertThat(e.getCause()).isInstanceOf(java.util.ServiceConfigurationError.class);
    }

    @Test
    void emptyClassLoaderGivesAnEmptyRegistry() throws IOException {
        WriterRegistry registry = WriterRegistry.fromClassLoader(new URLClassLoader(new URL[0], null));
        assertThat(registry.plugins()).isEmpty();
        assertThat(registry.schemes()).isEqualTo(Set.of());
    }
}
