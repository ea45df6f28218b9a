package dev.fanout.cli;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.FramePacket;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriterProvider;
import dev.fanout.core.Fanout;
import dev.fanout.core.dispatch.LaneSummary;
import dev.fanout.core.dispatch.PacketOutcome;
import dev.fanout.core.plugin.WriterRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code fanout bench memory}: is memory bounded when a destination stalls? Two producers stream
 * generated rows — table {@code trades} to DuckDB file {@code hot}, table {@code quotes} to DuckDB
 * file {@code cold} — through a {@link Fanout} with the topology's {@code flow} limits, while the
 * {@code cold} writer stops for {@code --stall} once it has committed {@code --stall-after} rows.
 * Rows are generated as they are submitted, so the input never sits in memory. Reports the peak
 * resident set of the process ({@code VmHWM}, the kernel's own high-water mark), the peak heap in
 * use, what each destination committed, and how long producers waited for admission.
 */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = {"Ingest generated rows into two DuckDB files while one stalls, and report the peak resident memory.",
                "The peak is the process's Linux VmHWM, reported against a budget. Run with a heap cap, e.g. FANOUT_JAVA_OPTS=-Xmx192m."})
final class MemoryBench implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "10000000", description = "Rows in all, half per table (default: ${DEFAULT-VALUE}).")
    private long rows;

    @Option(names = "--packet-rows", paramLabel = "N", defaultValue = "10000", description = "Rows per packet (default: ${DEFAULT-VALUE}).")
    private int packetRows;

    @Option(names = "--stall", paramLabel = "DURATION", defaultValue = "20s", converter = ProgressOptions.DurationConverter.class,
            description = "How long the cold destination's writer stops (default: ${DEFAULT-VALUE}).")
    private Duration stall;

    @Option(names = "--stall-after", paramLabel = "N", defaultValue = "1000000",
            description = "Rows the cold destination commits before it stalls (default: ${DEFAULT-VALUE}).")
    private long stallAfter;

    @Option(names = "--max-in-flight-rows", paramLabel = "N", defaultValue = "400000",
            description = "flow.max_in_flight_rows of the run; per destination half of it (default: ${DEFAULT-VALUE}).")
    private long maxInFlightRows;

    @Option(names = "--duckdb-memory-limit", paramLabel = "SIZE", defaultValue = "96MB",
            description = "memory_limit option of each DuckDB destination (default: ${DEFAULT-VALUE}).")
    private String duckdbMemoryLimit;

    @Option(names = "--budget-mib", paramLabel = "MIB", defaultValue = "512", description = "The peak RSS budget to report against (default: ${DEFAULT-VALUE}).")
    private long budgetMib;

    @Option(names = "--dir", paramLabel = "DIR", description = "Directory for the DuckDB files (default: a new temporary directory, removed afterwards).")
    private Path dir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (rows < 2 || packetRows < 1 || maxInFlightRows < 2) {
            throw new ConfigurationProblem("--rows and --max-in-flight-rows must be at least 2, --packet-rows at least 1");
        }
        WriterProvider duckdb = InstalledPlugins.registry().provider("duckdb")
                .orElseThrow(() -> new IllegalStateException("no duckdb writer plugin found; bench needs writer-duckdb under plugins/"));
        boolean temporary = dir == null;
        Path work = temporary ? Files.createTempDirectory("fanout-bench-memory") : Files.createDirectories(dir);
        Path topology = work.resolve("memory-bench.yaml");
        Files.writeString(topology, String.format("""
                version: 1
                destinations:
                  hot:  { uri: "duckdb:hot.duckdb",  options: { memory_limit: "%1$s" } }
                  cold: { uri: "duckdb:cold.duckdb", options: { memory_limit: "%1$s" } }
                routes:
                  - { match: { table: trades }, to: hot }
                  - { match: { table: quotes }, to: cold }
                batch: { max_rows: %2$d }
                flow: { max_in_flight_rows: %3$d, max_in_flight_rows_per_destination: %4$d }
                """, duckdbMemoryLimit, Math.max(packetRows, 50_000), maxInFlightRows, maxInFlightRows / 2));
        StallingProvider plugin = new StallingProvider(duckdb, "cold", stallAfter, stall);
        RssSampler rss = new RssSampler();
        out.printf("fanout bench memory: %,d rows (%,d per table) in packets of %,d; destination cold stalls for %s after %,d rows; "
                        + "flow.max_in_flight_rows %,d (per destination %,d); DuckDB memory_limit %s; max heap %,d MiB; files in %s%n",
                rows, rows / 2, packetRows, stall, stallAfter, maxInFlightRows, maxInFlightRows / 2, duckdbMemoryLimit,
                Runtime.getRuntime().maxMemory() >> 20, work);
        out.flush();
        long started = System.nanoTime();
        LongAdder notCommitted = new LongAdder();
        double seconds;
        long waitedMicros;
        TextTable table = new TextTable("destination", "rows", "batches", "p50 ms", "p95 ms", "p99 ms");
        rss.start();
        try {
            try (Fanout fanout = Fanout.builder().topology(topology).registry(WriterRegistry.of(List.of(plugin))).build()) {
                ExecutorService producers = Executors.newFixedThreadPool(2, r -> new Thread(r, "fanout-bench-producer"));
                List<Future<?>> done = new ArrayList<>();
                for (String t : List.of("trades", "quotes")) {
                    done.add(producers.submit(() -> produce(fanout, t, rows / 2, notCommitted)));
                }
                producers.shutdown();
                for (Future<?> f : done) {
                    f.get();
                }
                fanout.flush();
                seconds = (System.nanoTime() - started) / 1e9;
                waitedMicros = fanout.metrics().counter("fanout.backpressure.waited_micros").getCount();
                for (LaneSummary s : fanout.summary()) {
                    table.row(s.destination(), String.format("%,d", s.rows()), String.format("%,d", s.batches()),
                            String.format("%.1f", s.p50FlushMillis()), String.format("%.1f", s.p95FlushMillis()),
                            String.format("%.1f", s.p99FlushMillis()));
                }
            }
            // read after close: closing the writers (DuckDB's final checkpoint) belongs to the run's peak
            rss.stop();
            long peakKib = RssSampler.status("VmHWM:");
            out.println();
            table.print(out);
            out.printf("%n%,d rows in %.1f s (%,.0f rows/s); not committed: %,d; cold stalled for %.1f s; producers waited for "
                            + "admission %.1f s in all%n", rows, seconds, rows / seconds, notCommitted.sum(),
                    plugin.stalledNanos.get() / 1e9, waitedMicros / 1e6);
            out.printf("peak RSS (VmHWM) %,d MiB, highest RSS sampled %,d MiB, peak heap used %,d MiB of max %,d MiB%n",
                    peakKib >> 10, rss.maxKib.get() >> 10, rss.maxHeap.get() >> 20, Runtime.getRuntime().maxMemory() >> 20);
            boolean within = peakKib >= 0 && (peakKib >> 10) < budgetMib;
            out.printf("peak RSS %s the %,d MiB budget%n", peakKib < 0 ? "unknown (no /proc/self/status) against" : within ? "within" : "OVER",
                    budgetMib);
            out.flush();
            return notCommitted.sum() == 0 ? ExitCode.OK : ExitCode.FAILED;
        } finally {
            rss.stop();
            if (temporary) {
                BenchCommand.deleteRecursively(work);
            }
        }
    }

    private Void produce(Fanout fanout, String table, long count, LongAdder notCommitted) {
        for (long id = 0; id < count; id += packetRows) {
            FramePacket packet = BenchCommand.generatedTrades(table, id, Math.min(count, id + packetRows));
            fanout.submit(packet).thenAccept((PacketOutcome outcome) -> {
                if (!outcome.isCommitted()) {
                    notCommitted.add(packet.rowCount());
                }
            });
        }
        return null;
    }

    /** The DuckDB plugin, with the writer of one destination stopping once, for a while, mid-run. */
    private static final class StallingProvider implements WriterProvider {
        private final WriterProvider delegate;
        private final String stalled;
        private final long after;
        private final Duration pause;
        final AtomicLong stalledNanos = new AtomicLong();

        StallingProvider(WriterProvider delegate, String stalled, long after, Duration pause) {
            this.delegate = delegate;
            this.stalled = stalled;
            this.after = after;
            this.pause = pause;
        }

        @Override
        public String scheme() {
            return delegate.scheme();
        }

        @Override
        public BaseWriter create(Destination destination) throws WriteException {
            BaseWriter writer = delegate.create(destination);
            if (!destination.name().equals(stalled)) {
                return writer;
            }
            return new BaseWriter() {
                private long written;
                private boolean done;

                @Override
                public void open() throws WriteException {
                    writer.open();
                }

                @Override
                public Optional<String> targetIdentity() throws WriteException {
                    return writer.targetIdentity();
                }

                @Override
                public void write(WriteBatch batch) throws WriteException {
                    if (!done && written >= after) {
                        done = true;
                        long start = System.nanoTime();
                        try {
                            Thread.sleep(pause.toMillis());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw WriteException.retryable("interrupted while stalled", e);
                        }
                        stalledNanos.set(System.nanoTime() - start);
                    }
                    writer.write(batch);
                    written += batch.packets().stream().mapToLong(FramePacket::rowCount).sum();
                }

                @Override
                public void close() throws WriteException {
                    writer.close();
                }
            };
        }

        @Override
        public List<String> validate(Destination destination) {
            return delegate.validate(destination);
        }

        @Override
        public String physicalTarget(Destination destination) {
            return delegate.physicalTarget(destination);
        }

        @Override
        public List<OptionSpec> options() {
            return delegate.options();
        }
    }
}
