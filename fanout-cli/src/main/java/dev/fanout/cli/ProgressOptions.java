package dev.fanout.cli;

import dev.fanout.core.topology.Durations;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

import java.time.Duration;

/** How a long-running command shows progress: {@code --no-progress}, {@code --progress-every}. */
final class ProgressOptions {

    @Option(names = "--no-progress", description = "Neither a progress bar nor periodic progress lines.")
    boolean off;

    @Option(names = "--progress-every", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "When output is not a terminal, print a progress line this often (default: ${DEFAULT-VALUE}).")
    Duration every;

    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = Durations.parse(value);
            if (d.isZero()) {
                throw new IllegalArgumentException("bad duration '" + value + "': must be above zero");
            }
            return d;
        }
    }
}
