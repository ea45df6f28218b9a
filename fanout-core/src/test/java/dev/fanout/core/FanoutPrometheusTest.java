package dev.fanout.core;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.core.dispatch.PacketOutcome;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.testplugin.MemProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** {@code metrics.prometheus}: the registry served over real HTTP through the Prometheus Dropwizard bridge. */
@Timeout(60)
class FanoutPrometheusTest {

    private static final Duration HOLD = Duration.ofMillis(300);
    private static final Schema SCHEMA = Schema.of(List.of(Column.required("id", LogicalType.INT64),
            Column.of("note", LogicalType.STRING)), List.of("id"));

    @TempDir
    Path dir;

    private Path topology(String metrics) throws IOException {
        Path file = dir.resolve("topology.yaml");
        Files.writeString(file, """
                version: 1
                destinations:
                  trades_db: { uri: "mem:trades" }
                  quotes_db: { uri: "mem:quotes" }
                routes:
                  - { match: { table: trades }, to: trades_db }
                  - { match: { table: quotes }, to: quotes_db }
                """ + metrics);
        return file;
    }

    private static FramePacket packet(String table, String id, int rows) {
        FramePacket.Builder b = FramePacket.builder(table, SCHEMA).packetId(id);
        for (int i = 0; i < rows; i++) {
            b.addRow((long) i, "n" + i);
        }
        return b.build();
    }

    private static String scrape(InetSocketAddress address) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + address.getHostString() + ":" + address.getPort() + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The value of the one sample {@code name{labels}} in {@code body} (text format 0.0.4 may end labels with a comma). */
    private static double sample(String body, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels) + ",?\\} (\\S+)$").matcher(body);
        assertThat(m.find()).as(name + "{" + labels + "} in\n" + body).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /**
     * The flush time quantiles p50, p95, p99 of {@code labels} in seconds, each a real duration: above
     * zero, in order, and no longer than {@code atMostSeconds}.
     */
    private static double[] flushQuantiles(String body, String labels, double atMostSeconds) {
        double[] q = new double[3];
        List<String> levels = List.of("0.5", "0.95", "0.99");
        for (int i = 0; i < q.length; i++) {
            q[i] = sample(body, "fanout_destination_flush", labels + ",quantile=\"" + levels.get(i) + "\"");
        }
        assertThat(q[0]).as(labels + " p50").isPositive().isLessThanOrEqualTo(q[1]);
        assertThat(q[1]).as(labels + " p95").isLessThanOrEqualTo(q[2]);
        assertThat(q[2]).as(labels + " p99").isLessThanOrEqualTo(atMostSeconds);
        return q;
    }

    private static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    @Test
    void rowsWrittenAndFlushQuantilesPerDestinationAreScrapedOverHttp() throws Exception {
        long start = System.nanoTime();
        Map<String, Integer> committed = new java.util.LinkedHashMap<>(Map.of("trades_db", 0, "quotes_db", 0));
        try (Fanout fanout = Fanout.builder().topology(topology("metrics: { prometheus: \"127.0.0.1:0\" }\n"))
                .registry(WriterRegistry.of(List.of(new MemProvider()))).build()) {
            InetSocketAddress address = fanout.prometheusAddress().orElseThrow();
            assertThat(address.getPort()).isPositive();
            assertThat(address.getAddress().isLoopbackAddress()).isTrue();

            List<FramePacket> packets = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                packets.add(packet("trades", "t" + i, 2 + i));
            }
            packets.add(packet("quotes", "q0", 5));
            for (FramePacket p : packets) {
                assertThat(fanout.submit(p).get().isCommitted()).isTrue();
                committed.merge(p.table().equals("trades") ? "trades_db" : "quotes_db", p.rowCount(), Integer::sum);
            }
            fanout.flush();

            String body = scrape(address);
            for (Map.Entry<String, Integer> e : committed.entrySet()) {
                String label = "destination=\"" + e.getKey() + "\"";
                long meter = fanout.metrics().meter("fanout.destination." + e.getKey() + ".rows").getCount();
                assertThat(meter).isEqualTo(e.getValue().longValue());
                assertThat(sample(body, "fanout_destination_rows_total", label)).isEqualTo(e.getValue().doubleValue());
                flushQuantiles(body, label, secondsSince(start));
                assertThat(sample(body, "fanout_destination_flush_count", label)).as("one flush per packet, each awaited")
                        .isEqualTo(e.getKey().equals("trades_db") ? 3.0 : 1.0);
                assertThat(sample(body, "fanout_destination_queue_rows", label)).isZero();
                assertThat(sample(body, "fanout_destination_up", label)).isEqualTo(1.0);
            }
            assertThat(committed).containsExactlyInAnyOrderEntriesOf(Map.of("trades_db", 9, "quotes_db", 5));
            assertThat(body).contains("# TYPE fanout_destination_rows_total counter")
                    .contains("# TYPE fanout_destination_flush summary")
                    .contains("\nfanout_rejected 0.0\n");
            fanout.close();
            Throwable afterClose = catchThrowable(() -> scrape(address));
            assertThat(afterClose).isInstanceOf(ConnectException.class);
        }
    }

    /** {@code mem:} writers, except that the one for {@code mem:quotes} signals {@link #entered}, then waits for {@link #gate}, in every write. */
    private static final class GatedMemProvider extends MemProvider {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);

        @Override
        public BaseWriter create(Destination destination) {
            if (!destination.schemeSpecificPart().equals("quotes")) {
                return super.create(destination);
            }
            return new BaseWriter() {
                @Override
                public void open() {
                }

                @Override
                public void write(WriteBatch batch) throws WriteException {
                    entered.countDown();
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw WriteException.retryable("interrupted", e);
                    }
                }

                @Override
                public void close() {
                }
            };
        }
    }

    @Test
    void aScrapeDuringTheRunSeesWhatCommittedAndWhatIsStillInFlightPerDestination() throws Exception {
        long start = System.nanoTime();
        GatedMemProvider plugin = new GatedMemProvider();
        try (Fanout fanout = Fanout.builder().topology(topology("""
                        flow: { max_in_flight_rows: 1000 }
                        metrics: { prometheus: "127.0.0.1:0" }
                        """))
                .registry(WriterRegistry.of(List.of(plugin))).build()) {
            InetSocketAddress address = fanout.prometheusAddress().orElseThrow();
            for (int i = 0; i < 3; i++) {
                assertThat(fanout.submit(packet("trades", "t" + i, 2 + i)).get().isCommitted()).isTrue();
            }
            long submitted = System.nanoTime();
            CompletableFuture<PacketOutcome> quotes = fanout.submit(packet("quotes", "q0", 5));

            String during = scrape(address);
            String trades = "destination=\"trades_db\"";
            String held = "destination=\"quotes_db\"";
            assertThat(quotes).isNotDone();
            assertThat(sample(during, "fanout_destination_rows_total", trades)).isEqualTo(9.0);
            assertThat(sample(during, "fanout_destination_flush_count", trades)).isEqualTo(3.0);
            flushQuantiles(during, trades, secondsSince(start));
            assertThat(sample(during, "fanout_destination_bytes_total", trades)).isPositive();
            assertThat(sample(during, "fanout_table_rows_total", "table=\"trades\"")).isEqualTo(9.0);
            assertThat(sample(during, "fanout_destination_rows_total", held)).isZero();
            assertThat(sample(during, "fanout_destination_queue_rows", held)).isEqualTo(5.0);
            assertThat(sample(during, "fanout_destination_in_flight_rows", held)).isEqualTo(5.0);
            assertThat(sample(during, "fanout_destination_in_flight_rows", trades)).isZero();
            assertThat(during).contains("\nfanout_flow_in_flight_rows 5.0\n");

            assertThat(plugin.entered.await(30, TimeUnit.SECONDS)).as("quotes_db's write began").isTrue();
            Thread.sleep(HOLD.toMillis());
            plugin.gate.countDown();
            assertThat(quotes.get().isCommitted()).isTrue();
            double heldAtMost = secondsSince(submitted);
            fanout.flush();
            String after = scrape(address);
            assertThat(sample(after, "fanout_destination_rows_total", held)).isEqualTo(5.0);
            assertThat(sample(after, "fanout_destination_flush_count", held)).isEqualTo(1.0);
            double[] heldFlush = flushQuantiles(after, held, secondsSince(start));
            assertThat(heldFlush[0]).as("the one flush of quotes_db lasted at least the hold, " + HOLD.toMillis()
                    + " ms, and at most from submit to commit")
                    .isGreaterThanOrEqualTo(HOLD.toNanos() / 1e9).isLessThanOrEqualTo(heldAtMost);
            assertThat(heldFlush[2]).as("one flush: every quantile is that flush").isEqualTo(heldFlush[0]);
            assertThat(sample(after, "fanout_destination_in_flight_rows", held)).isZero();
            assertThat(sample(after, "fanout_table_rows_total", "table=\"quotes\"")).isEqualTo(5.0);
            assertThat(after).contains("\nfanout_flow_in_flight_rows 0.0\n");
        }
    }

    @Test
    void withoutAMetricsSectionNothingIsServed() throws Exception {
        try (Fanout fanout = Fanout.builder().topology(topology(""))
                .registry(WriterRegistry.of(List.of(new MemProvider()))).build()) {
            assertThat(fanout.prometheusAddress()).isEmpty();
        }
    }
}
