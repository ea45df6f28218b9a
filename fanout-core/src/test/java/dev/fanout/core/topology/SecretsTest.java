package dev.fanout.core.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.Destination;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.testplugin.FsProvider;
import dev.fanout.core.testplugin.MemProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secret option values and URI passwords never reach a message or a {@code toString()}. */
class SecretsTest {

    private static final List<String> SECRETS = List.of("k3y-zz9", "s3cr3t-pw", "pw-in-uri");
    private static final Map<String, String> ENV = Map.of("SUFFIX", "zz9", "CH_PASSWORD", "s3cr3t-pw");

    @TempDir
    Path dir;

    private final WriterRegistry registry = WriterRegistry.of(List.of(new FsProvider(), new MemProvider()));

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("topology.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static void assertNoSecret(String text) {
        for (String secret : SECRETS) {
            assertThat(text).doesNotContain(secret);
        }
    }

    @Test
    void validatorMessagesAndToStringsMaskSecrets() throws IOException {
        Topology t = TopologyLoader.load(write("""
                version: 1
                destinations:
                  hot: { uri: "fs:data/hot.db", options: { auth_key: "k3y-${SUFFIX}", password: "${CH_PASSWORD}", leak: "yes" } }
                  remote: { uri: "mem://admin:pw-in-uri@host/db", options: { leak: "yes" } }
                default: hot
                """), ENV::get);
        assertThat(t.destinations().get("hot").options()).containsEntry("auth_key", "k3y-zz9");

        TopologyException e = catchThrowableOfType(TopologyException.class, () -> new TopologyValidator(registry).validate(t));

        assertThat(e.problems()).extracting(Problem::message).containsExactly(
                "destination hot rejected auth_key=**** password=**** uri=fs:data/hot.db",
                "destination remote rejected auth_key=null password=null uri=mem://****@host/db");
        List<String> printed = new ArrayList<>(List.of(e.getMessage(), e.toString(), t.toString(),
                t.destinations().get("hot").toString(), t.destinations().get("remote").toString(),
                t.destination("hot", registry.sensitiveOptions("fs")).toString(),
                t.destination("remote", registry.sensitiveOptions("mem")).toString()));
        printed.forEach(SecretsTest::assertNoSecret);
        assertThat(t.destinations().get("hot").toString()).contains("options [auth_key, password, leak]");
    }

    @Test
    void loaderMessagesNeverQuoteValuesFromTheLine() throws IOException {
        TopologyException unknownKey = catchThrowableOfType(TopologyException.class, () -> TopologyLoader.load(write("""
                version: 1
                destinations:
                  hot: { uri: "fs:h.db", options: { password: "${CH_PASSWORD}" }, extra: "${CH_PASSWORD}" }
                default: hot
                """), ENV::get));
        assertThat(unknownKey.problems()).hasSize(1);
        assertNoSecret(unknownKey.getMessage());

        TopologyException syntax = catchThrowableOfType(TopologyException.class, () -> TopologyLoader.load(write("""
                version: 1
                destinations:
                  hot: { uri: "fs:h.db", options: { password: s3cr3t-pw }
                default: hot
                """), ENV::get));
        assertThat(syntax.getMessage()).contains("YAML syntax error");
        assertNoSecret(syntax.getMessage());
    }

    @Test
    void passwordsHoldingAtAndQuerySecretsAreMaskedEverywhere() throws IOException {
        Topology t = TopologyLoader.load(write("""
                version: 1
                destinations:
                  remote: { uri: "mem://admin:p@ss@host/db?motherduck_token=tok-1&mode=rw" }
                  cloud: { uri: "mem:?motherduck_token=tok-2" }
                default: remote
                """), ENV::get);
        DestinationSpec remote = t.destinations().get("remote");
        Destination destination = t.destination("remote", registry.sensitiveOptions("mem"));

        assertThat(remote.redactedUri()).isEqualTo("mem://****@host/db?motherduck_token=****&mode=rw")
                .isEqualTo(destination.redactedUri());
        assertThat(t.destinations().get("cloud").redactedUri()).isEqualTo("mem:?motherduck_token=****");
        assertThat(TopologyValidator.redact("failed: " + remote.uri() + "; password p@ss, token tok-1, user admin", destination))
                .isEqualTo("failed: mem://****@host/db?motherduck_token=****&mode=rw; password ****, token ****, user admin");
        for (String printed : List.of(t.toString(), remote.toString(), destination.toString(), t.destinations().get("cloud").toString())) {
            assertThat(printed).doesNotContain("p@ss").doesNotContain("ss@host").doesNotContain("tok-1").doesNotContain("tok-2");
        }
    }
}
