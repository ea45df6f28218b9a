package dev.fanout.cli;

/** A count with its noun, in the singular for one: {@code 1 destination}, {@code 2,100 rows}. */
final class Plural {

    private Plural() {
    }

    /** {@code n} with thousands separators, then {@code noun}, with an {@code s} unless {@code n} is 1. */
    static String of(long n, String noun) {
        return String.format("%,d %s", n, n == 1 ? noun : noun + "s");
    }
}
