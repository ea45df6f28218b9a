package dev.fanout.writer.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ClientFaultCause;
import com.clickhouse.client.api.DataStreamWriter;
import com.clickhouse.client.api.command.CommandSettings;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * One client-v2 {@link Client} talking HTTP(S) to one server: statements, queries read as
 * {@code TabSeparated}, and bulk inserts in {@code RowBinary} (or {@code Native}, for a migration's
 * row load). No default database is set, so the client works before the destination's database
 * exists; every statement qualifies its names.
 *
 * <p>Failures are thrown as they come from the client (unchecked); {@link ClickHouseFailure}
 * classifies them. The client retries once on its own only when a pooled connection turned out to
 * be closed by the server (no response at all); every other retry is the core's decision.
 */
final class ClickHouseHttp implements AutoCloseable {

    private final Client client;
    private final boolean compressed;

    ClickHouseHttp(ClickHouseDestination destination, boolean compressed) {
        Objects.requireNonNull(destination, "destination is null");
        Client.Builder b = new Client.Builder()
                .addEndpoint(destination.endpoint())
                .setUsername(destination.user())
                .setPassword(destination.password())
                .compressServerResponse(compressed)
                .compressClientRequest(compressed)
                .setConnectTimeout(destination.connectTimeout().toMillis(), ChronoUnit.MILLIS)
                .setSocketTimeout(destination.socketTimeout().toMillis(), ChronoUnit.MILLIS)
                .retryOnFailures(ClientFaultCause.NoHttpResponse)
                .setMaxRetries(1)
                .setClientName("fanout");
        for (Map.Entry<String, String> s : destination.settings().entrySet()) {
            b.serverSetting(s.getKey(), s.getValue());
        }
        this.client = b.build();
        this.compressed = compressed;
    }

    boolean compressed() {
        return compressed;
    }

    /** Runs a statement that returns no rows (DDL). */
    void execute(String sql) {
        closeQuietly(await(client.execute(sql)));
    }

    /** Runs a statement that returns no rows with ClickHouse {@code settings} for it alone (18.16 takes no SETTINGS clause on every statement). */
    void execute(String sql, Map<String, String> settings) {
        CommandSettings s = new CommandSettings();
        settings.forEach(s::serverSetting);
        closeQuietly(await(client.execute(sql, s)));
    }

    /** The result of {@code sql} as {@code TabSeparated} bytes. */
    byte[] query(String sql) {
        QuerySettings settings = new QuerySettings().setFormat(ClickHouseFormat.TabSeparated);
        QueryResponse response = await(client.query(sql, settings));
        try {
            return response.getInputStream().readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            closeQuietly(response);
        }
    }

    /** The rows of {@code sql} as {@code TabSeparated}, read as they arrive; close the reader to release the response. */
    TabSeparated.RowReader stream(String sql) {
        QuerySettings settings = new QuerySettings().setFormat(ClickHouseFormat.TabSeparated);
        QueryResponse response = await(client.query(sql, settings));
        return new TabSeparated.RowReader(response.getInputStream(), response);
    }

    /** The rows of {@code sql} as text, null for NULL. */
    List<String[]> rows(String sql) {
        return TabSeparated.rows(query(sql));
    }

    /** Inserts {@code rows}, encoded for {@code quotedColumns} in that order, into {@code qualifiedTable} in one request. */
    void insert(String qualifiedTable, List<String> quotedColumns, RowBinaryEncoder.Encoded rows) {
        closeQuietly(await(client.insert(qualifiedTable, quotedColumns, rows::writeTo, ClickHouseFormat.RowBinary, new InsertSettings())));
    }

    /**
     * Inserts the rows in {@code format} that {@code body} writes, for {@code quotedColumns} in that
     * order, into {@code qualifiedTable} in one request whose body is sent as it is written.
     */
    void insertStreamed(String qualifiedTable, List<String> quotedColumns, ClickHouseFormat format, DataStreamWriter body) {
        closeQuietly(await(client.insert(qualifiedTable, quotedColumns, body, format, new InsertSettings())));
    }

    /** Releases a response whose body is empty; the operation itself has succeeded. */
    private static void closeQuietly(AutoCloseable response) {
        try {
            response.close();
        } catch (Exception e) {
            // Nothing was read from it: a failure to release it changes nothing of the outcome.
        }
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new CompletionException(e.getCause());
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
