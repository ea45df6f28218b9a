package dev.fanout.core;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Which destination of this process writes which physical target, by the identities writers report
 * ({@link dev.fanout.api.BaseWriter#targetIdentity()}): one holder per identity, so a DuckDB file
 * under a hard link's second name, or one ClickHouse database under two host spellings, gets one
 * writer and not two. One registry per process ({@link #process()}), since ingest, replay and migrate
 * may run several dispatchers and endpoints side by side in one JVM, and DuckDB's own file lock does
 * not stop two connections of one process.
 *
 * <p>A holder claims each identity its writer reports, before and after opening; a claim of an
 * identity another holder has is refused with a sentence naming both destinations. Claims last until
 * {@link #release}. Thread-safe.
 */
public final class TargetClaims {

    private static final TargetClaims PROCESS = new TargetClaims();

    /** Who claims: one destination's writer, in one lane or migration endpoint. Compared by instance. */
    public static final class Holder {
        private final String destination;

        public Holder(String destination) {
            this.destination = Objects.requireNonNull(destination, "destination is null");
        }

        public String destination() {
            return destination;
        }

        @Override
        public String toString() {
            return "Holder[" + destination + "]";
        }
    }

    private final Map<String, Holder> holders = new HashMap<>();

    /** A registry of its own, for tests; fanout itself uses {@link #process()}. */
    public TargetClaims() {
    }

    /** The registry every dispatcher and migration of this process shares. */
    public static TargetClaims process() {
        return PROCESS;
    }

    /**
     * Claims {@code identity} for {@code holder}; claiming it again is a no-op.
     *
     * @return empty when {@code holder} holds it now, else why not: a sentence naming both
     *     destinations and the target, saying what to do
     */
    public synchronized Optional<String> claim(String identity, Holder holder) {
        Objects.requireNonNull(identity, "identity is null");
        Objects.requireNonNull(holder, "holder is null");
        Holder current = holders.putIfAbsent(identity, holder);
        if (current == null || current == holder) {
            return Optional.empty();
        }
        return Optional.of(refusal(current.destination(), holder.destination(), identity));
    }

    /** Releases every claim of {@code holder}. */
    public synchronized void release(Holder holder) {
        Objects.requireNonNull(holder, "holder is null");
        holders.values().removeIf(h -> h == holder);
    }

    /** Who holds {@code identity} now, if anyone. */
    public synchronized Optional<String> holderOf(String identity) {
        return Optional.ofNullable(holders.get(identity)).map(Holder::destination);
    }

    /**
     * The sentence refusing {@code second} a target {@code first} has: "destinations 'a' and 'h' are
     * one DuckDB file (device 2049, inode 1234): …".
     */
    public static String refusal(String first, String second, String identity) {
        String who = first.equals(second)
                ? "destination '" + second + "' is open twice in this process, both on one " + identity
                : "destinations '" + first + "' and '" + second + "' are one " + identity;
        return who + ": each target takes exactly one writer, so '" + second + "' writes nothing while '" + first
                + "' holds it — point one of them elsewhere, or route their tables to one destination"
                + " (a hard link, a symlink or another spelling of a host name is the same target)";
    }
}
