package dev.fanout.cli.testplugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Capability;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Fault injection for migration tests: scheme {@code lossy:path} is a real DuckDB file written and
 * read by the real DuckDB writer, except that every write silently leaves out the last row of each
 * packet — a target that acknowledges what it did not store, which only verification can catch.
 */
public final class LossyDuckDbProvider extends DuckDbFaultScheme {

    @Override
    public String scheme() {
        return "lossy";
    }

    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.READ);
    }

    @Override
    protected BaseWriter wrap(Destination destination, BaseWriter real) {
        return new Forwarding(real) {
            @Override
            public void write(WriteBatch batch) throws WriteException {
                List<FramePacket> kept = new ArrayList<>();
                for (FramePacket p : batch.packets()) {
                    int[] rows = new int[Math.max(0, p.rowCount() - 1)];
                    for (int i = 0; i < rows.length; i++) {
                        rows[i] = i;
                    }
                    if (rows.length > 0) {
                        kept.add(p.selectRows(rows));
                    }
                }
                if (!kept.isEmpty()) {
                    real.write(new WriteBatch(batch.table(), batch.schema(), kept, batch.tableOptions()));
                }
            }
        };
    }
}
