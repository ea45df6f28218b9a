package dev.fanout.cli.testplugin;

import dev.fanout.writer.duckdb.DuckDbWriterProvider;

/**
 * A fault-injecting test scheme over real DuckDB files: {@code <scheme>:path} is the DuckDB file
 * {@code path}, validated, targeted and written by the real DuckDB writer, which a subclass wraps in a
 * {@link Forwarding} writer that misbehaves in one way.
 */
abstract class DuckDbFaultScheme extends FaultScheme {

    DuckDbFaultScheme() {
        super(new DuckDbWriterProvider());
    }
}
