package dev.fanout.core;

import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.core.dispatch.DispatcherStartException;
import dev.fanout.core.dispatch.LaneSummary;
import dev.fanout.core.dispatch.PacketOutcome;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.testplugin.MemProvider;
import dev.fanout.core.testplugin.ShardedProvider;
import dev.fanout.dlq.DeadLetter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A sharded destination is written through one lane per shard: rows go to their shard's lane, and a shard that is down fails alone. */
@Timeout(60)
class FanoutShardsTest {

    private static final Schema SCHEMA = Schema.of(List.of(Column.required("id", LogicalType.INT64),
            Column.of("note", LogicalType.STRING)), List.of("id"));

    @TempDir
    Path dir;

    @BeforeEach
    void clear() {
        ShardedProvider.stored.clear();
    }

    private Fanout.Builder builder(String clusterOptions, List<DeadLetter> parked) throws Exception {
        return builder(clusterOptions, parked, "");
    }

    private Fanout.Builder builder(String clusterOptions, List<DeadLetter> parked, String more) throws Exception {
        Path file = dir.resolve("topology.yaml");
        Files.writeString(file, """
                version: 1
                destinations:
                  warehouse: { uri: "shards:c1", options: { %s } }
                  side: { uri: "mem:side" }
                routes:
                  - { match: { table: side_* }, to: side }
                default: warehouse
                retry: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 2ms }
                circuit: { failure_threshold: 100, open_for: 10s }
                """.formatted(clusterOptions) + more);
        Fanout.Builder b = Fanout.builder().topology(file).registry(WriterRegistry.of(List.of(new ShardedProvider(), new MemProvider())));
        return parked == null ? b : b.deadLetters(parked::add);
    }

    private static FramePacket ids(String id, long... values) {
        FramePacket.Builder b = FramePacket.builder("trades", SCHEMA).packetId(id);
        for (long v : values) {
            b.addRow(v, "n" + v);
        }
        return b.build();
    }

    @Test
    void everyRowGoesToItsShardsLaneAndTheSummaryNamesEachShard() throws Exception {
        try (Fanout fanout = builder("count: \"3\"", null).build()) {
            assertThat(fanout.submit(ids("p1", LongStream.range(0, 10).toArray())).get().status()).isEqualTo(PacketOutcome.Status.COMMITTED);
            assertThat(fanout.submit(ids("p2", 3, 6, 9)).get().status()).isEqualTo(PacketOutcome.Status.COMMITTED);
            fanout.flush();
            assertThat(fanout.summary()).extracting(LaneSummary::destination)
                    .containsExactly("warehouse@s0", "warehouse@s1", "warehouse@s2", "side");
            assertThat(fanout.summary()).extracting(LaneSummary::rows).containsExactly(7L, 3L, 3L, 0L);
            assertThat(fanout.metrics().meter("fanout.destination.warehouse@s0.rows").getCount()).isEqualTo(7);
        }
        assertThat(ShardedProvider.stored.get("shards:c1#0")).containsExactly(0L, 3L, 6L, 9L, 3L, 6L, 9L);
        assertThat(ShardedProvider.stored.get("shards:c1#1")).containsExactly(1L, 4L, 7L);
        assertThat(ShardedProvider.stored.get("shards:c1#2")).containsExactly(2L, 5L, 8L);
        assertThat(ShardedProvider.stored).doesNotContainKey("shards:c1");
    }

    @Test
    void eachShardIsOnePrometheusLabel() throws Exception {
        try (Fanout fanout = builder("count: \"2\"", null, "metrics: { prometheus: \"127.0.0.1:0\" }\n").build()) {
            assertThat(fanout.submit(ids("p1", 0, 1, 2)).get().status()).isEqualTo(PacketOutcome.Status.COMMITTED);
            InetSocketAddress address = fanout.prometheusAddress().orElseThrow();
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + address.getHostString() + ":"
                    + address.getPort() + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();

            assertThat(body.lines()).contains("fanout_destination_rows_total{destination=\"warehouse@s0\",} 2.0",
                    "fanout_destination_rows_total{destination=\"warehouse@s1\",} 1.0");
        }
    }

    @Test
    void aShardThatIsDownIsParkedAloneWhileTheOtherShardCommits() throws Exception {
        List<DeadLetter> parked = new CopyOnWriteArrayList<>();
        try (Fanout fanout = builder("down: \"1\"", parked).build()) {
            PacketOutcome mixed = fanout.submit(ids("p1", 0, 1, 2, 3, 4)).get();
            PacketOutcome healthy = fanout.submit(ids("p2", 10, 12)).get();

            assertThat(mixed.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
            assertThat(healthy.status()).isEqualTo(PacketOutcome.Status.COMMITTED);
        }
        assertThat(ShardedProvider.stored.get("shards:c1#0")).containsExactly(0L, 2L, 4L, 10L, 12L);
        assertThat(ShardedProvider.stored).doesNotContainKey("shards:c1#1");
        assertThat(parked).singleElement().satisfies(l -> {
            assertThat(l.destination()).isEqualTo("warehouse@s1");
            assertThat(l.packet().rowCount()).isEqualTo(2);
            assertThat(List.of(l.packet().value(0, 0), l.packet().value(1, 0))).containsExactly(1L, 3L);
            assertThat(l.message()).contains("shard 1 of warehouse@s1: every replica refuses connections");
        });
    }

    @Test
    void aClusterWhoseLayoutIsUnknownRunsAsOneLane() throws Exception {
        try (Fanout fanout = builder("layout: unknown", null).build()) {
            assertThat(fanout.submit(ids("p1", 0, 1, 2)).get().status()).isEqualTo(PacketOutcome.Status.COMMITTED);
            assertThat(fanout.summary()).extracting(LaneSummary::destination).containsExactly("warehouse", "side");
        }
        assertThat(ShardedProvider.stored.get("shards:c1")).containsExactly(0L, 1L, 2L);
    }

    @Test
    void aRowTheShardingCannotPlaceParksThePacketAsUnroutable() throws Exception {
        List<DeadLetter> parked = new CopyOnWriteArrayList<>();
        try (Fanout fanout = builder("count: \"2\"", parked).build()) {
            PacketOutcome outcome = fanout.submit(ids("p1", 4, -1)).get();

            assertThat(outcome.status()).isEqualTo(PacketOutcome.Status.DEAD_LETTERED);
        }
        assertThat(ShardedProvider.stored).isEmpty();
        assertThat(parked).singleElement().satisfies(l -> {
            assertThat(l.errorClass()).isEqualTo("Unroutable");
            assertThat(l.message()).contains("id -1 cannot be sharded");
        });
    }

    @Test
    void aShardLaneNamedLikeAnotherDestinationIsRefused() throws Exception {
        Path file = dir.resolve("clash.yaml");
        Files.writeString(file, """
                version: 1
                destinations:
                  warehouse: { uri: "shards:c1" }
                  warehouse@s1: { uri: "mem:other" }
                default: warehouse
                """);
        assertThatThrownBy(() -> Fanout.builder().topology(file)
                .registry(WriterRegistry.of(List.of(new ShardedProvider(), new MemProvider()))).build())
                .isInstanceOf(DispatcherStartException.class)
                .hasMessageContaining("its shard s1 would be written as warehouse@s1, which is also a destination of the topology");
    }
}
