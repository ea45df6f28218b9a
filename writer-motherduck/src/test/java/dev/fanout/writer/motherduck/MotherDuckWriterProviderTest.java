package dev.fanout.writer.motherduck;

import dev.fanout.writer.duckdb.DuckDbTables;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.writer.duckdb.DuckDbWriterProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** URIs, options, physical targets, token redaction, the one-table form and schemas, without MotherDuck. */
class MotherDuckWriterProviderTest {

    private static final String TOKEN = "md-token-0123456789abcdef";
    private static final Schema TRADES = Schema.of(List.of(Column.of("trade_id", LogicalType.INT64), Column.of("px", LogicalType.FLOAT64)),
            List.of("trade_id"));

    @TempDir
    Path dir;

    private final MotherDuckWriterProvider provider = new MotherDuckWriterProvider();

    private Destination destination(String uri, Map<String, String> options) {
        Set<String> sensitive = provider.options().stream().filter(OptionSpec::sensitive).map(OptionSpec::name).collect(Collectors.toSet());
        return new Destination("hot", uri, options, dir, sensitive);
    }

    private Destination destination(String uri) {
        return destination(uri, Map.of());
    }

    private static WriteBatch trades(String table, long version, long... ids) {
        FramePacket.Builder b = FramePacket.builder(table, TRADES).version(version);
        for (long id : ids) {
            b.addRow(id, 1.5 * id);
        }
        return WriteBatch.of(b.build());
    }

    @Test
    void bothUriFormsParse() {
        MotherDuckDestination whole = MotherDuckDestination.of(destination("md:market"));
        assertThat(whole.database()).isEqualTo("market");
        assertThat(whole.schema()).isEqualTo("main");
        assertThat(whole.table()).isNull();

        MotherDuckDestination one = MotherDuckDestination.of(destination("md://market.analytics/trades"));
        assertThat(one.database()).isEqualTo("market");
        assertThat(one.schema()).isEqualTo("analytics");
        assertThat(one.table()).isEqualTo("trades");
        assertThat(one.uri()).isEqualTo("md://market.analytics/trades");

        MotherDuckDestination mainByDefault = MotherDuckDestination.of(destination("md://market/trades"));
        assertThat(mainByDefault.schema()).isEqualTo("main");
        assertThat(mainByDefault.table()).isEqualTo("trades");

        assertThat(provider.validate(destination("MD:Market_2"))).isEmpty();
        assertThat(provider.validate(destination("md://market.main/trades"))).isEmpty();
    }

    @Test
    void badUrisAreClearProblems() {
        assertThat(provider.validate(destination("md:"))).singleElement().asString()
                .startsWith("destination hot: ").contains("names no database").contains("md:market");
        assertThat(provider.validate(destination("md://"))).singleElement().asString().contains("names no database");
        assertThat(provider.validate(destination("md:mar ket"))).singleElement().asString()
                .contains("'mar ket' is not a valid database name").contains("letters, digits and underscores");
        assertThat(provider.validate(destination("md:market-eu"))).singleElement().asString().contains("'market-eu' is not a valid database name");
        assertThat(provider.validate(destination("md://market.main/tr;ades"))).singleElement().asString().contains("'tr;ades' is not a valid table name");
        assertThat(provider.validate(destination("md://market.ma in/trades"))).singleElement().asString().contains("schema name");
        assertThat(provider.validate(destination("md://market.main/trades/extra"))).singleElement().asString()
                .contains("extra path parts").contains("md://database.schema/table");
        assertThat(provider.validate(destination("md://market.main"))).singleElement().asString()
                .contains("names no table").contains("md:<database>");
        assertThat(provider.validate(destination("md://market.main/"))).singleElement().asString().contains("names no table");
        assertThat(provider.validate(destination("md://a.b.c/trades"))).singleElement().asString().contains("'a.b.c' is not database.schema");
        assertThat(provider.validate(destination("md://.main/trades"))).singleElement().asString().contains("empty database name");
        assertThat(provider.validate(destination("md:market/trades"))).singleElement().asString()
                .contains("md://database.schema/table").contains("md://market.main/trades");
        assertThat(provider.validate(destination("md:market.main"))).singleElement().asString().contains("no schema");
        assertThat(provider.validate(destination("duckdb:x.duckdb"))).singleElement().asString().contains("scheme must be md");
        assertThatThrownBy(() -> provider.create(destination("md:")))
                .isInstanceOf(WriteException.class).hasMessageContaining("names no database");
    }

    @Test
    void aTokenPutInTheUriIsRefusedWithoutBeingRepeated() {
        for (String uri : List.of("md:market?motherduck_token=" + TOKEN, "md://" + TOKEN + "@market.main/trades", "md:market#" + TOKEN)) {
            List<String> problems = provider.validate(destination(uri));
            assertThat(problems).as(uri).singleElement().asString().doesNotContain(TOKEN).contains("option");
        }
    }

    @Test
    void optionsAreChecked() {
        List<String> problems = provider.validate(destination("md:market", Map.of("attach_mode", "shared", "saas_mode", "yes",
                "threads", "2", "token", "$MOTHERDUCK_TOKEN")));
        assertThat(problems).hasSize(4)
                .anySatisfy(p -> assertThat(p).contains("attach_mode must be workspace or single"))
                .anySatisfy(p -> assertThat(p).contains("saas_mode must be true or false"))
                .anySatisfy(p -> assertThat(p).contains("unknown option 'threads'").contains("token, attach_mode, saas_mode, extension_directory"))
                .anySatisfy(p -> assertThat(p).contains("${MOTHERDUCK_TOKEN}").contains("braces"));
        assertThat(provider.validate(destination("md:market", Map.of("token", "abc def")))).singleElement().asString()
                .contains("whitespace").doesNotContain("abc");
        assertThat(provider.validate(destination("md:market", Map.of("token", "", "attach_mode", "single", "saas_mode", "true",
                "extension_directory", "ext", "extension_repository", "http://mirror.internal/duckdb-extensions")))).isEmpty();
        assertThat(provider.validate(destination("md:market", Map.of("extension_repository", " ")))).singleElement().asString()
                .contains("option extension_repository is empty");
        assertThat(provider.validate(destination("md:market", Map.of("extension_repository", "http://mirror internal/x"))))
                .singleElement().asString().contains("option extension_repository must be the URL of an extension repository without "
                        + "whitespace");
    }

    /**
     * The repository URL is printed (in fanout's offline message, and in DuckDB's, which quotes the
     * download URL), so a URL carrying credentials is refused, without repeating them.
     */
    @Test
    void anExtensionRepositoryUrlWithCredentialsIsRefusedWithoutRepeatingThem() {
        for (String repository : List.of("https://fanout:" + TOKEN + "@mirror.internal/duckdb-extensions",
                "http://" + TOKEN + "@mirror.internal", "https://user:" + TOKEN + "@mirror.internal:8443")) {
            assertThat(provider.validate(destination("md:market", Map.of("extension_repository", repository)))).as(repository)
                    .singleElement().asString()
                    .contains("option extension_repository holds user info")
                    .contains("use a mirror that needs no credentials in the URL")
                    .doesNotContain(TOKEN);
            assertThatThrownBy(() -> provider.create(destination("md:market", Map.of("extension_repository", repository))))
                    .isInstanceOf(WriteException.class).hasMessageNotContaining(TOKEN);
        }
        for (String repository : List.of("https://mirror.internal/ext?token=" + TOKEN, "https://mirror.internal/ext#" + TOKEN)) {
            assertThat(provider.validate(destination("md:market", Map.of("extension_repository", repository)))).as(repository)
                    .singleElement().asString().contains("has a query or fragment").doesNotContain(TOKEN);
        }
        assertThat(provider.validate(destination("md:market", Map.of("extension_repository",
                "https://mirror.internal/duckdb-extensions/@latest")))).as("an '@' in the path is no user info").isEmpty();
    }

    /**
     * A repository that is not a URL is a local directory, resolved against the topology like
     * extension_directory (not against the process's working directory), and may hold spaces.
     */
    @Test
    void aLocalExtensionRepositoryIsResolvedAgainstTheTopologyAndMayHoldSpaces() throws Exception {
        Files.writeString(dir.resolve("a file"), "x");
        Destination local = destination("md:market", Map.of("extension_repository", "offline mirror/duckdb"));

        assertThat(provider.validate(local)).isEmpty();
        MotherDuckDestination parsed = MotherDuckDestination.of(local);
        assertThat(parsed.extensionRepository()).isEqualTo(dir.resolve("offline mirror/duckdb").toAbsolutePath().normalize().toString());
        assertThat(parsed.localExtensionRepository()).isTrue();
        assertThat(parsed.extensionSource()).isEqualTo(parsed.extensionRepository());
        Path absolute = dir.resolve("elsewhere").toAbsolutePath();
        assertThat(MotherDuckDestination.of(destination("md:market", Map.of("extension_repository", absolute.toString())))
                .extensionRepository()).isEqualTo(absolute.toString());
        MotherDuckDestination url = MotherDuckDestination.of(destination("md:market", Map.of("extension_repository",
                "http://mirror.internal/duckdb-extensions")));
        assertThat(url.extensionRepository()).as("a URL is passed as written").isEqualTo("http://mirror.internal/duckdb-extensions");
        assertThat(url.localExtensionRepository()).isFalse();
        assertThat(provider.validate(destination("md:market", Map.of("extension_repository", "a file")))).singleElement().asString()
                .contains("option extension_repository: ").contains("is not a directory");
    }

    @Test
    void extensionDirectoryAndTestPathMustBeUsablePaths() throws Exception {
        Files.writeString(dir.resolve("afile"), "x");
        Files.createDirectories(dir.resolve("adir"));
        assertThat(provider.validate(destination("md:market", Map.of("extension_directory", "afile")))).singleElement().asString()
                .contains("is not a directory");
        assertThat(provider.validate(destination("md:market", Map.of("test_local_path", "adir")))).singleElement().asString()
                .contains("is a directory");
        assertThat(provider.validate(destination("md:market", Map.of("test_local_path", ":memory:")))).singleElement().asString()
                .contains("in-memory");
        assertThat(provider.validate(destination("md:market", Map.of("extension_directory", " ")))).singleElement().asString()
                .contains("is empty");
    }

    @Test
    void tokenIsDeclaredSecretAndNeverPrinted() throws Exception {
        assertThat(provider.options()).filteredOn(OptionSpec::sensitive).extracting(OptionSpec::name).containsExactly("token");
        Destination d = destination("md://market.main/trades", Map.of("token", TOKEN, "attach_mode", "single"));

        assertThat(d.toString()).doesNotContain(TOKEN).contains("token=****").contains("attach_mode=single");
        MotherDuckDestination parsed = MotherDuckDestination.of(d);
        assertThat(parsed.token()).isEqualTo(TOKEN);
        assertThat(parsed.toString()).doesNotContain(TOKEN).contains("token ****");
        MotherDuckTarget target = new MotherDuckTarget(parsed);
        assertThat(target.jdbcUrl()).isEqualTo("jdbc:duckdb:md:market?attach_mode=single").doesNotContain(TOKEN);
        assertThat(target.describe()).isEqualTo("MotherDuck database md:market");
        assertThat(target.toString()).doesNotContain(TOKEN);
        try (BaseWriter writer = provider.create(d)) {
            assertThat(writer.toString()).doesNotContain(TOKEN).contains("hot");
        }
    }

    @Test
    void physicalTargetIsTheLowercasedDatabaseOrInTestModeTheLocalFile() throws Exception {
        assertThat(provider.physicalTarget(destination("md:Market"))).isEqualTo("md:market");
        assertThat(provider.physicalTarget(destination("md://MARKET.analytics/trades"))).isEqualTo("md:market");

        Files.createDirectories(dir.resolve("data"));
        String testMode = provider.physicalTarget(destination("md:market", Map.of("test_local_path", "data/../data/md.duckdb")));
        String sameFileAsDuckDb = new DuckDbWriterProvider().physicalTarget(Destination.of("local", "duckdb:data/md.duckdb", dir));
        assertThat(testMode).isEqualTo(sameFileAsDuckDb);
    }

    @Test
    void oneTableFormRefusesOtherTablesNamingBoth() throws Exception {
        Destination d = destination("md://market.main/trades", Map.of("test_local_path", "md.duckdb"));
        try (BaseWriter writer = provider.create(d)) {
            writer.open();
            writer.write(trades("TRADES", 1, 1, 2));

            WriteException e = catchThrowableOfType(WriteException.class, () -> writer.write(trades("quotes", 1, 1)));

            assertThat(e.retryable()).isFalse();
            assertThat(e.table()).hasValue("quotes");
            assertThat(e.getMessage()).isEqualTo("destination hot takes only table trades (its URI md://market.main/trades names it), "
                    + "but a packet of table quotes was routed to it — route quotes to another destination, or use md:market "
                    + "for every table of the database");
        }
        assertThat(DuckDbTables.rows(dir.resolve("md.duckdb"), "main", "trades")).hasSize(2);
    }

    @Test
    void theOneTableFormReadsItsTableOnlyAndTheWholeDatabaseFormEveryTable() throws Exception {
        Map<String, String> local = Map.of("test_local_path", "md.duckdb");
        try (BaseWriter writer = provider.create(destination("md:market", local))) {
            writer.open();
            writer.write(trades("trades", 1, 1, 2));
            writer.write(trades("quotes", 1, 7));
            assertThat(writer.reader().orElseThrow().tables()).containsExactly("quotes", "trades");
        }

        try (BaseWriter writer = provider.create(destination("md://market.main/trades", local))) {
            writer.open();
            TableReader reader = writer.reader().orElseThrow();

            assertThat(reader.tables()).containsExactly("trades");
            assertThat(reader.schema("TRADES")).contains(TRADES);
            assertThat(reader.count("trades", RowFilter.all())).isEqualTo(2);
            assertThat(reader.schema("quotes")).isEmpty();
            assertThat(reader.count("quotes", RowFilter.all())).isZero();
            assertThat(reader.delete("quotes", RowFilter.all())).isZero();
            List<FramePacket> scanned = new ArrayList<>();
            reader.scan("quotes", RowFilter.all(), Optional.empty(), 10, scanned::add);
            assertThat(scanned).isEmpty();
        }
        assertThat(DuckDbTables.rows(dir.resolve("md.duckdb"), "main", "quotes")).hasSize(1);
    }

    @Test
    void aSchemaOtherThanMainHoldsTheTablesAndIsCreatedWhenMissing() throws Exception {
        Destination d = destination("md://market.analytics/trades", Map.of("test_local_path", "md.duckdb"));
        try (BaseWriter writer = provider.create(d)) {
            writer.open();
            writer.write(trades("trades", 1, 1, 2));
        }
        try (BaseWriter writer = provider.create(d)) {
            writer.open();
            writer.write(trades("trades", 2, 2, 3));
        }
        assertThat(DuckDbTables.rows(dir.resolve("md.duckdb"), "analytics", "trades"))
                .extracting(r -> r.get("trade_id") + "@" + r.get("_fanout_version"))
                .containsExactlyInAnyOrder("1@1", "2@2", "3@2");
    }

    @Test
    void failuresAreClassifiedForMotherDuck() {
        String offline = "IO Error: Failed to download extension \"motherduck\" at URL "
                + "\"http://extensions.duckdb.org/v2.0.0/linux_amd64/motherduck.duckdb_extension.gz\"\nExtension \"motherduck\" is an "
                + "existing extension.\n\nFor more info, visit https://duckdb.org/docs/ (ERROR Could not establish connection)";
        String notInstalled = "IO Error: Extension \"/root/.duckdb/extensions/v2.0.0/linux_amd64/motherduck.duckdb_extension\" not found.\n"
                + "Extension \"md\" is an existing extension.\n\nInstall it first using \"INSTALL md\".";
        MotherDuckTarget target = new MotherDuckTarget(MotherDuckDestination.of(destination("md:market", Map.of("token", TOKEN))));

        assertThat(MotherDuckFailure.isExtensionMissing(offline)).isTrue();
        assertThat(MotherDuckFailure.isExtensionMissing(notInstalled)).isTrue();
        assertThat(target.isTransient(offline)).isFalse();
        assertThat(target.isTransient(notInstalled)).isFalse();
        // what DuckDB v2.0.0 says with a local-directory extension_repository: nothing there, and a damaged file there
        for (String local : List.of("IO Error: Failed to install local extension \"motherduck\", no access to the file at PATH "
                + "\"/srv/offline mirror/v2.0.0/linux_amd64/motherduck.duckdb_extension\"",
                "IO Error: Failed to install 'motherduck', file too small to be a valid DuckDB extension!")) {
            assertThat(MotherDuckFailure.isExtensionMissing(local)).as(local).isTrue();
            assertThat(target.isTransient(local)).as(local).isFalse();
        }
        assertThat(MotherDuckFailure.isExtensionMissing("Invalid Input Error: Initialization function \"motherduck_init\" from file "
                + "\"motherduck.duckdb_extension\" threw an exception: \"not found\"")).isFalse();

        assertThat(target.isTransient("IO Error: Connection refused")).isTrue();
        assertThat(target.isTransient("Invalid Input Error: Failed to attach 'market': UNAVAILABLE: failed to connect to all addresses")).isTrue();
        assertThat(target.isTransient("Binder Error: DEADLINE_EXCEEDED while executing")).isTrue();
        assertThat(target.isTransient("HTTP GET error on 'https://api.motherduck.com' (HTTP 503)")).isTrue();
        assertThat(target.isTransient("Invalid Input Error: UNAUTHENTICATED: Invalid token")).isFalse();
        assertThat(target.isTransient("Constraint Error: Duplicate key \"id: 503\" violates primary key constraint")).isFalse();
        assertThat(target.isTransient("TransactionContext Error: write-write conflict")).isTrue();

        WriteException missing = MotherDuckFailure.whileOpening(MotherDuckDestination.of(destination("md:market")), offline, true);
        assertThat(missing.retryable()).isFalse();
        assertThat(missing.getCause()).isNull();
        assertThat(missing.getMessage()).contains("v2.0.0/linux_amd64/motherduck.duckdb_extension").doesNotContain("\n")
                .contains("(no network access to extensions.duckdb.org?)").endsWith("network access to extensions.duckdb.org.");

        WriteException refused = MotherDuckFailure.whileOpening(MotherDuckDestination.of(destination("md:market", Map.of("token", TOKEN))),
                "Invalid Input Error: UNAUTHENTICATED: token " + TOKEN + " is invalid", false);
        assertThat(refused.retryable()).isFalse();
        assertThat(refused.getMessage()).doesNotContain(TOKEN).contains("****").contains("refused the credentials");

        WriteException network = MotherDuckFailure.whileOpening(MotherDuckDestination.of(destination("md:market")),
                "IO Error: Connection refused", true);
        assertThat(network.retryable()).isTrue();
        assertThat(network.getMessage()).isEqualTo("destination hot: cannot connect to MotherDuck database md:market: "
                + "IO Error: Connection refused (a network or service problem; fanout retries)");
    }

    @Test
    void openFailuresKeepDuckDbsCauseLinesAndNeverTheToken() {
        MotherDuckDestination withToken = MotherDuckDestination.of(destination("md:market", Map.of("token", TOKEN)));
        // DuckDB puts the headline on the first line and the cause after it; the token may be echoed anywhere
        String attach = "Invalid Input Error: Failed to attach 'market'\nCaused by: UNAVAILABLE: failed to connect to all addresses; "
                + "last error: Connection refused (token " + TOKEN + ")\n\nPossible Solution: check the network";

        WriteException network = MotherDuckFailure.whileOpening(withToken, attach, true);

        assertThat(network.retryable()).isTrue();
        assertThat(network.getCause()).isNull();
        assertThat(network.getMessage()).doesNotContain("\n").doesNotContain(TOKEN).doesNotContain("Possible Solution")
                .isEqualTo("destination hot: cannot connect to MotherDuck database md:market: Invalid Input Error: Failed to attach "
                        + "'market'; Caused by: UNAVAILABLE: failed to connect to all addresses; last error: Connection refused "
                        + "(token ****) (a network or service problem; fanout retries)");

        String refusedLater = "Invalid Input Error: Failed to attach 'market'\nUNAUTHENTICATED: token " + TOKEN + " has expired";
        WriteException refused = MotherDuckFailure.whileOpening(withToken, refusedLater, false);
        assertThat(refused.getMessage()).doesNotContain(TOKEN).contains("token **** has expired").contains("refused the credentials");

        String offline = "IO Error: Failed to download extension \"motherduck\" at URL "
                + "\"http://extensions.duckdb.org/v2.0.0/linux_amd64/motherduck.duckdb_extension.gz\"\n(ERROR Could not establish connection)";
        WriteException missing = MotherDuckFailure.whileOpening(withToken, offline, true);
        assertThat(missing.getMessage()).doesNotContain(TOKEN).contains("(ERROR Could not establish connection)")
                .contains("<dir>/v2.0.0/linux_amd64/motherduck.duckdb_extension exists");
    }
}
