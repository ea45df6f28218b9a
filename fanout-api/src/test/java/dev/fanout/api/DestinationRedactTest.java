package dev.fanout.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link Destination#redact} is the one place a URI is masked; every printed form goes through it. */
class DestinationRedactTest {

    private static Destination destination(String uri) {
        return new Destination("d", uri, Map.of(), Path.of("."), Set.of());
    }

    @Test
    void userInfoIsMaskedUpToTheLastAtBeforeThePath() {
        assertThat(Destination.redact("ch://u:p@ss@host/db")).isEqualTo("ch://****@host/db");
        assertThat(Destination.redact("ch://admin:secret@127.0.0.1:8123/market")).isEqualTo("ch://****@127.0.0.1:8123/market");
        assertThat(Destination.redact("ch://u:p@ss@host")).isEqualTo("ch://****@host");
        assertThat(Destination.redact("ch://u:p?w#d@host/db")).isEqualTo("ch://****@host/db");
        assertThat(Destination.redact("ch://host/db/with@in/path")).isEqualTo("ch://host/db/with@in/path");
    }

    @Test
    void sensitiveQueryValuesAreMasked() {
        assertThat(Destination.redact("md:?motherduck_token=abc")).isEqualTo("md:?motherduck_token=****");
        assertThat(Destination.redact("ch://h/db?password=x")).isEqualTo("ch://h/db?password=****");
        assertThat(Destination.redact("md:market?user=me&API_KEY=k1&Secret_Value=s2&mode=rw#frag"))
                .isEqualTo("md:market?user=me&API_KEY=****&Secret_Value=****&mode=rw#frag");
        assertThat(Destination.redact("ch://u:p@ss@h/db?sslmode=on&token=t&x=http://a:b@c/&password="))
                .isEqualTo("ch://****@h/db?sslmode=on&token=****&x=http://****@c/&password=");
    }

    @Test
    void uriWithoutSecretsIsUnchanged() {
        for (String uri : new String[] {"duckdb:data/trades.duckdb", "md:market", "md://market.main/trades",
                "ch://127.0.0.1:8123/market?secure=true", "ch://@host/db", "file:///tmp/x@y", ""}) {
            assertThat(Destination.redact(uri)).isEqualTo(uri);
        }
        assertThat(Destination.redact(null)).isNull();
    }

    @Test
    void printedFormsAndSecretListAgreeWithRedact() {
        Destination d = destination("ch://admin:p@ss@host/db?auth_token=tok-1");

        assertThat(d.redactedUri()).isEqualTo("ch://****@host/db?auth_token=****");
        assertThat(d.toString()).contains("ch://****@host/db?auth_token=****").doesNotContain("p@ss").doesNotContain("tok-1");
        assertThat(d.uriSecrets()).containsExactly("admin:p@ss", "tok-1", "p@ss");
        assertThat(destination("duckdb:data/x.duckdb").uriSecrets()).isEmpty();
    }
}
