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
    SCHEMA_EVOLUTION
}
