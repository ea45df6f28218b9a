package dev.fanout.api;

/**
 * What a writer plugin can do beyond upserting batches. Declared by {@link WriterProvider#capabilities()},
 * listed by {@code fanout plugins}, and checked before fanout relies on it (e.g. a migration source
 * must {@link #READ}).
 */
public enum Capability {
    /** Its writers return a {@link TableReader}: tables can be scanned, counted and deleted, so a destination can be a migration source. */
    READ,
    /** Adds new columns and widens int32 → int64 → float64 in place, as {@link BaseWriter} describes. */
    SCHEMA_EVOLUTION,
    /**
     * Its writers copy and verify rows from another destination of the same plugin inside the engine
     * ({@link BaseWriter#sameEngineCopy()}), so a migration between two of its destinations moves no
     * row through the JVM. Declared only together with {@link #READ}.
     */
    COPY_FROM_SAME_ENGINE,
    /**
     * Some of its destinations are sharded clusters: {@link WriterProvider#shardLayout} lists their
     * shards, and the core writes each shard through a lane of its own.
     */
    SHARDS,
    /**
     * Its readers export key ranges as bytes in the fanout row stream format ({@link TableReader#rowExport()},
     * {@link RowExport}), so a migration to a plugin that {@link #LOAD_ROWS loads them} moves no row
     * as Java objects. Declared only together with {@link #READ}.
     */
    EXPORT_ROWS,
    /** Its writers load the fanout row stream ({@link BaseWriter#rowLoad()}, {@link RowLoad}) that another plugin {@link #EXPORT_ROWS exports}. */
    LOAD_ROWS
}
