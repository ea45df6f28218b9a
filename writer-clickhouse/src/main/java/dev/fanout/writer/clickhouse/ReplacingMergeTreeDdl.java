package dev.fanout.writer.clickhouse;

import static dev.fanout.writer.clickhouse.ClickHouseSql.VERSION_COLUMN;
import static dev.fanout.writer.clickhouse.ClickHouseSql.literal;
import static dev.fanout.writer.clickhouse.ClickHouseSql.qualified;
import static dev.fanout.writer.clickhouse.ClickHouseSql.quote;
import static dev.fanout.writer.clickhouse.ClickHouseSql.quoteAll;

import dev.fanout.api.Column;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The statements fanout runs against ClickHouse. A table is
 * {@code ReplacingMergeTree(_fanout_version) ORDER BY (primary key)}: ClickHouse keeps, per key, the
 * row with the highest version (equal versions: the last inserted) when parts merge, and reads with
 * {@code FINAL} see that state at once. Key columns are not nullable, every other column is
 * {@code Nullable}; {@code _fanout_version} is Int64 like fanout's versions (negative ones included).
 * A {@code PARTITION BY} expression and engine {@code SETTINGS} apply only when fanout creates the
 * table.
 *
 * <p>On a cluster, every statement runs {@code ON CLUSTER} (each server runs it from ZooKeeper's DDL
 * queue, a server that is down when it comes back), and a table is two: {@code <table>_local}, a
 * {@code ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/<database>/<table>_local',
 * '{replica}', _fanout_version)} on every server (the servers' macros {@code {shard}} and
 * {@code {replica}} name its ZooKeeper path and replica), with the same columns and key as on one
 * server; and {@code <table>}, a {@code Distributed} table with the same columns over the local
 * ones, sharded by {@link ClusterSharding#expression}.
 */
final class ReplacingMergeTreeDdl {

    private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

    private ReplacingMergeTreeDdl() {
    }

    /** The suffix of a cluster table's local part: {@code trades} is the Distributed table over {@code trades_local}. */
    static final String LOCAL_SUFFIX = "_local";

    static String createDatabase(String database) {
        return createDatabase(database, null);
    }

    /** The database, on every server of {@code cluster} (null: on the one server). */
    static String createDatabase(String database, String cluster) {
        return "CREATE DATABASE IF NOT EXISTS " + quote(database) + onCluster(cluster);
    }

    /** {@code ON CLUSTER <cluster>}, or nothing for null. */
    static String onCluster(String cluster) {
        return cluster == null ? "" : " ON CLUSTER " + quote(cluster);
    }

    /** The local table of a cluster table: {@code <table>_local}. */
    static String localTable(String table) {
        return table + LOCAL_SUFFIX;
    }

    /** The ZooKeeper path of a cluster table's local part, per shard through the {@code {shard}} macro. */
    static String zooKeeperPath(String database, String table) {
        return "/clickhouse/tables/{shard}/" + database + "/" + localTable(table);
    }

    /**
     * The local part of cluster table {@code table} on every server of {@code cluster}: like
     * {@link #createTable} for one server, replicated within each shard.
     */
    static String createLocalTable(String database, String table, String cluster, Schema schema, ClickHouseServerVersion version,
                                   String partitionBy, Map<String, String> settings) {
        String engine = "ReplicatedReplacingMergeTree(" + literal(zooKeeperPath(database, table)) + ", '{replica}', "
                + quote(VERSION_COLUMN) + ")";
        return createTable(database, localTable(table), cluster, engine, schema, version, partitionBy, settings, false);
    }

    /** The Distributed table {@code table} over {@code <table>_local} on every server of {@code cluster}, sharded by {@code shardingExpression}. */
    static String createDistributedTable(String database, String table, String cluster, Schema schema, ClickHouseServerVersion version,
                                         String shardingExpression) {
        StringBuilder b = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(qualified(database, table)).append(onCluster(cluster))
                .append(" (");
        appendColumns(b, schema, version, true);
        return b.append(") ENGINE = Distributed(").append(literal(cluster)).append(", ").append(literal(database)).append(", ")
                .append(literal(localTable(table))).append(", ").append(shardingExpression).append(')').toString();
    }

    /** The table for {@code schema}; {@code partitionBy} is a PARTITION BY expression or null. */
    static String createTable(String database, String table, Schema schema, ClickHouseServerVersion version, String partitionBy) {
        return createTable(database, table, schema, version, partitionBy, Map.of());
    }

    /**
     * The table for {@code schema}; {@code partitionBy} is a PARTITION BY expression or null,
     * {@code settings} the table's engine settings (checked by {@link #settingProblem}), in order.
     */
    static String createTable(String database, String table, Schema schema, ClickHouseServerVersion version, String partitionBy,
                              Map<String, String> settings) {
        return createTable(database, table, null, "ReplacingMergeTree(" + quote(VERSION_COLUMN) + ")", schema, version, partitionBy, settings,
                true);
    }

    private static void appendColumns(StringBuilder b, Schema schema, ClickHouseServerVersion version, boolean comments) {
        for (Column c : schema.columns()) {
            b.append(comments ? columnDefinition(c.name(), c.type(), !schema.isKey(c.name()), version)
                    : quote(c.name()) + " " + ClickHouseColumnType.ddl(c.type(), !schema.isKey(c.name()), version)).append(", ");
        }
        b.append(quote(VERSION_COLUMN)).append(" Int64");
    }

    private static String createTable(String database, String table, String cluster, String engine, Schema schema,
                                      ClickHouseServerVersion version, String partitionBy, Map<String, String> settings, boolean comments) {
        StringBuilder b = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(qualified(database, table)).append(onCluster(cluster))
                .append(" (");
        appendColumns(b, schema, version, comments);
        b.append(") ENGINE = ").append(engine);
        if (partitionBy != null) {
            b.append(" PARTITION BY ").append(partitionBy);
        }
        b.append(" ORDER BY (").append(quoteAll(schema.primaryKey())).append(')');
        String separator = " SETTINGS ";
        for (Map.Entry<String, String> s : settings.entrySet()) {
            if (settingProblem(s.getKey()) != null) {
                throw new IllegalArgumentException(settingProblem(s.getKey()));
            }
            b.append(separator).append(s.getKey()).append(" = ").append(settingValue(s.getValue()));
            separator = ", ";
        }
        return b.toString();
    }

    /** Why {@code name} cannot be an engine setting's name, or null when it can. */
    static String settingProblem(String name) {
        return SETTING_NAME.matcher(name).matches() ? null
                : "'" + name + "' is not a setting name (letters, digits and _, not starting with a digit)";
    }

    /** A setting's value in SQL: a number as it is, anything else as a quoted string literal. */
    static String settingValue(String value) {
        String v = value.strip();
        return NUMBER.matcher(v).matches() ? v : literal(value);
    }

    private static String columnDefinition(String name, LogicalType type, boolean nullable, ClickHouseServerVersion version) {
        String comment = ClickHouseColumnType.comment(type, version);
        return quote(name) + " " + ClickHouseColumnType.ddl(type, nullable, version) + (comment == null ? "" : " COMMENT " + literal(comment));
    }

    /**
     * Adds {@code column} as nullable. The comment is set by a second statement as well: 18.16
     * ignores {@code COMMENT} in {@code ADD COLUMN}.
     */
    static List<String> addColumn(String database, String table, Column column, ClickHouseServerVersion version) {
        return addColumn(database, table, null, column, version);
    }

    private static List<String> addColumn(String database, String table, String cluster, Column column, ClickHouseServerVersion version) {
        List<String> sql = new ArrayList<>();
        String t = qualified(database, table) + onCluster(cluster);
        sql.add("ALTER TABLE " + t + " ADD COLUMN " + columnDefinition(column.name(), column.type(), true, version));
        if (ClickHouseColumnType.comment(column.type(), version) != null) {
            sql.add(commentColumn(database, table, cluster, column.name(), column.type(), version));
        }
        return sql;
    }

    /** Adds {@code column} as nullable to the local part of cluster table {@code table} on every server of {@code cluster}, without comment. */
    static String addLocalColumn(String database, String table, String cluster, Column column, ClickHouseServerVersion version) {
        return "ALTER TABLE " + qualified(database, localTable(table)) + onCluster(cluster) + " ADD COLUMN " + quote(column.name()) + " "
                + ClickHouseColumnType.ddl(column.type(), true, version);
    }

    /** Sets the fanout comment of {@code column}, which holds {@code type} (one that needs a comment on this server). */
    static String commentColumn(String database, String table, String column, LogicalType type, ClickHouseServerVersion version) {
        return commentColumn(database, table, null, column, type, version);
    }

    private static String commentColumn(String database, String table, String cluster, String column, LogicalType type,
                                ClickHouseServerVersion version) {
        String comment = ClickHouseColumnType.comment(type, version);
        if (comment == null) {
            throw new IllegalArgumentException(type + " takes no comment on ClickHouse " + version.text());
        }
        return "ALTER TABLE " + qualified(database, table) + onCluster(cluster) + " COMMENT COLUMN " + quote(column) + " " + literal(comment);
    }

    /** Widens a non-key column in place. */
    static String modifyColumn(String database, String table, String column, LogicalType wider, boolean nullable,
                               ClickHouseServerVersion version) {
        return modifyColumn(database, table, null, column, wider, nullable, version);
    }

    /** {@link #modifyColumn(String, String, String, LogicalType, boolean, ClickHouseServerVersion)} on every server of {@code cluster} (null: the one server). */
    static String modifyColumn(String database, String table, String cluster, String column, LogicalType wider, boolean nullable,
                               ClickHouseServerVersion version) {
        return "ALTER TABLE " + qualified(database, table) + onCluster(cluster) + " MODIFY COLUMN " + quote(column) + " "
                + ClickHouseColumnType.ddl(wider, nullable, version);
    }
}
