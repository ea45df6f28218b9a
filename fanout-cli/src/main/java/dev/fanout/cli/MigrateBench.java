package dev.fanout.cli;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriterProvider;
import dev.fanout.core.Fanout;
import dev.fanout.core.migrate.CheckpointStore;
import dev.fanout.core.migrate.Migration;
import dev.fanout.core.migrate.Move;
import dev.fanout.core.migrate.MoveResult;
import dev.fanout.core.plugin.WriterRegistry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The migrate cases of {@code fanout bench}: the benchmark's trades stored by the DuckDB writer in one
 * file are moved to another file by {@link Migration} — a DuckDB file to a DuckDB file, so inside
 * DuckDB (the source attached to the target's connection, key ranges with checkpoints, verification by
 * SQL); the cases fail unless it took that path — against DuckDB's own copy of the same table between
 * the two attached files ({@code INSERT INTO … SELECT …} into a table with the same primary key) as
 * the reference. Writing the source file is not timed.
 */
final class MigrateBench {

    static final String REFERENCE_CASE = "(f) DuckDB ATTACH + INSERT INTO ... SELECT (reference)";
    static final String COPY_CASE = "(g) migrate DuckDB -> DuckDB inside DuckDB, copy + verify";
    static final String VERIFY_CASE = "(g) migrate again inside DuckDB: verify only";

    private MigrateBench() {
    }

    /** rows/s of each case on {@code packets}, in new files under {@code dir}. */
    static Map<String, Double> measure(WriterRegistry registry, WriterProvider duckdb, Path dir, List<FramePacket> packets,
                                       int batchRows) throws Exception {
        Files.createDirectories(dir);
        Path source = dir.resolve("source.duckdb");
        try (BaseWriter writer = duckdb.create(Destination.of("source", "duckdb:" + source, dir))) {
            writer.open();
            for (FramePacket p : packets) {
                writer.write(WriteBatch.of(p));
            }
        }
        long rows = packets.stream().mapToLong(FramePacket::rowCount).sum();
        Map<String, Double> rates = new LinkedHashMap<>();
        rates.put(REFERENCE_CASE, reference(source, dir.resolve("reference.duckdb"), rows));
        Path from = Files.writeString(dir.resolve("from.yaml"), topology("source.duckdb"));
        Path to = Files.writeString(dir.resolve("to.yaml"), topology("target.duckdb"));
        try (Migration migration = Migration.between(Fanout.check(from, registry), Fanout.check(to, registry), registry, batchRows);
             CheckpointStore state = CheckpointStore.open(dir.resolve("state"))) {
            List<Move> moves = migration.moves(List.of("trades"));
            migration.checkReadable(moves);
            rates.put(COPY_CASE, BenchCommand.rowsPerSecond(rows, () -> verified(migration.run(moves, state, false, Migration.Progress.SILENT), rows)));
            rates.put(VERIFY_CASE, BenchCommand.rowsPerSecond(rows, () -> verified(migration.run(moves, state, false, Migration.Progress.SILENT), rows)));
        }
        return rates;
    }

    private static String topology(String file) {
        return """
                version: 1
                destinations:
                  db: { uri: "duckdb:%s" }
                default: db
                tables:
                  trades: { primary_key: [trade_id] }
                """.formatted(file);
    }

    private static void verified(List<MoveResult> results, long rows) {
        for (MoveResult r : results) {
            if (!r.passed() || !r.inEngine() || r.verification().orElseThrow().equal() != rows) {
                throw new IllegalStateException("the benchmark migration did not verify inside DuckDB: " + r.failure().orElse(r.verification().toString()));
            }
        }
    }

    /** DuckDB's own copy: both files attached, the source table's DDL replayed in the target, one INSERT … SELECT. */
    private static double reference(Path source, Path target, long rows) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("ATTACH '" + source.toString().replace("'", "''") + "' AS src (READ_ONLY)");
            s.execute("ATTACH '" + target.toString().replace("'", "''") + "' AS dst");
            String ddl;
            try (ResultSet rs = s.executeQuery("SELECT sql FROM duckdb_tables() WHERE database_name = 'src' AND table_name = 'trades'")) {
                rs.next();
                ddl = rs.getString(1);
            }
            s.execute("USE dst");
            s.execute(ddl);
            double rate = BenchCommand.rowsPerSecond(rows, () -> s.execute("INSERT INTO dst.trades SELECT * FROM src.trades"));
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM dst.trades")) {
                rs.next();
                if (rs.getLong(1) != rows) {
                    throw new IllegalStateException("DuckDB's copy holds " + rs.getLong(1) + " rows, not " + rows);
                }
            }
            return rate;
        }
    }
}
