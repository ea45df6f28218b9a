package dev.fanout.writer.clickhouse;

import dev.fanout.api.Destination;
import dev.fanout.api.OptionSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code ch} destination parsed and checked without connecting:
 * {@code ch://host[:port]/database} (a database for many tables) or
 * {@code ch://host[:port]/database/table} (one table). Names in the path may be percent-encoded.
 * The port defaults to 8123, or 8443 with {@code secure: true}. {@link #toString()} never shows
 * the password.
 *
 * @param name           the destination's name in the topology
 * @param host           host name or IP address (IPv6 without brackets)
 * @param port           the HTTP(S) port
 * @param database       the database
 * @param table          the one table this destination takes, or null for any table
 * @param secure         HTTPS instead of HTTP
 * @param user           the ClickHouse user
 * @param password       the user's password, possibly empty; never printed
 * @param connectTimeout time allowed to open a connection
 * @param socketTimeout  time allowed between bytes of a response
 * @param settings       ClickHouse settings sent with every request
 * @param partitionBy    {@code PARTITION BY} expressions for tables fanout creates, by table
 * @param cluster        the cluster (its name in the servers' {@code remote_servers}) this destination
 *                       writes, or null for one server
 * @param shard          the one shard ({@code shard_num}) of {@link #cluster} this destination writes, or 0
 *                       for the whole cluster (and for one server)
 * @param endpoints      the HTTP(S) endpoints of the cluster's servers, the URI's first, then the option
 *                       {@code replicas}; for one server, the URI's alone
 * @param shardEndpoints the endpoints of {@link #shard}'s replicas (option {@code shard_replicas}), a
 *                       part of {@link #endpoints}; empty unless {@code shard} is given
 */
record ClickHouseDestination(String name, String host, int port, String database, String table, boolean secure, String user,
                             String password, Duration connectTimeout, Duration socketTimeout, Map<String, String> settings,
                             Map<String, String> partitionBy, String cluster, int shard, List<Endpoint> endpoints,
                             List<Endpoint> shardEndpoints) {

    /** One server's HTTP(S) endpoint; {@code host} is an IPv6 address without brackets or a name. */
    record Endpoint(String host, int port) {
        /** {@code host:port}, an IPv6 host in brackets; safe to print. */
        String hostPort() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    static final String SETTINGS_PREFIX = "settings.";
    static final String PARTITION_BY_PREFIX = "partition_by.";
    static final String CLUSTER = "cluster";
    static final String REPLICAS = "replicas";
    static final String SHARD = "shard";
    static final String SHARD_REPLICAS = "shard_replicas";
    static final int HTTP_PORT = 8123;
    static final int HTTPS_PORT = 8443;
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(300);

    static final List<OptionSpec> OPTIONS = List.of(
            OptionSpec.optional("user", "ClickHouse user", "default"),
            OptionSpec.secret("password", "the user's password; write \"${ENV_VAR}\" in the topology, never the password itself"),
            OptionSpec.optional("secure", "true: HTTPS (default port 8443); false: HTTP (default port 8123)", "false"),
            OptionSpec.optional("connect_timeout", "time to open a connection, e.g. 10s or 500ms", "10s"),
            OptionSpec.optional("socket_timeout", "time to wait for the server between bytes of a response, e.g. 300s", "300s"),
            OptionSpec.optional(SETTINGS_PREFIX + "<name>", "a ClickHouse setting sent with every request, e.g. settings.max_insert_threads: 2", null),
            OptionSpec.optional(PARTITION_BY_PREFIX + "<table>", "PARTITION BY expression for a table fanout creates, e.g. partition_by.bars: toYYYYMM(day)", null),
            OptionSpec.optional(CLUSTER, "a sharded, replicated cluster: its name in the servers' remote_servers; the URI's server and "
                    + "the option replicas must reach every replica", null),
            OptionSpec.optional(REPLICAS, "with cluster: the HTTP(S) endpoints of the cluster's other servers, "
                    + "e.g. \"ch2:8123,ch3:8123,ch4:8123\"", null),
            OptionSpec.optional(SHARD, "with cluster: the one shard (shard_num) this destination writes; fanout sets it for each "
                    + "shard's lane, leave it out", null),
            OptionSpec.optional(SHARD_REPLICAS, "with shard: the endpoints of that shard's replicas; fanout sets it with shard", null));

    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?");
    private static final Pattern SETTING = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})\\s*(ms|s|m|h)?");
    private static final String FORM = "ch://host:port/database or ch://host:port/database/table";
    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    ClickHouseDestination {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(host, "host is null");
        Objects.requireNonNull(database, "database is null");
        Objects.requireNonNull(user, "user is null");
        Objects.requireNonNull(password, "password is null");
        Objects.requireNonNull(connectTimeout, "connectTimeout is null");
        Objects.requireNonNull(socketTimeout, "socketTimeout is null");
        settings = Map.copyOf(settings);
        partitionBy = Map.copyOf(partitionBy);
        endpoints = List.copyOf(endpoints);
        shardEndpoints = List.copyOf(shardEndpoints);
    }

    /** Every problem with {@code destination}, each a sentence naming it; empty when usable. */
    static List<String> problems(Destination destination) {
        List<String> problems = new ArrayList<>();
        parse(destination, problems);
        return problems;
    }

    /**
     * The parsed destination.
     *
     * @throws IllegalArgumentException listing every problem
     */
    static ClickHouseDestination of(Destination destination) {
        List<String> problems = new ArrayList<>();
        ClickHouseDestination d = parse(destination, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return d;
    }

    private static ClickHouseDestination parse(Destination destination, List<String> problems) {
        Objects.requireNonNull(destination, "destination is null");
        String name = destination.name();
        String prefix = "destination " + name + ": ";
        if (!ClickHouseWriterProvider.SCHEME.equals(destination.scheme())) {
            problems.add(prefix + "the URI scheme must be " + ClickHouseWriterProvider.SCHEME + ", got '" + destination.scheme() + "'");
            return null;
        }

        Map<String, String> settings = new TreeMap<>();
        Map<String, String> partitionBy = new TreeMap<>();
        String user = "default";
        String password = "";
        boolean secure = false;
        Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        Duration socketTimeout = DEFAULT_SOCKET_TIMEOUT;
        String cluster = null;
        String replicas = null;
        String shardReplicas = null;
        int shard = 0;
        for (Map.Entry<String, String> option : new TreeMap<>(destination.options()).entrySet()) {
            String key = option.getKey();
            String value = option.getValue() == null ? "" : option.getValue();
            switch (key) {
                case "user" -> {
                    user = value.strip();
                    if (user.isEmpty()) {
                        problems.add(prefix + "option user is empty — leave it out for the user 'default'");
                    }
                }
                case "password" -> password = value;
                case "secure" -> {
                    String v = value.strip().toLowerCase(Locale.ROOT);
                    if (!v.equals("true") && !v.equals("false")) {
                        problems.add(prefix + "option secure must be true or false, got '" + value.strip() + "'");
                    }
                    secure = v.equals("true");
                }
                case "connect_timeout" -> connectTimeout = duration(prefix, key, value, problems, connectTimeout);
                case "socket_timeout" -> socketTimeout = duration(prefix, key, value, problems, socketTimeout);
                case CLUSTER -> {
                    cluster = value.strip();
                    if (!CLUSTER_NAME.matcher(cluster).matches()) {
                        problems.add(prefix + "option cluster must name a cluster of the servers' remote_servers (letters, digits, "
                                + "'_', '-' and '.'), got '" + cluster + "'");
                    }
                }
                case REPLICAS -> replicas = value;
                case SHARD_REPLICAS -> shardReplicas = value;
                case SHARD -> {
                    String v = value.strip();
                    shard = PORT.matcher(v).matches() ? Integer.parseInt(v) : 0;
                    if (shard < 1) {
                        problems.add(prefix + "option shard must be a shard number (shard_num, from 1), got '" + v
                                + "' — leave it out to write the whole cluster");
                    }
                }
                default -> {
                    if (key.startsWith(SETTINGS_PREFIX)) {
                        String setting = key.substring(SETTINGS_PREFIX.length());
                        if (!SETTING.matcher(setting).matches()) {
                            problems.add(prefix + "option " + key + " does not name a ClickHouse setting — write settings.<name>, "
                                    + "e.g. settings.max_insert_threads");
                        } else {
                            settings.put(setting, value.strip());
                        }
                    } else if (key.startsWith(PARTITION_BY_PREFIX) && key.length() > PARTITION_BY_PREFIX.length()) {
                        if (value.isBlank()) {
                            problems.add(prefix + "option " + key + " is empty — give a PARTITION BY expression, e.g. toYYYYMM(day)");
                        }
                        partitionBy.put(key.substring(PARTITION_BY_PREFIX.length()), value.strip());
                    } else {
                        problems.add(prefix + "unknown option '" + key + "' — the ch writer accepts user, password, secure, "
                                + "connect_timeout, socket_timeout, settings.<name>, partition_by.<table>, cluster, replicas, shard and shard_replicas");
                    }
                }
            }
        }

        String ssp = destination.schemeSpecificPart();
        if (!ssp.startsWith("//")) {
            problems.add(prefix + "the URI must look like " + FORM);
            return null;
        }
        String rest = ssp.substring(2);
        if (rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
            problems.add(prefix + "the URI takes no query or fragment — give settings as options settings.<name>");
            return null;
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        if (authority.indexOf('@') >= 0) {
            problems.add(prefix + "the URI holds user information — give options user and password (as \"${ENV_VAR}\") instead");
            return null;
        }
        Endpoint uriEndpoint = endpoint(prefix, "the URI", authority, secure, problems);
        if (uriEndpoint == null) {
            return null;
        }
        List<Endpoint> endpoints = new ArrayList<>(List.of(uriEndpoint));
        if (replicas != null && cluster == null) {
            problems.add(prefix + "option replicas is for a cluster — give the option cluster too, or leave replicas out");
        }
        if (shard != 0 && cluster == null) {
            problems.add(prefix + "option shard is for a cluster — give the option cluster too, or leave shard out");
        }
        if (replicas != null) {
            for (String r : replicas.split(",", -1)) {
                String authorityOfReplica = r.strip();
                if (authorityOfReplica.isEmpty()) {
                    problems.add(prefix + "option replicas has an empty entry — write host:port endpoints separated by commas");
                    continue;
                }
                int before = problems.size();
                Endpoint e = endpoint(prefix, "option replicas", authorityOfReplica, secure, problems);
                if (problems.size() > before) {
                    continue;
                }
                if (endpoints.stream().anyMatch(x -> x.hostPort().equalsIgnoreCase(e.hostPort()))) {
                    problems.add(prefix + "option replicas names " + e.hostPort() + " twice (or the URI's server again) — list each server once");
                } else {
                    endpoints.add(e);
                }
            }
        }
        List<Endpoint> shardEndpoints = new ArrayList<>();
        if ((shard != 0) != (shardReplicas != null)) {
            problems.add(prefix + "options shard and shard_replicas go together (fanout sets both for a shard's lane) — give both or "
                    + "neither");
        } else if (shardReplicas != null) {
            for (String r : shardReplicas.split(",", -1)) {
                int before = problems.size();
                Endpoint e = endpoint(prefix, "option shard_replicas", r.strip(), secure, problems);
                if (problems.size() > before) {
                    continue;
                }
                Endpoint known = endpoints.stream().filter(x -> x.hostPort().equalsIgnoreCase(e.hostPort())).findFirst().orElse(null);
                if (known == null) {
                    problems.add(prefix + "option shard_replicas names " + e.hostPort() + ", which is not the URI's server nor in the "
                            + "option replicas");
                } else if (shardEndpoints.contains(known)) {
                    problems.add(prefix + "option shard_replicas names " + e.hostPort() + " twice");
                } else {
                    shardEndpoints.add(known);
                }
            }
        }
        List<String> segments = new ArrayList<>(List.of(path.split("/", -1)));
        if (segments.size() > 1 && segments.get(segments.size() - 1).isEmpty()) {
            segments.remove(segments.size() - 1);
        }
        String database = null;
        String table = null;
        if (segments.size() > 2) {
            problems.add(prefix + "the URI path has " + segments.size() + " parts — write " + FORM);
        } else {
            database = decode(prefix, "database", segments.get(0), problems);
            if (database != null && database.isEmpty()) {
                problems.add(prefix + "the URI names no database — write " + FORM);
            }
            if (segments.size() == 2) {
                table = decode(prefix, "table", segments.get(1), problems);
                if (table != null && table.isEmpty()) {
                    problems.add(prefix + "the URI's table name is empty — write " + FORM);
                }
            }
        }
        if (table != null) {
            for (String t : partitionBy.keySet()) {
                if (!t.equals(table)) {
                    problems.add(prefix + "option " + PARTITION_BY_PREFIX + t + " names a table other than the URI's table " + table);
                }
            }
        }
        if (cluster != null && table != null) {
            problems.add(prefix + "a cluster destination takes a database, not one table — write ch://host:port/database");
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return new ClickHouseDestination(name, uriEndpoint.host(), uriEndpoint.port(), database, table, secure, user, password,
                connectTimeout, socketTimeout, settings, partitionBy, cluster, shard, endpoints, shardEndpoints);
    }

    /**
     * The endpoint {@code host[:port]} (an IPv6 host in brackets) named in {@code where}, its problems
     * added; null when it is too malformed to read on.
     */
    private static Endpoint endpoint(String prefix, String where, String authority, boolean secure, List<String> problems) {
        String host;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                problems.add(prefix + "the IPv6 address in " + where + " lacks its closing ']'");
                return null;
            }
            host = authority.substring(1, close);
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    problems.add(prefix + "unexpected '" + after + "' after the host in " + where);
                    return null;
                }
                portText = after.substring(1);
            }
            if (!IPV6.matcher(host).matches()) {
                problems.add(prefix + "'" + host + "' is not an IPv6 address");
            }
        } else {
            int colon = authority.indexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
            if (host.isEmpty()) {
                problems.add(prefix + (where.equals("the URI") ? "the URI names no host — write " + FORM : where + " has an entry without a host"));
            } else if (!HOST.matcher(host).matches()) {
                problems.add(prefix + "'" + host + "' is not a host name or IP address");
            }
        }
        int port = secure ? HTTPS_PORT : HTTP_PORT;
        if (portText != null) {
            int p = PORT.matcher(portText).matches() ? Integer.parseInt(portText) : -1;
            if (p < 1 || p > 65535) {
                problems.add(prefix + "port '" + portText + "' is not a number from 1 to 65535");
            } else {
                port = p;
            }
        }
        return new Endpoint(host, port);
    }

    private static Duration duration(String prefix, String key, String value, List<String> problems, Duration fallback) {
        Matcher m = DURATION.matcher(value.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            problems.add(prefix + "option " + key + " must be a duration such as 10s, 500ms or 2m, got '" + value.strip() + "'");
            return fallback;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.isZero()) {
            problems.add(prefix + "option " + key + " must be more than zero");
            return fallback;
        }
        return d;
    }

    /** Percent-decodes one path segment as UTF-8; null (and a problem) when malformed. */
    private static String decode(String prefix, String what, String segment, List<String> problems) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                if (i + 2 >= segment.length() || Character.digit(segment.charAt(i + 1), 16) < 0
                        || Character.digit(segment.charAt(i + 2), 16) < 0) {
                    problems.add(prefix + "the URI's " + what + " name has a '%' not followed by two hex digits");
                    return null;
                }
                bytes.write(Integer.parseInt(segment.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            problems.add(prefix + "the URI's " + what + " name is not valid UTF-8 once percent-decoded");
            return null;
        }
    }

    /** {@code host:port}, an IPv6 host in brackets; safe to print. */
    String hostPort() {
        return new Endpoint(host, port).hostPort();
    }

    /** Whether this destination writes a cluster (or one shard of it) rather than one server. */
    boolean isCluster() {
        return cluster != null;
    }

    /** This destination with the URI's server replaced by {@code endpoint}: a client of that one server of the cluster. */
    ClickHouseDestination at(Endpoint endpoint) {
        return new ClickHouseDestination(name, endpoint.host(), endpoint.port(), database, table, secure, user, password, connectTimeout,
                socketTimeout, settings, partitionBy, cluster, shard, endpoints, shardEndpoints);
    }

    /** The HTTP(S) endpoint the client connects to. */
    String endpoint() {
        return (secure ? "https://" : "http://") + hostPort();
    }

    /**
     * {@code host:port/database} with the host lowercased, for both URI forms: the database is the
     * physical target, so {@code ch://h/market} and {@code ch://h/market/trades} (or two one-table
     * URIs of one database) are refused as a pair by the one-writer-per-target check — one
     * destination per ClickHouse database; send its tables there with routes.
     */
    String physicalTarget() {
        String server = hostPort().toLowerCase(Locale.ROOT) + "/" + database;
        return cluster == null ? server : server + " (cluster " + cluster + (shard == 0 ? "" : ", shard " + shard) + ")";
    }

    @Override
    public String toString() {
        Map<String, String> shown = new LinkedHashMap<>();
        shown.put("user", user);
        shown.put("password", password.isEmpty() ? "" : "****");
        return "ClickHouseDestination[" + name + ", " + (secure ? "https://" : "http://") + physicalTarget() + (table == null ? "" : "/" + table) + ", " + shown
                + (cluster == null ? "" : ", cluster " + cluster + (shard == 0 ? "" : " shard " + shard) + " at "
                + endpoints.stream().map(Endpoint::hostPort).toList())
                + (settings.isEmpty() ? "" : ", settings " + settings) + "]";
    }
}
