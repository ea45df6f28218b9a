package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.RowDigest;
import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The bucket listing's choice to hash a string column once per distinct value (through
 * {@code toLowCardinality}) from a sample of the table, and that the digests it gives are the Java
 * reference's all the same, on the real server.
 */
@ExtendWith(ClickHouseServerExtension.class)
class ClickHouseRowDigestsTest {

    private static final Schema ORDERS = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("symbol", LogicalType.STRING),
            Column.of("note", LogicalType.STRING), Column.of("doc", LogicalType.JSON), Column.of("qty", LogicalType.INT32)), List.of("id"));

    private final ClickHouseServer server;

    ClickHouseRowDigestsTest(ClickHouseServer server) {
        this.server = server;
    }

    @Test
    void aFewDistinctValuesAreHashedOncePerValueAndDigestAsTheReferenceDoes() throws Exception {
        FramePacket.Builder b = FramePacket.builder("orders", ORDERS).version(7);
        for (long id = 0; id < 5_000; id++) {
            b.addRow(id, new String[] {"AAPL", "SAP", "Ünï ✓"}[(int) (id % 3)], id % 13 == 0 ? null : "note " + id,
                    id % 2 == 0 ? "{\"side\": \"buy\"}" : null, (int) id);
        }
        FramePacket rows = b.build();
        try (BaseWriter writer = new ClickHouseWriterProvider().create(new Destination("ch", server.uri("digest_lc"), Map.of(),
                Path.of("."), Set.of("password")))) {
            writer.open();
            writer.write(WriteBatch.of(rows));
            ClickHouseReader reader = (ClickHouseReader) writer.reader().orElseThrow();
            ClickHouseReader.Readable t = reader.readable("orders");
            assertThat(reader.hashedPerDistinctValue(t, "`digest_lc`.`orders`", "")).containsExactlyInAnyOrder("symbol", "doc");

            Map<Integer, long[]> expected = new TreeMap<>();
            for (int r = 0; r < rows.rowCount(); r++) {
                long[] s = expected.computeIfAbsent(RowDigest.bucket(rows, r, 64), k -> new long[2]);
                s[0]++;
                s[1] += RowDigest.rowDigest(rows, r);
            }
            List<RowDigest.Bucket> reference = new ArrayList<>();
            expected.forEach((bucket, s) -> reference.add(new RowDigest.Bucket(bucket, s[0], s[1])));
            List<RowDigest.Bucket> listed = new ArrayList<>(reader.bucketDigests("orders", RowFilter.all(), 64).orElseThrow());
            listed.sort(Comparator.comparingInt(RowDigest.Bucket::bucket));
            assertThat(listed).isEqualTo(reference);
        }
    }

    @Test
    void aTableWithAColumnNamedLikeTheDigestQuerysOwnNamesIsNotDigested() throws Exception {
        Schema shadowed = Schema.of(List.of(Column.required("id", LogicalType.INT64), Column.of("_fanout_v", LogicalType.STRING)),
                List.of("id"));
        try (BaseWriter writer = new ClickHouseWriterProvider().create(new Destination("ch", server.uri("digest_shadowed"), Map.of(),
                Path.of("."), Set.of("password")))) {
            writer.open();
            writer.write(WriteBatch.of(FramePacket.builder("shadowed", shadowed).version(3).addRow(1L, "a").addRow(2L, "b").build()));
            writer.write(WriteBatch.of(FramePacket.builder("plain", ORDERS).version(3).addRow(1L, "AAPL", null, null, 5).build()));
            ClickHouseReader reader = (ClickHouseReader) writer.reader().orElseThrow();
            assertThat(reader.bucketDigests("shadowed", RowFilter.all(), 7)).as("declined: its scans are compared instead").isEmpty();
            assertThat(reader.bucketDigests("plain", RowFilter.all(), 7)).isPresent();
        }
    }

    @Test
    void aSampleChoosesColumnsWithAtMostOneDistinctValueInEightRowsOfAtLeastAThousand() {
        assertThat(ClickHouseRowDigests.hashedPerDistinctValue(ORDERS, new String[] {"8000", "1000", "1001", "3"}))
                .containsExactlyInAnyOrder("symbol", "doc");
        assertThat(ClickHouseRowDigests.hashedPerDistinctValue(ORDERS, new String[] {"999", "2", "2", "2"})).isEmpty();
        assertThat(ClickHouseRowDigests.sampleSql("db.orders FINAL", ORDERS, " WHERE x"))
                .isEqualTo("SELECT count(), uniq(`symbol`), uniq(`note`), uniq(`doc`) FROM (SELECT `symbol`, `note`, `doc` FROM db.orders FINAL"
                        + " WHERE x LIMIT 65536)");
        assertThat(ClickHouseRowDigests.sampleSql("t", Schema.of(List.of(Column.of("id", LogicalType.INT64)), List.of("id")), "")).isEmpty();
    }
}
