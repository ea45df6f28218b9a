package dev.fanout.cli.input;

/** A row file that cannot be read; the message names the file and, where known, the column. */
public final class RowFileException extends Exception {
    private static final long serialVersionUID = 1L;

    public RowFileException(String message) {
        super(message);
    }

    public RowFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
