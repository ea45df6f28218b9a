package dev.fanout.core.migrate;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How far one {@link Move} has got, as stored in the state directory after every committed batch:
 * the last key copied (every source row up to it, in key order, is committed at the target), whether
 * the copy finished, whether it verified, and whether the source rows were deleted.
 *
 * @param lastKey the last copied key's values in key order, as text ({@link #keyValues}); null before the first batch
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Checkpoint(String table, String rows, String fromDestination, String toDestination, String source, String target,
                         List<String> lastKey, long copiedRows, boolean done, boolean verified, boolean sourceDeleted) {

    public Checkpoint {
        Objects.requireNonNull(table, "table is null");
        lastKey = lastKey == null ? null : List.copyOf(lastKey);
    }

    /** A move not started yet. */
    static Checkpoint start(Move move) {
        return new Checkpoint(move.table(), move.rows().toString(), move.fromDestination(), move.toDestination(), move.source(),
                move.target(), null, 0, false, false, false);
    }

    boolean belongsTo(Move move) {
        return table.equals(move.table()) && rows.equals(move.rows().toString()) && source.equals(move.source())
                && target.equals(move.target());
    }

    Checkpoint copied(List<Object> key, long rowsInBatch) {
        return new Checkpoint(table, rows, fromDestination, toDestination, source, target, keyText(key), copiedRows + rowsInBatch,
                false, false, false);
    }

    Checkpoint finished() {
        return new Checkpoint(table, rows, fromDestination, toDestination, source, target, lastKey, copiedRows, true, false, false);
    }

    /** The same, recording that the move verified. */
    Checkpoint passedVerification() {
        return new Checkpoint(table, rows, fromDestination, toDestination, source, target, lastKey, copiedRows, done, true, sourceDeleted);
    }

    Checkpoint deleted() {
        return new Checkpoint(table, rows, fromDestination, toDestination, source, target, lastKey, copiedRows, done, verified, true);
    }

    /** The resume point as key values of {@code schema}'s key column types; empty before the first batch. */
    Optional<List<Object>> keyValues(Schema schema) {
        if (lastKey == null) {
            return Optional.empty();
        }
        List<String> keyColumns = schema.primaryKey();
        if (keyColumns.size() != lastKey.size()) {
            throw new IllegalStateException("checkpoint of table " + table + " holds a key of " + lastKey.size()
                    + " values but the table's key is " + keyColumns + "; remove the checkpoint to copy the table again");
        }
        List<Object> values = new ArrayList<>();
        for (int k = 0; k < lastKey.size(); k++) {
            values.add(parse(lastKey.get(k), schema.column(keyColumns.get(k)).orElseThrow().type()));
        }
        return Optional.of(values);
    }

    private static List<String> keyText(List<Object> key) {
        List<String> text = new ArrayList<>();
        for (Object v : key) {
            text.add(v instanceof byte[] b ? Base64.getEncoder().encodeToString(b)
                    : v instanceof BigDecimal d ? d.toPlainString() : String.valueOf(v));
        }
        return text;
    }

    private static Object parse(String text, LogicalType type) {
        return switch (type.kind()) {
            case BOOLEAN -> Boolean.parseBoolean(text);
            case INT32 -> Integer.parseInt(text);
            case INT64 -> Long.parseLong(text);
            case FLOAT64 -> Double.parseDouble(text);
            case DECIMAL -> new BigDecimal(text);
            case STRING, JSON -> text;
            case DATE -> LocalDate.parse(text);
            case TIMESTAMP -> Instant.parse(text);
            case BYTES -> Base64.getDecoder().decode(text);
        };
    }
}
