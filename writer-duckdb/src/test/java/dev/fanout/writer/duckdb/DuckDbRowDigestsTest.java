package dev.fanout.writer.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The probe a DuckDB reader runs before it digests rows: this DuckDB's {@code hash()} is
 * {@link dev.fanout.api.RowDigest#mix64}, and an answer that differs in one value is told apart (the
 * reader then declines to digest, and migrations compare scans).
 */
class DuckDbRowDigestsTest {

    private static List<String> probe() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(DuckDbRowDigests.PROBE_SQL)) {
            rs.next();
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.add(rs.getString(i));
            }
            return row;
        }
    }

    @Test
    void thisDuckDbsHashIsMix64AndAnotherAnswerIsNot() throws Exception {
        List<String> answer = probe();
        assertThat(answer).hasSizeGreaterThan(10).doesNotContainNull();
        assertThat(DuckDbRowDigests.hashIsMix64(answer)).isTrue();
        for (int i = 0; i < answer.size(); i++) {
            List<String> changed = new ArrayList<>(answer);
            changed.set(i, Long.toUnsignedString(Long.parseUnsignedLong(answer.get(i)) + 1));
            assertThat(DuckDbRowDigests.hashIsMix64(changed)).as("value %d changed", i).isFalse();
        }
        assertThat(DuckDbRowDigests.hashIsMix64(answer.subList(1, answer.size()))).isFalse();
    }
}
