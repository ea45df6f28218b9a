package dev.fanout.dlq;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.fanout.api.Column;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Packets as newline-delimited JSON, the format of {@code fanout dlq export} and
 * {@code fanout ingest --packets FILE}: one object per line,
 * <pre>{@code {"table":"trades","domain":null,"packet_id":"p-1","version":42,
 *  "schema":{"columns":[{"name":"id","type":"int64","nullable":false},{"name":"px","type":"decimal(18,4)","nullable":true}],
 *            "primary_key":["id"],"version_column":null},
 *  "rows":[[1,"101.2500"],[2,null]]}}</pre>
 * (on one line). Values round-trip exactly: boolean, int32 and int64 as JSON numbers (int64 may also
 * be read from a string), float64 as a number or {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"},
 * decimal as a string keeping its scale, string as a string, date as {@code 2026-01-31}, timestamp as
 * an ISO-8601 instant with six fractional digits (nine when it has sub-microsecond nanos), bytes as
 * base64, json as a string holding the JSON text (an object or array is also accepted when reading),
 * null as null. {@code domain}, {@code packet_id}, {@code version} and a column's {@code nullable} may be
 * omitted when reading: a missing id or version is generated as for any new packet.
 *
 * <p>A packet whose rows carry their own versions ({@link FramePacket#hasRowVersions()}, re-emitted
 * from storage by a migration) has {@code "row_versions":[…]} after {@code rows}, one int64 per row
 * (also read from strings of digits); they are kept exactly, so replaying it upserts as the original
 * rows did. Packets without them have no such field, as before.
 *
 * <p>A packet parked for a data error may hold a value whose Java class does not match its column;
 * such a value is written by its own class (a string for anything unknown), and reading that line back
 * fails naming the row and column, for a person to fix. Thread-safe: no state.
 */
public final class PacketJson {

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE).maxNumberLength(10_000).build())
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .disable(StreamWriteFeature.FLUSH_PASSED_TO_STREAM)
            .build();
    private static final DateTimeFormatter MICROS = new DateTimeFormatterBuilder().appendInstant(6).toFormatter();
    private static final DateTimeFormatter NANOS = new DateTimeFormatterBuilder().appendInstant(9).toFormatter();

    private PacketJson() {
    }

    /** Writes {@code packet} as one line, ending in {@code \n}. Does not flush {@code out}. */
    public static void write(FramePacket packet, Writer out) throws IOException {
        Objects.requireNonNull(packet, "packet is null");
        Objects.requireNonNull(out, "out is null");
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writePacket(g, packet);
        }
        out.write('\n');
    }

    /** {@code packet} as one line of JSON, without the line break. */
    public static String toLine(FramePacket packet) {
        Objects.requireNonNull(packet, "packet is null");
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writePacket(g, packet);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * Parses one line.
     *
     * @throws PacketJsonException naming {@code <line>:1} and what is wrong
     */
    public static FramePacket fromLine(String line) {
        Objects.requireNonNull(line, "line is null");
        return parse(line, "<line>", 1);
    }

    /**
     * The packets in {@code in}, one per non-blank line, parsed lazily in order.
     *
     * @param source names the input in error messages, e.g. the file name
     * @throws PacketJsonException   (from the stream) naming {@code source:line} for a line that is not a packet
     * @throws UncheckedIOException (from the stream) when reading fails
     */
    public static Stream<FramePacket> read(BufferedReader in, String source) {
        Objects.requireNonNull(in, "in is null");
        Objects.requireNonNull(source, "source is null");
        Iterator<FramePacket> lines = new Iterator<>() {
            private long lineNumber;
            private FramePacket next;

            @Override
            public boolean hasNext() {
                while (next == null) {
                    String line;
                    try {
                        line = in.readLine();
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot read " + source + " after line " + lineNumber + ": "
                                + e.getMessage(), e);
                    }
                    if (line == null) {
                        return false;
                    }
                    lineNumber++;
                    if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                        line = line.substring(1);
                    }
                    if (!line.isBlank()) {
                        next = parse(line, source, lineNumber);
                    }
                }
                return true;
            }

            @Override
            public FramePacket next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                FramePacket p = next;
                next = null;
                return p;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(lines, Spliterator.ORDERED | Spliterator.NONNULL),
                false);
    }

    /** Same as {@link #read(BufferedReader, String)} with "input" as the source. */
    public static Stream<FramePacket> read(BufferedReader in) {
        return read(in, "input");
    }

    /** The packets in the UTF-8 file {@code file}; close the stream to close the file. */
    public static Stream<FramePacket> read(Path file) throws IOException {
        Objects.requireNonNull(file, "file is null");
        BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        return read(in, file.toString()).onClose(() -> {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static void writePacket(JsonGenerator g, FramePacket p) throws IOException {
        Schema schema = p.schema();
        g.writeStartObject();
        g.writeStringField("table", p.table());
        g.writeFieldName("domain");
        writeNullableString(g, p.domain().orElse(null));
        g.writeStringField("packet_id", p.packetId());
        g.writeNumberField("version", p.version());
        g.writeObjectFieldStart("schema");
        g.writeArrayFieldStart("columns");
        for (Column c : schema.columns()) {
            g.writeStartObject();
            g.writeStringField("name", c.name());
            g.writeStringField("type", c.type().toString());
            g.writeBooleanField("nullable", c.nullable());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("primary_key");
        for (String k : schema.primaryKey()) {
            g.writeString(k);
        }
        g.writeEndArray();
        g.writeFieldName("version_column");
        writeNullableString(g, schema.versionColumn().orElse(null));
        g.writeEndObject();
        g.writeArrayFieldStart("rows");
        for (int r = 0; r < p.rowCount(); r++) {
            g.writeStartArray();
            for (int c = 0; c < schema.width(); c++) {
                writeValue(g, schema.column(c).type(), p.value(r, c));
            }
            g.writeEndArray();
        }
        g.writeEndArray();
        if (p.hasRowVersions()) {
            g.writeArrayFieldStart("row_versions");
            for (int r = 0; r < p.rowCount(); r++) {
                g.writeNumber(p.rowVersion(r));
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void writeNullableString(JsonGenerator g, String s) throws IOException {
        if (s == null) {
            g.writeNull();
        } else {
            g.writeString(s);
        }
    }

    private static void writeValue(JsonGenerator g, LogicalType type, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
            return;
        }
        if (!type.javaClass().isInstance(v)) {
            writeByClass(g, v);
            return;
        }
        switch (type.kind()) {
            case BOOLEAN -> g.writeBoolean((Boolean) v);
            case INT32 -> g.writeNumber((Integer) v);
            case INT64 -> g.writeNumber((Long) v);
            case FLOAT64 -> writeDouble(g, (Double) v);
            case DECIMAL -> g.writeString(decimalText((BigDecimal) v));
            case STRING, JSON -> g.writeString((String) v);
            case DATE -> g.writeString(v.toString());
            case TIMESTAMP -> g.writeString(timestampText((Instant) v));
            case BYTES -> g.writeString(Base64.getEncoder().encodeToString((byte[]) v));
        }
    }

    private static void writeByClass(JsonGenerator g, Object v) throws IOException {
        if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof BigInteger i) {
            g.writeNumber(i);
        } else if (v instanceof Double || v instanceof Float) {
            writeDouble(g, ((Number) v).doubleValue());
        } else if (v instanceof BigDecimal d) {
            g.writeString(decimalText(d));
        } else if (v instanceof Instant t) {
            g.writeString(timestampText(t));
        } else if (v instanceof byte[] b) {
            g.writeString(Base64.getEncoder().encodeToString(b));
        } else {
            g.writeString(v.toString());
        }
    }

    private static void writeDouble(JsonGenerator g, double d) throws IOException {
        if (Double.isFinite(d)) {
            g.writeNumber(d);
        } else {
            g.writeString(Double.toString(d));
        }
    }

    /** Plain digits keep the scale ("1.50" stays 1.50); a negative scale needs the exponent form. */
    private static String decimalText(BigDecimal d) {
        return d.scale() >= 0 ? d.toPlainString() : d.toString();
    }

    private static String timestampText(Instant t) {
        return (t.getNano() % 1000 == 0 ? MICROS : NANOS).format(t);
    }

    private static FramePacket parse(String line, String source, long lineNumber) {
        try (JsonParser p = JSON.createParser(line)) {
            return packet(p);
        } catch (Invalid e) {
            throw new PacketJsonException(source, lineNumber, e.getMessage(), null);
        } catch (JsonProcessingException e) {
            throw new PacketJsonException(source, lineNumber, "malformed JSON at column "
                    + (e.getLocation() == null ? "?" : e.getLocation().getColumnNr()) + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new PacketJsonException(source, lineNumber, "cannot parse: " + e.getMessage(), e);
        }
    }

    private static FramePacket packet(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new Invalid("expected a packet object {\"table\":…,\"schema\":…,\"rows\":…}");
        }
        String table = null;
        String domain = null;
        String packetId = null;
        Long version = null;
        Schema schema = null;
        List<Cell[]> rows = null;
        List<Long> rowVersions = null;
        Set<String> seen = new HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            if (!seen.add(field)) {
                throw new Invalid("field '" + field + "' appears twice");
            }
            JsonToken t = p.nextToken();
            switch (field) {
                case "table" -> table = text(p, t, "table");
                case "domain" -> domain = t == JsonToken.VALUE_NULL ? null : text(p, t, "domain");
                case "packet_id" -> packetId = t == JsonToken.VALUE_NULL ? null : text(p, t, "packet_id");
                case "version" -> {
                    if (t != JsonToken.VALUE_NULL) {
                        version = integer(p, t, "version");
                    }
                }
                case "schema" -> schema = schema(p, t);
                case "rows" -> rows = rows(p, t);
                case "row_versions" -> rowVersions = t == JsonToken.VALUE_NULL ? null : rowVersions(p, t);
                default -> throw new Invalid("unknown field '" + field
                        + "': a packet has table, domain, packet_id, version, schema, rows and row_versions");
            }
        }
        if (p.nextToken() != null) {
            throw new Invalid("unexpected content after the packet object");
        }
        if (table == null || schema == null || rows == null) {
            throw new Invalid("missing field '" + (table == null ? "table" : schema == null ? "schema" : "rows") + "'");
        }
        if (rowVersions != null && rowVersions.size() != rows.size()) {
            throw new Invalid("'row_versions' has " + rowVersions.size() + " versions but there are " + rows.size()
                    + " rows: give one version per row, or leave the field out");
        }
        FramePacket.Builder packet;
        try {
            packet = FramePacket.builder(table, schema).domain(domain);
        } catch (IllegalArgumentException e) {
            throw new Invalid(e.getMessage());
        }
        if (packetId != null) {
            packet.packetId(packetId);
        }
        if (version != null) {
            packet.version(version);
        }
        Object[] values = new Object[schema.width()];
        for (int r = 0; r < rows.size(); r++) {
            Cell[] cells = rows.get(r);
            if (cells.length != schema.width()) {
                throw new Invalid("row " + r + " has " + cells.length + " values but the schema has " + schema.width()
                        + " columns");
            }
            for (int c = 0; c < cells.length; c++) {
                values[c] = value(cells[c], schema.column(c), r);
            }
            if (rowVersions != null) {
                packet.addVersionedRow(rowVersions.get(r), values);
            } else {
                packet.addRow(values);
            }
        }
        return packet.build();
    }

    private static Schema schema(JsonParser p, JsonToken t) throws IOException {
        expect(t == JsonToken.START_OBJECT, "'schema' must be an object with columns, primary_key and version_column");
        List<Column> columns = null;
        List<String> key = null;
        String versionColumn = null;
        Set<String> seen = new HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            if (!seen.add(field)) {
                throw new Invalid("schema field '" + field + "' appears twice");
            }
            JsonToken v = p.nextToken();
            switch (field) {
                case "columns" -> {
                    expect(v == JsonToken.START_ARRAY, "'schema.columns' must be an array of {name, type, nullable}");
                    columns = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        columns.add(column(p, p.currentToken(), columns.size()));
                    }
                }
                case "primary_key" -> {
                    expect(v == JsonToken.START_ARRAY, "'schema.primary_key' must be an array of column names");
                    key = new ArrayList<>();
                    JsonToken k;
                    while ((k = p.nextToken()) != JsonToken.END_ARRAY) {
                        key.add(text(p, k, "schema.primary_key"));
                    }
                }
                case "version_column" -> versionColumn = v == JsonToken.VALUE_NULL ? null : text(p, v, "schema.version_column");
                default -> throw new Invalid("unknown schema field '" + field
                        + "': a schema has columns, primary_key and version_column");
            }
        }
        if (columns == null || key == null) {
            throw new Invalid("schema: missing '" + (columns == null ? "columns" : "primary_key") + "'");
        }
        try {
            return Schema.of(columns, key, versionColumn);
        } catch (IllegalArgumentException e) {
            throw new Invalid("schema: " + e.getMessage());
        }
    }

    private static Column column(JsonParser p, JsonToken t, int index) throws IOException {
        expect(t == JsonToken.START_OBJECT, "schema column " + index + " must be an object {name, type, nullable}");
        String name = null;
        String type = null;
        boolean nullable = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "name" -> name = text(p, v, "schema column " + index + " name");
                case "type" -> type = text(p, v, "schema column " + index + " type");
                case "nullable" -> {
                    expect(v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE,
                            "schema column " + index + ": 'nullable' must be true or false");
                    nullable = v == JsonToken.VALUE_TRUE;
                }
                default -> throw new Invalid("schema column " + index + ": unknown field '" + field
                        + "': a column has name, type and nullable");
            }
        }
        if (name == null || type == null) {
            throw new Invalid("schema column " + index + ": missing '" + (name == null ? "name" : "type") + "'");
        }
        try {
            return new Column(name, LogicalType.parse(type), nullable);
        } catch (IllegalArgumentException e) {
            throw new Invalid("schema column '" + name + "': " + e.getMessage());
        }
    }

    private static List<Cell[]> rows(JsonParser p, JsonToken t) throws IOException {
        expect(t == JsonToken.START_ARRAY, "'rows' must be an array of arrays");
        List<Cell[]> rows = new ArrayList<>();
        JsonToken r;
        while ((r = p.nextToken()) != JsonToken.END_ARRAY) {
            expect(r == JsonToken.START_ARRAY, "row " + rows.size() + " must be an array of values");
            List<Cell> cells = new ArrayList<>();
            JsonToken v;
            while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    StringWriter json = new StringWriter();
                    try (JsonGenerator g = JSON.createGenerator(json)) {
                        g.copyCurrentStructure(p);
                    }
                    cells.add(new Cell(v, json.toString()));
                } else {
                    cells.add(new Cell(v, p.getText()));
                }
            }
            rows.add(cells.toArray(new Cell[0]));
        }
        return rows;
    }

    private static List<Long> rowVersions(JsonParser p, JsonToken t) throws IOException {
        expect(t == JsonToken.START_ARRAY, "'row_versions' must be an array of integers, one per row");
        List<Long> versions = new ArrayList<>();
        JsonToken v;
        while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
            String what = "row_versions[" + versions.size() + "]";
            expect(v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_STRING, "'" + what + "' must be an integer, got " + describe(v));
            try {
                versions.add(Long.parseLong(p.getText()));
            } catch (NumberFormatException e) {
                throw new Invalid("'" + what + "' is not an integer within int64");
            }
        }
        return versions;
    }

    private static Object value(Cell cell, Column column, int row) {
        JsonToken t = cell.token();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        LogicalType type = column.type();
        try {
            switch (type.kind()) {
                case BOOLEAN -> {
                    if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
                        return t == JsonToken.VALUE_TRUE;
                    }
                }
                case INT32 -> {
                    if (t == JsonToken.VALUE_NUMBER_INT) {
                        return Integer.parseInt(cell.text());
                    }
                }
                case INT64 -> {
                    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_STRING) {
                        return Long.parseLong(cell.text());
                    }
                }
                case FLOAT64 -> {
                    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                        return Double.parseDouble(cell.text());
                    }
                    if (t == JsonToken.VALUE_STRING) {
                        switch (cell.text()) {
                            case "NaN" -> {
                                return Double.NaN;
                            }
                            case "Infinity" -> {
                                return Double.POSITIVE_INFINITY;
                            }
                            case "-Infinity" -> {
                                return Double.NEGATIVE_INFINITY;
                            }
                            default -> {
                            }
                        }
                    }
                }
                case DECIMAL -> {
                    if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                        return new BigDecimal(cell.text());
                    }
                }
                case STRING -> {
                    if (t == JsonToken.VALUE_STRING) {
                        return cell.text();
                    }
                }
                case JSON -> {
                    return cell.text();
                }
                case DATE -> {
                    if (t == JsonToken.VALUE_STRING) {
                        return LocalDate.parse(cell.text());
                    }
                }
                case TIMESTAMP -> {
                    if (t == JsonToken.VALUE_STRING) {
                        return Instant.parse(cell.text());
                    }
                }
                case BYTES -> {
                    if (t == JsonToken.VALUE_STRING) {
                        return Base64.getDecoder().decode(cell.text());
                    }
                }
            }
        } catch (NumberFormatException | DateTimeException e) {
            throw new Invalid(where(column, row) + ": expected " + expectation(type) + ", got " + describe(t)
                    + " that is not one (or is out of range)");
        } catch (IllegalArgumentException e) {
            throw new Invalid(where(column, row) + ": expected " + expectation(type) + ", got " + describe(t)
                    + " that is not valid base64");
        }
        throw new Invalid(where(column, row) + ": expected " + expectation(type) + ", got " + describe(t));
    }

    private static String where(Column column, int row) {
        return "row " + row + ", column '" + column.name() + "' (" + column.type() + ")";
    }

    private static String expectation(LogicalType type) {
        return switch (type.kind()) {
            case BOOLEAN -> "true or false";
            case INT32 -> "an integer within int32";
            case INT64 -> "an integer within int64 (a number or a string of digits)";
            case FLOAT64 -> "a number, \"NaN\", \"Infinity\" or \"-Infinity\"";
            case DECIMAL -> "a decimal as a string such as \"12.3400\"";
            case STRING -> "a string";
            case JSON -> "JSON text as a string";
            case DATE -> "an ISO date string such as \"2026-01-31\"";
            case TIMESTAMP -> "an ISO-8601 instant string such as \"2026-01-31T09:30:00.000000Z\"";
            case BYTES -> "a base64 string";
        };
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a number with a fraction or exponent";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }

    private static String text(JsonParser p, JsonToken t, String what) throws IOException {
        expect(t == JsonToken.VALUE_STRING, "'" + what + "' must be a string, got " + describe(t));
        return p.getText();
    }

    private static long integer(JsonParser p, JsonToken t, String what) throws IOException {
        expect(t == JsonToken.VALUE_NUMBER_INT, "'" + what + "' must be an integer, got " + describe(t));
        try {
            return Long.parseLong(p.getText());
        } catch (NumberFormatException e) {
            throw new Invalid("'" + what + "' is out of int64 range");
        }
    }

    private static void expect(boolean condition, String message) {
        if (!condition) {
            throw new Invalid(message);
        }
    }

    /** A scalar's token and raw text, or an object's or array's compact JSON text. */
    private record Cell(JsonToken token, String text) {
    }

    /** A line-level mistake, given its line number by {@link #parse}. */
    private static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }
}
