package dev.fanout.writer.duckdb;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Column;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.LogicalType;
import dev.fanout.api.Schema;
import dev.fanout.api.WriteBatch;
import java.nio.file.Path;
import java.util.List;

/**
 * A second process holding a DuckDB file: opens a writer on {@code args[0]}, writes one row, prints
 * {@code READY}, and keeps the file until its stdin closes or it is killed.
 */
public final class LockHolder {

    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]).toAbsolutePath();
        Schema schema = Schema.of(List.of(Column.of("id", LogicalType.INT64)), List.of("id"));
        Destination destination = Destination.of("holder", "duckdb:" + file, file.getParent());
        try (BaseWriter writer = new DuckDbWriterProvider().create(destination)) {
            writer.open();
            writer.write(WriteBatch.of(FramePacket.builder("held", schema).addRow(1L).build()));
            System.out.println("READY");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the file until stdin closes
            }
        }
    }
}
