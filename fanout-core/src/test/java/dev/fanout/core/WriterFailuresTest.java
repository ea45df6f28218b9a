package dev.fanout.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.WriteException;
import org.junit.jupiter.api.Test;

/**
 * {@link WriterFailures#describe}: a missing class, a native library that does not load and a failed
 * static initializer each get their own sentence, in the words {@code fanout plugins --check} uses.
 */
class WriterFailuresTest {

    @Test
    void aMissingClassNamesTheJarToAdd() {
        assertThat(WriterFailures.describe(new NoClassDefFoundError("com/google/common/collect/ImmutableList")))
                .isEqualTo("class com.google.common.collect.ImmutableList is missing (java.lang.NoClassDefFoundError); add the jar "
                        + "that contains com.google.common.collect.ImmutableList to the writer's plugin directory");
    }

    @Test
    void aMissingClassOfASharedPackageIsAnOlderHostNotAJarToAdd() {
        NoClassDefFoundError e = new NoClassDefFoundError("dev/fanout/api/Newer");
        e.initCause(new ClassNotFoundException("dev.fanout.api.Newer is shared with the host, which does not have it"));

        assertThat(WriterFailures.describe(e)).isEqualTo("class dev.fanout.api.Newer is missing (java.lang.NoClassDefFoundError); "
                + "dev.fanout.api.Newer belongs to fanout-api, which plugins take from fanout itself, and this fanout's lacks it: the "
                + "plugin was built against a newer one (a copy in the writer's plugin directory is ignored); use a fanout whose API "
                + "matches the plugin's, or a build of the plugin for this fanout");
    }

    @Test
    void aNativeLibraryThatDoesNotLoadIsNotAMissingJar() {
        String described = WriterFailures.describe(new UnsatisfiedLinkError(
                "/tmp/libduckdb_java123.so: /tmp/libduckdb_java123.so: failed to map segment from shared object"));

        assertThat(described).startsWith("a native library does not load (java.lang.UnsatisfiedLinkError: /tmp/libduckdb_java123.so: ")
                .contains("-Djava.io.tmpdir=").contains("noexec").doesNotContain("add the jar");
    }

    @Test
    void aFailedStaticInitializerNamesItsCause() {
        String described = WriterFailures.describe(new ExceptionInInitializerError(new IllegalStateException("no driver config")));

        assertThat(described).isEqualTo("a class failed in its static initializer (java.lang.IllegalStateException: no driver config); "
                + "its cause says what the plugin needed and did not find; fix that, or the plugin");
    }

    @Test
    void aClassThatCouldNotBeInitializedEarlierIsAFailedInitializerNotAMissingClass() {
        String described = WriterFailures.describe(new NoClassDefFoundError("Could not initialize class org.duckdb.DuckDBNative"));

        assertThat(described).startsWith("a class failed in its static initializer (java.lang.NoClassDefFoundError: Could not "
                + "initialize class org.duckdb.DuckDBNative)");
    }

    @Test
    void aLinkageErrorInsideAnotherExceptionFollowsThatExceptionsLine() {
        WriteException e = WriteException.permanent("destination d: cannot open", new NoClassDefFoundError("shared/Stamp"));

        assertThat(WriterFailures.describe(e)).isEqualTo("WriteException: destination d: cannot open: class shared.Stamp is missing "
                + "(java.lang.NoClassDefFoundError); add the jar that contains shared.Stamp to the writer's plugin directory");
    }

    @Test
    void otherFailuresAreTheirClassAndMessageOrTheFirstCauseWithOne() {
        assertThat(WriterFailures.describe(new IllegalStateException("boom"))).isEqualTo("IllegalStateException: boom");
        assertThat(WriterFailures.describe(new RuntimeException(new IllegalArgumentException("bad")))).isEqualTo(
                "RuntimeException: java.lang.IllegalArgumentException: bad");
        assertThat(WriterFailures.describe(new UnsupportedOperationException((String) null, new IllegalArgumentException("bad"))))
                .isEqualTo("UnsupportedOperationException, caused by IllegalArgumentException: bad");
    }
}
