package dev.fanout.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static dev.fanout.dlq.SamplePackets.assertSame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PacketJsonTest {

    @TempDir
    Path tmp;

    @Test
    void everyLogicalTypeRoundTripsExactlyThroughAFile() throws IOException {
        FramePacket every = SamplePackets.everyType();
        FramePacket versioned = SamplePackets.versioned("quotes_eu", "q-1", 5);
        Path file = tmp.resolve("packets.ndjson");
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            PacketJson.write(every, out);
            PacketJson.write(versioned, out);
        }
        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).hasSize(2);
        try (Stream<FramePacket> packets = PacketJson.read(file)) {
            List<FramePacket> read = packets.toList();
            assertThat(read).hasSize(2);
            assertSame(read.get(0), every);
            assertSame(read.get(1), versioned);
            assertThat(read.get(1).schema().versionColumn()).contains("updated_at");
        }
    }

    @Test
    void theLineIsTheDocumentedShape() throws IOException {
        String line = PacketJson.toLine(SamplePackets.everyType());
        assertThat(line).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("table").asText()).isEqualTo("trades");
        assertThat(json.get("domain").asText()).isEqualTo("markets");
        assertThat(json.get("packet_id").asText()).isEqualTo("pkt-every-type");
        assertThat(json.get("version").isIntegralNumber()).isTrue();
        assertThat(json.get("version").asLong()).isEqualTo(1_700_000_000_123_456L);
        assertThat(json.at("/schema/columns/5").toString())
                .isEqualTo("{\"name\":\"d\",\"type\":\"decimal(38,10)\",\"nullable\":true}");
        assertThat(json.at("/schema/columns/0/nullable").asBoolean()).isFalse();
        assertThat(json.at("/schema/primary_key").toString()).isEqualTo("[\"id\"]");
        assertThat(json.at("/schema/version_column").isNull()).isTrue();
        JsonNode row0 = json.at("/rows/0");
        assertThat(row0.get(3).isIntegralNumber()).isTrue();
        assertThat(row0.get(3).asLong()).isEqualTo(9_007_199_254_740_993L);
        assertThat(row0.get(5).asText()).isEqualTo("12345.6789000000");
        assertThat(row0.get(7).asText()).isEqualTo("2026-01-31");
        assertThat(row0.get(8).asText()).isEqualTo("2026-01-31T09:30:00.123456Z");
        assertThat(row0.get(9).asText()).isEqualTo("AQID");
        assertThat(row0.get(10).asText()).isEqualTo("{\"a\":[1,2,{\"b\":null}]}");
        assertThat(json.at("/rows/1/1").isNull()).isTrue();
        assertThat(json.at("/rows/3/4").asText()).isEqualTo("NaN");
        assertThat(json.at("/rows/4/4").asText()).isEqualTo("Infinity");
        assertThat(json.at("/rows/5/4").asText()).isEqualTo("-Infinity");
        assertThat(json.at("/rows/4/8").asText()).isEqualTo("1970-01-01T00:00:00.000000Z");
        assertThat(json.at("/rows/2/8").asText()).isEqualTo("1969-12-31T23:59:59.999999Z");
        assertThat(json.at("/rows/7/8").asText()).isEqualTo("2023-11-14T22:13:20.123456789Z");
    }

    @Test
    void doublesRoundTripBitForBit() {
        Random random = new Random(42);
        FramePacket.Builder b = FramePacket.builder("f", SamplePackets.EVERY_TYPE).packetId("f");
        for (long i = 0; i < 2000; i++) {
            double d = i % 2 == 0 ? Double.longBitsToDouble(random.nextLong()) : random.nextDouble() * Math.pow(10, random.nextInt(600) - 300);
            b.addRow(i, null, null, null, Double.isNaN(d) ? 0.1 : d, null, null, null, null, null, null);
        }
        b.addRow(-1L, null, null, null, -0.0, null, null, null, null, null, null);
        FramePacket p = b.build();
        assertSame(PacketJson.fromLine(PacketJson.toLine(p)), p);
    }

    @Test
    void aHandWrittenPacketMayOmitOptionalFieldsAndOrderFieldsFreely() {
        String line = "{\"rows\":[[1,\"2.50\",{\"nested\":[true,null]}, 12345678901234567890]],"
                + "\"schema\":{\"primary_key\":[\"id\"],\"columns\":[{\"name\":\"id\",\"type\":\"int32\"},"
                + "{\"type\":\"DECIMAL(10, 2)\",\"name\":\"px\"},{\"name\":\"doc\",\"type\":\"json\"},"
                + "{\"name\":\"big\",\"type\":\"decimal(38,0)\"}]},\"table\":\"t\"}";
        FramePacket p = PacketJson.fromLine(line);
        assertThat(p.table()).isEqualTo("t");
        assertThat(p.domain()).isEmpty();
        assertThat(p.packetId()).isNotBlank();
        assertThat(p.schema().column(1).type()).isEqualTo(LogicalType.decimal(10, 2));
        assertThat(p.schema().column(1).nullable()).isTrue();
        assertThat(p.schema().column(0).nullable()).isFalse();
        assertThat(p.row(0)).containsExactly(1, new BigDecimal("2.50"), "{\"nested\":[true,null]}",
                new BigDecimal("12345678901234567890"));
    }

    @Test
    void readingSkipsBlankLinesAndAByteOrderMark() {
        String a = PacketJson.toLine(SamplePackets.versioned("a", "pa", 1));
        String b = PacketJson.toLine(SamplePackets.versioned("b", "pb", 2));
        String text = "\uFEFF" + a + "\n\n   \r\n" + b + "\r\n";
        try (Stream<FramePacket> s = PacketJson.read(new BufferedReader(new StringReader(text)), "x.ndjson")) {
            assertThat(s.map(FramePacket::packetId)).containsExactly("pa", "pb");
        }
    }

    @Test
    void aReEmittedPacketKeepsEveryRowVersionAndAPlainOneHasNoRowVersionsField() throws IOException {
        FramePacket reEmitted = SamplePackets.reEmitted();
        String line = PacketJson.toLine(reEmitted);

        assertSame(PacketJson.fromLine(line), reEmitted);
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("row_versions").toString())
                .isEqualTo("[9223372036854775807,-9223372036854775808,-1,0,1700000000123456,42,42,9007199254740993]");
        assertThat(new ObjectMapper().readTree(PacketJson.toLine(SamplePackets.everyType())).has("row_versions")).isFalse();

        String handWritten = PacketJson.toLine(SamplePackets.versioned("a", "pa", 2)).replace(",\"rows\":", ",\"row_versions\":[\"-5\",7],\"rows\":");
        FramePacket p = PacketJson.fromLine(handWritten);
        assertThat(p.hasRowVersions()).isTrue();
        assertThat(p.rowVersion(0)).isEqualTo(-5L);
        assertThat(p.rowVersion(1)).isEqualTo(7L);
    }

    @Test
    void rowVersionsMustBeOneIntegerPerRow() {
        String good = PacketJson.toLine(SamplePackets.versioned("a", "pa", 2));
        assertThatThrownBy(() -> read(good.replace(",\"rows\":", ",\"row_versions\":[1],\"rows\":")))
                .hasMessageStartingWith("packets.ndjson:1: 'row_versions' has 1 versions but there are 2 rows");
        assertThatThrownBy(() -> read(good.replace(",\"rows\":", ",\"row_versions\":[1,1.5],\"rows\":")))
                .hasMessageContaining("'row_versions[1]' must be an integer");
        assertThatThrownBy(() -> read(good.replace(",\"rows\":", ",\"row_versions\":[1,\"9223372036854775808\"],\"rows\":")))
                .hasMessageContaining("'row_versions[1]' is not an integer within int64");
        assertThatThrownBy(() -> read(good.replace(",\"rows\":", ",\"row_versions\":7,\"rows\":")))
                .hasMessageContaining("'row_versions' must be an array of integers, one per row");
    }

    @Test
    void errorsNameTheSourceLineRowAndColumnButNoValue() {
        String good = PacketJson.toLine(SamplePackets.versioned("a", "pa", 1));
        String badValue = good.replace("\"2026-01-01\"", "\"2026-13-45\"");
        assertThat(badValue).isNotEqualTo(good);
        assertThatThrownBy(() -> read(good + "\n\n" + badValue + "\n"))
                .isInstanceOf(PacketJsonException.class)
                .hasMessageStartingWith("packets.ndjson:3: row 0, column 'k2' (date): expected an ISO date")
                .hasMessageNotContaining("2026-13-45")
                .satisfies(e -> assertThat(((PacketJsonException) e).line()).isEqualTo(3));

        assertThatThrownBy(() -> read("{\"table\":\"t\",\"schema\":{"))
                .hasMessageStartingWith("packets.ndjson:1: malformed JSON at column");
        assertThatThrownBy(() -> read("[1,2]"))
                .hasMessageStartingWith("packets.ndjson:1: expected a packet object");
        assertThatThrownBy(() -> read(good.replace("\"rows\"", "\"rowz\"")))
                .hasMessageContaining("unknown field 'rowz'");
        assertThatThrownBy(() -> read(good.replace("\"timestamp\"", "\"datetime\"")))
                .hasMessageContaining("schema column 'updated_at': unknown logical type 'datetime'");
        assertThatThrownBy(() -> read(good.replace(",\"rows\":[", ",\"rows\":[[1],")))
                .hasMessageContaining("row 0 has 1 values but the schema has 4 columns");
        assertThatThrownBy(() -> read(good.replace("\"primary_key\":[\"k1\",\"k2\"]", "\"primary_key\":[\"nope\"]")))
                .hasMessageContaining("schema: primary key column 'nope' is not among the columns");
        assertThatThrownBy(() -> read(good + " {}"))
                .hasMessageContaining("unexpected content after the packet object");
        assertThatThrownBy(() -> PacketJson.fromLine("{\"table\":\"t\"}"))
                .hasMessage("<line>:1: missing field 'schema'");
    }

    @Test
    void typeMismatchesAreRefusedPerType() {
        String schema = "\"schema\":{\"columns\":[{\"name\":\"v\",\"type\":\"%s\"}],\"primary_key\":[\"v\"]}";
        String[][] cases = {
                {"int32", "2147483648"}, {"int32", "1.5"}, {"int64", "9223372036854775808"}, {"int64", "true"},
                {"float64", "\"fast\""}, {"decimal(10,2)", "\"1.2.3\""}, {"string", "1"}, {"boolean", "\"true\""},
                {"timestamp", "\"2026-01-01 10:00\""}, {"bytes", "\"***\""}, {"date", "20260101"},
        };
        for (String[] c : cases) {
            String line = "{\"table\":\"t\"," + schema.formatted(c[0]) + ",\"rows\":[[" + c[1] + "]]}";
            assertThatThrownBy(() -> PacketJson.fromLine(line)).as(c[0] + " " + c[1])
                    .isInstanceOf(PacketJsonException.class)
                    .hasMessageStartingWith("<line>:1: row 0, column 'v' (" + c[0] + "): expected");
        }
    }

    @Test
    void aValueOfTheWrongClassIsExportedAndRefusedOnReadForAPersonToFix() throws IOException {
        FramePacket bad = FramePacket.builder("t", SamplePackets.EVERY_TYPE).packetId("bad")
                .addRow("oops", 1, 2.5, "x", 3L, 4.0, 5, "d", LocalDate.EPOCH, Instant.EPOCH, 7).build();
        StringWriter out = new StringWriter();
        PacketJson.write(bad, out);
        assertThatThrownBy(() -> PacketJson.fromLine(out.toString().strip()))
                .hasMessageContaining("row 0, column 'id' (int64)");
    }

    @Test
    void hugeStringsAndBytesArePassedThrough() {
        String text = SamplePackets.longText().repeat(50);
        byte[] bytes = new byte[3_000_000];
        new Random(1).nextBytes(bytes);
        FramePacket p = FramePacket.builder("t", SamplePackets.EVERY_TYPE).packetId("big")
                .addRow(1L, null, null, null, null, null, text, null, null, bytes, null).build();
        assertSame(PacketJson.fromLine(PacketJson.toLine(p)), p);
    }

    @Test
    void aDeadLetterRoundTripsFromTheStoreThroughExport() throws IOException {
        FramePacket every = SamplePackets.everyType();
        try (DeadLetterStore store = DeadLetterStore.open(tmp.resolve("dlq"))) {
            store.park(SamplePackets.letter(DeadLetterStore.newId(), every, "m"));
            StringWriter export = new StringWriter();
            for (DeadLetter l : store.records("trades")) {
                PacketJson.write(l.packet(), export);
            }
            try (Stream<FramePacket> s = PacketJson.read(new BufferedReader(new StringReader(export.toString())))) {
                assertSame(s.findFirst().orElseThrow(), every);
            }
        }
    }

    private static List<FramePacket> read(String text) {
        try (Stream<FramePacket> s = PacketJson.read(new BufferedReader(new StringReader(text)), "packets.ndjson")) {
            return s.toList();
        }
    }
}
