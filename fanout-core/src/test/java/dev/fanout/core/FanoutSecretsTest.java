package dev.fanout.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.core.dispatch.DispatcherStartException;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.testplugin.LeakyProvider;
import dev.fanout.core.testplugin.MemProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import dev.fanout.core.dispatch.DestinationHealth;
import dev.fanout.core.dispatch.LaneSummary;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a writer says when it cannot be created or opened reaches the caller with the destination's secrets masked. */
@Timeout(30)
class FanoutSecretsTest {

    private static final List<String> SECRETS = List.of("pw-in-uri", "tok-in-uri", "s3cr3t-pw", "k3y-zz9");

    @TempDir
    Path dir;

    private Path topology(String failAt) throws IOException {
        Path file = dir.resolve("topology.yaml");
        Files.writeString(file, """
                version: 1
                destinations:
                  good: { uri: "mem:good" }
                  bad:
                    uri: "leaky://admin:pw-in-uri@host/db?api_token=tok-in-uri"
                    options: { user: admin, password: "s3cr3t-pw", auth_key: "k3y-zz9", fail: %s }
                default: good
                """.formatted(failAt));
        return file;
    }

    @ParameterizedTest
    @ValueSource(strings = {"create", "open"})
    void writerMessagesAreMaskedBeforeTheyAreStored(String failAt) throws IOException {
        Fanout.Builder builder = Fanout.builder().topology(topology(failAt)).requireAllDestinations(true)
                .registry(WriterRegistry.of(List.of(new MemProvider(), new LeakyProvider())));

        DispatcherStartException e = catchThrowableOfType(DispatcherStartException.class, builder::build);

        assertThat(e.failures()).containsOnlyKeys("bad");
        assertThat(e.failures().get("bad")).isEqualTo("cannot " + failAt
                + " leaky://****@host/db?api_token=**** as user admin with password **** and key ****");
        assertThat(e.getMessage()).startsWith("could not open 1 destination: destination bad: cannot " + failAt);
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (String secret : SECRETS) {
                assertThat(t.toString()).doesNotContain(secret);
                assertThat(String.valueOf(t.getMessage())).doesNotContain(secret);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aDestinationThatDoesNotOpenStartsDownWithItsOpenErrorMasked() throws IOException {
        try (Fanout fanout = Fanout.builder().topology(topology("open"))
                .registry(WriterRegistry.of(List.of(new MemProvider(), new LeakyProvider()))).build()) {
            Map<String, DestinationHealth> health = fanout.destinationHealth();

            assertThat(health.get("good").up()).isTrue();
            assertThat(health.get("bad").up()).isFalse();
            assertThat(health.get("bad").lastError())
                    .isEqualTo("cannot open leaky://****@host/db?api_token=**** as user admin with password **** and key ****");
            assertThat(fanout.summary()).extracting(LaneSummary::state).containsExactly("up", "down");
            assertThat(fanout.metrics().getGauges().get("fanout.destination.bad.up").getValue()).isEqualTo(0);
            assertThat(fanout.metrics().getGauges().get("fanout.destination.good.up").getValue()).isEqualTo(1);
        }
    }
}
