package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.data.ClickHouseFormat;
import dev.fanout.api.LogicalType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bytes the transcoder sends for two rows (one name null): a native block, column after column
 * with a nullable column's null flags before its values and an empty string under the null; and
 * RowBinary, row after row, for a table whose column is {@code LowCardinality}, as its native layout
 * is another.
 */
class RowStreamTranscoderTest {

    /** Rows (7, "ab") and (8, null), version 3, in the row stream format. */
    private static final byte[] STREAM = new Bytes().u8(0).i64(7).u8(0).u8(2).text("ab").i64(3)
            .u8(0).i64(8).u8(1).i64(3).done();

    @Test
    void aPlainTableGetsOneNativeBlockColumnAfterColumn() throws Exception {
        RowStreamTranscoder t = transcoder("Nullable(String)");
        assertThat(t.format()).isEqualTo(ClickHouseFormat.Native);
        assertThat(transcoded(t)).isEqualTo(new Bytes().u8(3).u8(2)
                .u8(2).text("id").u8(5).text("Int64").i64(7).i64(8)
                .u8(4).text("name").u8(16).text("Nullable(String)").u8(0).u8(1).u8(2).text("ab").u8(0)
                .u8(15).text("_fanout_version").u8(5).text("Int64").i64(3).i64(3).done());
    }

    @Test
    void aTableWithALowCardinalityColumnGetsRowBinary() throws Exception {
        RowStreamTranscoder t = transcoder("LowCardinality(Nullable(String))");
        assertThat(t.format()).isEqualTo(ClickHouseFormat.RowBinary);
        assertThat(transcoded(t)).isEqualTo(new Bytes().i64(7).u8(0).u8(2).text("ab").i64(3).i64(8).u8(1).i64(3).done());
    }

    /** What {@code t} writes for {@link #STREAM}, once it has counted both rows. */
    private static byte[] transcoded(RowStreamTranscoder t) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        t.copy(new ByteArrayInputStream(STREAM), out);
        assertThat(t.rows()).isEqualTo(2);
        return out.toByteArray();
    }

    private static RowStreamTranscoder transcoder(String nameType) throws Exception {
        return new RowStreamTranscoder("hot", "items", List.of(
                new RowBinaryEncoder.Target("id", 0, LogicalType.INT64, ClickHouseColumnType.parse("Int64")),
                new RowBinaryEncoder.Target("name", 1, LogicalType.STRING, ClickHouseColumnType.parse(nameType)),
                new RowBinaryEncoder.Target("_fanout_version", -1, LogicalType.INT64, ClickHouseColumnType.parse("Int64"))));
    }

    private static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes u8(int v) {
            out.write(v);
            return this;
        }

        Bytes i64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            return this;
        }

        Bytes text(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        byte[] done() {
            return out.toByteArray();
        }
    }
}
