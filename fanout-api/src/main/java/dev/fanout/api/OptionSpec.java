package dev.fanout.api;

import java.util.Objects;

/**
 * One option a {@link WriterProvider} accepts in a destination's {@code options} map. Declared so
 * that a topology is checked before anything connects, documentation is generated from one place,
 * and secrets are masked by declaration rather than by guessing from names.
 *
 * @param name         the option key, lowercase with underscores
 * @param description  one line for {@code fanout plugins} and error messages
 * @param required     whether a destination must set it
 * @param sensitive    whether its value is a secret that must never be printed
 * @param defaultValue the value used when absent, or null
 */
public record OptionSpec(String name, String description, boolean required, boolean sensitive, String defaultValue) {
    public OptionSpec {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(description, "description is null");
    }

    public static OptionSpec optional(String name, String description, String defaultValue) {
        return new OptionSpec(name, description, false, false, defaultValue);
    }

    public static OptionSpec secret(String name, String description) {
        return new OptionSpec(name, description, false, true, null);
    }
}
