package dev.fanout.cli.input;

/** CSV text for the strict-reading tests. */
public final class StrictCsvFiles {

    private StrictCsvFiles() {
    }

    /**
     * A header {@code "id","name","v"} and {@code rows} data lines of three quoted fields, row i being
     * {@code i, "name i", i}; data row {@code bad} (none when 0), on line {@code bad + 1}, lacks the
     * closing quote of its name.
     */
    public static String allQuoted(int rows, int bad) {
        StringBuilder b = new StringBuilder("\"id\",\"name\",\"v\"\n");
        for (int i = 1; i <= rows; i++) {
            b.append(i == bad ? String.format("\"%d\",\"name %d,\"%d\"%n", i, i, i) : String.format("\"%d\",\"name %d\",\"%d\"%n", i, i, i));
        }
        return b.toString();
    }
}
