package dev.fanout.writer.motherduck;

import dev.fanout.api.Destination;
import dev.fanout.api.OptionSpec;
import dev.fanout.writer.duckdb.LocalFileTarget;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An {@code md} destination parsed and checked without connecting: {@code md:database} (every
 * table routed to it, in schema {@code main}) or {@code md://database.schema/table} (that one
 * table, in that schema; {@code md://database/table} means schema {@code main}).
 * {@link #toString()} never shows the token.
 *
 * @param name               the destination's name in the topology
 * @param database           the MotherDuck database, as written
 * @param schema             the schema the tables go to
 * @param table              the one table this destination takes, or null for any table
 * @param token              the access token, possibly empty (the extension then reads the
 *                           {@code motherduck_token} environment variable); never printed
 * @param attachMode         {@code workspace}, {@code single}, or null for MotherDuck's default
 * @param saasMode           {@code true}, {@code false}, or null for MotherDuck's default
 * @param extensionDirectory where a pre-installed motherduck extension is, or null for DuckDB's default
 * @param extensionRepository where DuckDB installs the extension from: the URL of an internal mirror (holding no
 *                           credentials), or a local directory as an absolute path (resolved against the topology);
 *                           null for extensions.duckdb.org
 * @param testLocalFile      test mode: the local DuckDB file written instead of MotherDuck, or null
 * @param uriSecrets         what {@link Destination#redact} masks in the URI ({@link Destination#uriSecrets()}),
 *                           masked in messages like the token; never printed
 */
record MotherDuckDestination(String name, String database, String schema, String table, String token, String attachMode,
                             String saasMode, Path extensionDirectory, String extensionRepository, Path testLocalFile,
                             List<String> uriSecrets) {

    static final String TOKEN = "token";
    static final String ATTACH_MODE = "attach_mode";
    static final String SAAS_MODE = "saas_mode";
    static final String EXTENSION_DIRECTORY = "extension_directory";
    static final String EXTENSION_REPOSITORY = "extension_repository";
    /** Where DuckDB downloads extensions from unless {@value #EXTENSION_REPOSITORY} says otherwise. */
    static final String DEFAULT_EXTENSION_REPOSITORY = "extensions.duckdb.org";
    static final String TEST_LOCAL_PATH = "test_local_path";
    static final String DEFAULT_SCHEMA = "main";

    static final List<OptionSpec> OPTIONS = List.of(
            OptionSpec.secret(TOKEN, "MotherDuck access token; write \"${MOTHERDUCK_TOKEN}\" in the topology, never the token itself "
                    + "(empty: the motherduck extension reads the environment variable motherduck_token)"),
            OptionSpec.optional(ATTACH_MODE, "workspace (attach the whole MotherDuck workspace) or single (this database only, "
                    + "the saved workspace untouched); MotherDuck's default is workspace", null),
            OptionSpec.optional(SAAS_MODE, "true: MotherDuck's SaaS mode, no access to this machine's files or extensions from SQL; "
                    + "MotherDuck's default is false", null),
            OptionSpec.optional(EXTENSION_DIRECTORY, "DuckDB extension directory holding a pre-installed motherduck extension, for "
                    + "machines without network access to extensions.duckdb.org; relative to the topology", null),
            OptionSpec.optional(EXTENSION_REPOSITORY, "where DuckDB downloads the motherduck extension from when it is not in the "
                    + "extension directory: the URL of a mirror laid out like extensions.duckdb.org, e.g. "
                    + "http://mirror.internal/duckdb-extensions (no credentials in it), or a local directory laid out the same way, "
                    + "relative to the topology; left out, DuckDB's own (extensions.duckdb.org)", null),
            OptionSpec.optional(TEST_LOCAL_PATH, "for tests only: write a local DuckDB file (relative to the topology) instead of "
                    + "MotherDuck, with the same SQL; token, attach_mode, saas_mode, extension_directory and extension_repository are then "
                    + "unused", null));

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** An extension repository given as a URL ({@code http://...}, {@code https://...}); anything else is a local directory. */
    private static final Pattern URL = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://.*", Pattern.DOTALL);
    private static final String FORMS = "md:database or md://database.schema/table";

    MotherDuckDestination {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(database, "database is null");
        Objects.requireNonNull(schema, "schema is null");
        Objects.requireNonNull(token, "token is null");
        uriSecrets = uriSecrets == null ? List.of() : List.copyOf(uriSecrets);
    }

    /** Whether the connection goes to {@link #testLocalFile()} instead of MotherDuck. */
    boolean testMode() {
        return testLocalFile != null;
    }

    /** {@code md:database}, lowercased: DuckDB matches database names case-insensitively. */
    String databaseId() {
        return "md:" + database.toLowerCase(Locale.ROOT);
    }

    /** Where DuckDB downloads the extension from, for messages: the option's value, else extensions.duckdb.org. */
    String extensionSource() {
        return extensionRepository == null ? DEFAULT_EXTENSION_REPOSITORY : extensionRepository;
    }

    /** Whether {@link #extensionRepository()} is a local directory rather than a URL. */
    boolean localExtensionRepository() {
        return extensionRepository != null && !isUrl(extensionRepository);
    }

    static boolean isUrl(String repository) {
        return URL.matcher(repository).matches();
    }

    /** The destination as the topology wrote it, e.g. {@code md://market.main/trades}; holds no secret. */
    String uri() {
        return table == null ? "md:" + database : "md://" + database + "." + schema + "/" + table;
    }

    /**
     * Whether this destination takes {@code table}: any table for {@code md:database}, only the named
     * one for the one-table form — matched as DuckDB matches identifiers, case-insensitively for ASCII
     * letters.
     */
    boolean takes(String table) {
        if (this.table == null) {
            return true;
        }
        if (this.table.length() != table.length()) {
            return false;
        }
        for (int i = 0; i < table.length(); i++) {
            char x = this.table.charAt(i);
            char y = table.charAt(i);
            if (x != y && !(x < 128 && y < 128 && Character.toLowerCase(x) == Character.toLowerCase(y))) {
                return false;
            }
        }
        return true;
    }

    /** The same destination for every table of the database, e.g. {@code md:market}; for messages. */
    String wholeDatabaseUri() {
        return "md:" + database;
    }

    /**
     * Every problem with {@code destination}, each a sentence naming it and saying what to fix; empty
     * when it is usable. Never quotes the token, nor a URI part that may hold one.
     */
    static List<String> problems(Destination destination) {
        Objects.requireNonNull(destination, "destination is null");
        List<String> problems = new ArrayList<>();
        String prefix = "destination " + destination.name() + ": ";
        if (!MotherDuckWriterProvider.SCHEME.equals(destination.scheme())) {
            problems.add(prefix + "the URI scheme must be " + MotherDuckWriterProvider.SCHEME + ", got '" + destination.scheme() + "'");
            return problems;
        }
        try {
            Uri.parse(destination.schemeSpecificPart());
        } catch (IllegalArgumentException e) {
            problems.add(prefix + e.getMessage());
        }
        List<String> known = OPTIONS.stream().map(OptionSpec::name).toList();
        for (Map.Entry<String, String> option : destination.options().entrySet()) {
            String key = option.getKey();
            String value = option.getValue() == null ? "" : option.getValue().trim();
            switch (key) {
                case TOKEN -> {
                    if (value.startsWith("$")) {
                        problems.add(prefix + "option token starts with '$', so an environment variable was not expanded — write "
                                + "token: \"${MOTHERDUCK_TOKEN}\" (braces required)");
                    } else if (value.chars().anyMatch(Character::isWhitespace)) {
                        problems.add(prefix + "option token contains whitespace; a MotherDuck token has none — check how it was copied");
                    }
                }
                case ATTACH_MODE -> {
                    if (!value.equals("workspace") && !value.equals("single")) {
                        problems.add(prefix + "option attach_mode must be workspace or single, got '" + value + "'");
                    }
                }
                case SAAS_MODE -> {
                    if (!value.equals("true") && !value.equals("false")) {
                        problems.add(prefix + "option saas_mode must be true or false, got '" + value + "'");
                    }
                }
                case EXTENSION_DIRECTORY -> pathProblem(destination, key, value, true).ifPresent(p -> problems.add(prefix + p));
                case EXTENSION_REPOSITORY -> repositoryProblem(destination, value).ifPresent(p -> problems.add(prefix + p));
                case TEST_LOCAL_PATH -> pathProblem(destination, key, value, false).ifPresent(p -> problems.add(prefix + p));
                default -> problems.add(prefix + "unknown option '" + key + "' — the md writer accepts " + String.join(", ", known));
            }
        }
        return problems;
    }

    /**
     * {@code destination} parsed.
     *
     * @throws IllegalArgumentException naming every problem {@link #problems} finds
     */
    static MotherDuckDestination of(Destination destination) {
        List<String> problems = problems(destination);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        Uri uri = Uri.parse(destination.schemeSpecificPart());
        Path base = destination.baseDirectory();
        String extensions = option(destination, EXTENSION_DIRECTORY);
        String repository = option(destination, EXTENSION_REPOSITORY);
        String local = option(destination, TEST_LOCAL_PATH);
        String token = option(destination, TOKEN);
        return new MotherDuckDestination(destination.name(), uri.database(), uri.schema(), uri.table(), token == null ? "" : token,
                option(destination, ATTACH_MODE), option(destination, SAAS_MODE),
                extensions == null ? null : base.resolve(extensions).toAbsolutePath().normalize(),
                repository == null || isUrl(repository) ? repository : base.resolve(repository).toAbsolutePath().normalize().toString(),
                local == null ? null : LocalFileTarget.canonicalFile(base, local), destination.uriSecrets());
    }

    private static String option(Destination destination, String key) {
        return destination.option(key).map(String::trim).orElse(null);
    }

    /** The part of an md URI after {@code md:}; {@code table} null for the whole-database form. */
    private record Uri(String database, String schema, String table) {

        /** @throws IllegalArgumentException saying what is wrong, without quoting anything that may be a secret */
        static Uri parse(String schemeSpecificPart) {
            String uri = schemeSpecificPart.trim();
            if (uri.contains("@")) {
                throw new IllegalArgumentException("the URI holds user info (an '@'); MotherDuck takes no user in the URI — give the "
                        + "access token with the option token: \"${MOTHERDUCK_TOKEN}\", and write " + FORMS);
            }
            if (uri.contains("?") || uri.contains("#")) {
                throw new IllegalArgumentException("the URI has a query or fragment; write " + FORMS + " and give MotherDuck's "
                        + "connection parameters as the destination's options (token, attach_mode, saas_mode)");
            }
            if (!uri.startsWith("//")) {
                if (uri.isEmpty()) {
                    throw new IllegalArgumentException("the URI names no database — write md:<database>, e.g. md:market, or "
                            + "md://database.schema/table for one table");
                }
                if (uri.contains("/") || uri.contains(".")) {
                    throw new IllegalArgumentException("'md:" + uri + "' is not a MotherDuck URI: md:database names a whole database "
                            + "(no schema, no path); for one table write md://database.schema/table, e.g. md://market.main/trades");
                }
                return new Uri(name("database", uri), DEFAULT_SCHEMA, null);
            }
            String rest = uri.substring(2);
            if (rest.isEmpty()) {
                throw new IllegalArgumentException("the URI names no database — write md://database.schema/table, e.g. "
                        + "md://market.main/trades, or md:<database> for every table");
            }
            String[] path = rest.split("/", -1);
            if (path.length == 1 || path.length == 2 && path[1].isEmpty()) {
                throw new IllegalArgumentException("'md://" + rest + "' names no table: the md:// form is md://database.schema/table, "
                        + "e.g. md://market.main/trades; for every table of a database write md:<database>");
            }
            if (path.length > 2) {
                throw new IllegalArgumentException("'md://" + rest + "' has extra path parts after the table: write "
                        + "md://database.schema/table, e.g. md://market.main/trades");
            }
            String[] qualified = path[0].split("\\.", -1);
            if (qualified.length > 2) {
                throw new IllegalArgumentException("'" + path[0] + "' is not database.schema: write md://database.schema/table, e.g. "
                        + "md://market.main/trades");
            }
            return new Uri(name("database", qualified[0]), qualified.length == 2 ? name("schema", qualified[1]) : DEFAULT_SCHEMA,
                    name("table", path[1]));
        }

        private static String name(String what, String name) {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("the URI has an empty " + what + " name; write " + FORMS
                        + ", e.g. md://market.main/trades");
            }
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("'" + name + "' is not a valid " + what + " name in an md URI: use letters, "
                        + "digits and underscores, starting with a letter or underscore");
            }
            return name;
        }
    }

    /**
     * What is wrong with {@code value} as {@value #EXTENSION_REPOSITORY}. A URL is printed in messages
     * (fanout's and DuckDB's, which quotes the download URL), so it must hold no credentials: no user
     * info, no query or fragment. A local directory is checked like {@value #EXTENSION_DIRECTORY}.
     * The value is not quoted: it may hold a secret.
     */
    private static Optional<String> repositoryProblem(Destination destination, String value) {
        String example = "e.g. http://mirror.internal/duckdb-extensions, or a local directory (relative to the topology), or leave "
                + "the option out for extensions.duckdb.org";
        if (value.isEmpty()) {
            return Optional.of("option extension_repository is empty — name the URL of an extension repository, " + example);
        }
        if (!isUrl(value)) {
            return pathProblem(destination, EXTENSION_REPOSITORY, value, true);
        }
        if (value.chars().anyMatch(Character::isWhitespace)) {
            return Optional.of("option extension_repository must be the URL of an extension repository without whitespace, " + example);
        }
        String afterScheme = value.substring(value.indexOf("://") + 3);
        int end = afterScheme.length();
        for (char c : new char[] {'/', '?', '#'}) {
            int i = afterScheme.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        if (afterScheme.substring(0, end).contains("@")) {
            return Optional.of("option extension_repository holds user info (an '@' before the host): credentials in the URL would "
                    + "be printed wherever fanout or DuckDB names the repository — use a mirror that needs no credentials in the URL "
                    + "(for instance one reachable only from inside the network), or a local directory");
        }
        if (value.contains("?") || value.contains("#")) {
            return Optional.of("option extension_repository has a query or fragment: DuckDB appends /<version>/<platform>/"
                    + "motherduck.duckdb_extension.gz to the repository URL, and the URL is printed in messages — give the mirror's "
                    + "base URL only, " + example);
        }
        return Optional.empty();
    }

    private static Optional<String> pathProblem(Destination destination, String key, String value, boolean directory) {
        if (value.isEmpty()) {
            return Optional.of("option " + key + " is empty — name a " + (directory ? "directory" : "DuckDB file")
                    + " or leave the option out");
        }
        if (!directory && value.startsWith(":memory:")) {
            return Optional.of("option " + key + ": an in-memory DuckDB database keeps nothing — name a file");
        }
        Path path;
        try {
            path = destination.baseDirectory().resolve(value);
        } catch (InvalidPathException e) {
            return Optional.of("option " + key + ": '" + value + "' is not a valid path: " + e.getReason());
        }
        if (directory && Files.exists(path) && !Files.isDirectory(path)) {
            return Optional.of("option " + key + ": " + path + " is not a directory");
        }
        if (!directory && Files.isDirectory(path)) {
            return Optional.of("option " + key + ": " + path + " is a directory — name a DuckDB file inside it");
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "MotherDuckDestination[" + name + ", " + uri() + (token.isEmpty() ? "" : ", token ****")
                + (testMode() ? ", test mode: " + testLocalFile : "") + "]";
    }
}
