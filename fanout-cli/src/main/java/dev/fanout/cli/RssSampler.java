package dev.fanout.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * The memory figures of the memory benches: the process's resident set and heap in use, sampled every
 * 100 ms on a daemon thread, and the kernel's own figures from {@code /proc/self/status} — {@code VmHWM},
 * the peak resident set, which no sampling interval can miss. Linux only; elsewhere the figures are -1.
 */
final class RssSampler {
    final LongAccumulator maxKib = new LongAccumulator(Math::max, 0);
    final LongAccumulator maxHeap = new LongAccumulator(Math::max, 0);
    private Thread thread;

    void start() {
        thread = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                maxKib.accumulate(status("VmRSS:"));
                maxHeap.accumulate(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fanout-bench-rss");
        thread.setDaemon(true);
        thread.start();
    }

    void stop() {
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** A {@code kB} figure of {@code /proc/self/status}, or -1 where there is none. */
    static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Resets the kernel's peak ({@code VmHWM}) to the current resident set by writing {@code 5} to
     * {@code /proc/self/clear_refs}, so that a later peak is that of what ran since.
     *
     * @return whether the kernel took it (Linux 4.0 and later, where the file is writable)
     */
    static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return status("VmHWM:") >= 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
