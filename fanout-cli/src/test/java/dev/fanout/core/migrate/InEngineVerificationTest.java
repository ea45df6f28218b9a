package dev.fanout.core.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.RowFilter;
import dev.fanout.api.SameEngineCopy;
import dev.fanout.api.WriteException;
import dev.fanout.writer.duckdb.DuckDbWriterProvider;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verification inside DuckDB ({@link SameEngineCopy.Attached#compare}) against the streaming
 * {@link Verifier} on the same two real DuckDB files, which hold every kind of row: equal, equal
 * through a widened column and a column only the target has (NULL), newer at the target, missing,
 * older at the target, changed in the same version, and rows only the target has. In fanout-core's
 * package for {@link Verifier}, among fanout-cli's tests for the DuckDB plugin on the class path.
 */
class InEngineVerificationTest {

    @TempDir
    Path dir;

    private void sql(Path file, String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    private void fixture() throws SQLException {
        sql(dir.resolve("source.duckdb"),
                "CREATE TABLE \"Trades\" (id BIGINT NOT NULL, qty INTEGER, price DECIMAL(10,2), side VARCHAR, day DATE,"
                        + " _fanout_version BIGINT NOT NULL, PRIMARY KEY (id))",
                // 1-100 equal, 101-110 newer at target, 111-120 missing, 121-130 older at target, 131-135 changed, 136-140 NULL side
                "INSERT INTO \"Trades\" SELECT i, i::INTEGER, 1.50, CASE WHEN i > 135 THEN NULL ELSE 'buy' END,"
                        + " DATE '2025-12-25' + (i % 14)::INTEGER, 10 FROM range(1, 141) r(i)");
        sql(dir.resolve("target.duckdb"),
                "CREATE TABLE trades (id BIGINT NOT NULL, qty DOUBLE, price DECIMAL(12,4), side VARCHAR, day DATE, venue VARCHAR,"
                        + " _fanout_version BIGINT NOT NULL, PRIMARY KEY (id))",
                "INSERT INTO trades SELECT i, i::DOUBLE, 1.5, CASE WHEN i > 135 THEN NULL ELSE 'buy' END,"
                        + " DATE '2025-12-25' + (i % 14)::INTEGER, NULL, 10 FROM range(1, 141) r(i) WHERE i <= 100 OR i > 130",
                "INSERT INTO trades SELECT i, i::DOUBLE, 2.5, 'sell', DATE '2025-12-25' + (i % 14)::INTEGER, 'x', 11"
                        + " FROM range(101, 111) r(i)",
                "INSERT INTO trades SELECT i, i::DOUBLE, 1.5, 'buy', DATE '2025-12-25' + (i % 14)::INTEGER, NULL, 9"
                        + " FROM range(121, 131) r(i)",
                "UPDATE trades SET side = 'sell' WHERE id BETWEEN 131 AND 135",
                "INSERT INTO trades SELECT i, 0, 0, 'only here', DATE '2026-01-02', NULL, 1 FROM range(1000, 1007) r(i)");
    }

    private BaseWriter writer(String file) throws WriteException {
        BaseWriter w = new DuckDbWriterProvider().create(Destination.of(file, "duckdb:" + file + ".duckdb", dir));
        w.open();
        return w;
    }

    private Verification streaming(RowFilter rows) throws WriteException {
        try (BaseWriter source = writer("source"); BaseWriter target = writer("target")) {
            return Verifier.verify("trades", rows, source.reader().orElseThrow(), target.reader().orElseThrow(), 7, false);
        }
    }

    private SameEngineCopy.RowComparison inEngine(RowFilter rows) throws WriteException {
        try (BaseWriter target = writer("target");
             SameEngineCopy.Attached source = target.sameEngineCopy().orElseThrow()
                     .attach(Destination.of("source", "duckdb:source.duckdb", dir))) {
            return source.compare("trades", rows);
        }
    }

    private static void assertSameCounts(SameEngineCopy.RowComparison c, Verification v) {
        assertThat(List.of(c.sourceRows(), c.targetRows(), c.equal(), c.newerAtTarget(), c.missing(), c.older(), c.different()))
                .isEqualTo(List.of(v.sourceRows(), v.targetRows(), v.equal(), v.newerAtTarget(), v.missing(), v.older(), v.different()));
    }

    @Test
    void countsEveryKindOfRowAsTheStreamingVerifierDoes() throws Exception {
        fixture();
        Verification v = streaming(RowFilter.all());
        assertThat(List.of(v.sourceRows(), v.targetRows(), v.equal(), v.newerAtTarget(), v.missing(), v.older(), v.different()))
                .isEqualTo(List.of(140L, 137L, 105L, 10L, 10L, 10L, 5L));
        SameEngineCopy.RowComparison c = inEngine(RowFilter.all());
        assertSameCounts(c, v);
        assertThat(c.sourceChecksum()).isNotEqualTo(c.targetChecksum());
    }

    @Test
    void aDateRangePartCountsAsTheStreamingVerifierDoes() throws Exception {
        fixture();
        RowFilter part = new RowFilter(List.of(new RowFilter.Bound("day", Instant.parse("2026-01-01T00:00:00Z"), null, true, false)));
        Verification v = streaming(part);
        assertThat(v.sourceRows()).isBetween(1L, 139L);
        assertSameCounts(inEngine(part), v);
    }

    @Test
    void identicalFilesAgreeOnCountsAndChecksums() throws Exception {
        fixture();
        sql(dir.resolve("target.duckdb"), "DELETE FROM trades",
                "ATTACH '" + dir.resolve("source.duckdb") + "' AS source (READ_ONLY)",
                "INSERT INTO trades (id, qty, price, side, day, _fanout_version) FROM (FROM source.main.\"Trades\")",
                "DETACH source");
        SameEngineCopy.RowComparison c = inEngine(RowFilter.all());
        assertSameCounts(c, streaming(RowFilter.all()));
        assertThat(c.equal()).isEqualTo(140);
        assertThat(c.sourceChecksum()).isEqualTo(c.targetChecksum());
    }
}
