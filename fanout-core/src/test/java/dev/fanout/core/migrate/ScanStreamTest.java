package dev.fanout.core.migrate;

import dev.fanout.api.RowFilter;
import dev.fanout.api.Schema;
import dev.fanout.api.TableReader;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How a scan's own failure reaches the thread that consumes it. */
class ScanStreamTest {

    /** A reader whose scan fails with {@code failure}; nothing else is called. */
    private static TableReader failingWith(Throwable failure) {
        return new TableReader() {
            @Override
            public List<String> tables() {
                return List.of();
            }

            @Override
            public Optional<Schema> schema(String table) {
                return Optional.empty();
            }

            @Override
            public long count(String table, RowFilter rows) {
                return 0;
            }

            @Override
            public void scan(String table, RowFilter rows, Optional<List<Object>> afterKey, int batchRows, PacketSink sink) {
                if (failure instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) failure;
            }

            @Override
            public long delete(String table, RowFilter rows) {
                return 0;
            }
        };
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS) // a hang guard: before the fix next() waited forever
    void anErrorInTheScanThreadIsRethrownToTheConsumerInsteadOfLeavingItWaiting() {
        LinkageError broken = new NoClassDefFoundError("org/duckdb/Missing");
        try (ScanStream stream = new ScanStream("test", failingWith(broken), "trades", RowFilter.all(), Optional.empty(), 10)) {
            assertThatThrownBy(stream::next).isSameAs(broken);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aRuntimeExceptionInTheScanThreadIsRethrownToTheConsumer() {
        IllegalStateException broken = new IllegalStateException("reader broke");
        try (ScanStream stream = new ScanStream("test", failingWith(broken), "trades", RowFilter.all(), Optional.empty(), 10)) {
            assertThatThrownBy(stream::next).isSameAs(broken);
        }
    }
}
