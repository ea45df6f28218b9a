package dev.fanout.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A small model of a terminal {@code columns} wide that replays the bytes a program wrote to it and
 * keeps what each line of the screen shows at the end, with the writes that changed a line after
 * another line had been written below it — what a person sees as a line overwritten.
 *
 * <p>It knows what the progress display and a pty use: printable characters (wrapping at the last
 * column), carriage return, line feed, backspace, cursor up ({@code ESC [ n A}), erase line
 * ({@code ESC [ n K}); any other escape sequence is skipped. The screen never scrolls away: every line
 * written stays, so the final screen is the whole transcript.
 */
public final class TerminalScreen {

    private final int columns;
    private final List<StringBuilder> lines = new ArrayList<>();
    /** For each line, the index of the last line that had been written when it was changed; -1 while untouched. */
    private final List<Integer> changedWhenLast = new ArrayList<>();
    private int row;
    private int column;
    private int lowestRowWritten = -1;
    private final List<Integer> wrappedRows = new ArrayList<>();

    public TerminalScreen(int columns) {
        this.columns = columns;
    }

    /** The screen after {@code text} (the program's output as characters) is written to a new terminal. */
    public static TerminalScreen replay(String text, int columns) {
        TerminalScreen screen = new TerminalScreen(columns);
        screen.write(text);
        return screen;
    }

    public void write(String text) {
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\u001b' && i + 1 < text.length() && text.charAt(i + 1) == '[') {
                int end = i + 2;
                while (end < text.length() && !(text.charAt(end) >= '@' && text.charAt(end) <= '~')) {
                    end++;
                }
                if (end >= text.length()) {
                    return;
                }
                String parameter = text.substring(i + 2, end);
                char command = text.charAt(end);
                int n = parameter.isEmpty() || !parameter.chars().allMatch(Character::isDigit) ? -1 : Integer.parseInt(parameter);
                if (command == 'A') {
                    row = Math.max(0, row - Math.max(n, 1));
                } else if (command == 'K') {
                    line(row);
                    if (n == 2) {
                        lines.get(row).setLength(0);
                    } else if (n <= 0 && lines.get(row).length() > column) {
                        lines.get(row).setLength(column);
                    }
                    touched();
                }
                i = end + 1;
                continue;
            }
            if (c == '\u001b') {
                i += 2;
                continue;
            }
            switch (c) {
                case '\r' -> column = 0;
                case '\n' -> row++;
                case '\b' -> column = Math.max(0, column - 1);
                default -> {
                    if (c >= ' ') {
                        put(c);
                    }
                }
            }
            i++;
        }
    }

    private void put(char c) {
        if (column >= columns) {
            wrappedRows.add(row);
            row++;
            column = 0;
        }
        StringBuilder line = line(row);
        while (line.length() < column) {
            line.append(' ');
        }
        if (column < line.length()) {
            line.setCharAt(column, c);
        } else {
            line.append(c);
        }
        column++;
        touched();
    }

    private void touched() {
        changedWhenLast.set(row, lowestRowWritten);
        lowestRowWritten = Math.max(lowestRowWritten, row);
    }

    private StringBuilder line(int index) {
        while (lines.size() <= index) {
            lines.add(new StringBuilder());
            changedWhenLast.add(-1);
        }
        return lines.get(index);
    }

    /** Every line of the screen, trailing spaces removed; the last line dropped when it is empty (the cursor's). */
    public List<String> lines() {
        List<String> text = new ArrayList<>();
        lines.forEach(l -> text.add(l.toString().stripTrailing()));
        while (!text.isEmpty() && text.get(text.size() - 1).isEmpty()) {
            text.remove(text.size() - 1);
        }
        return text;
    }

    /** Whether line {@code index} was last changed after a line below it had been written: overwritten, as a reader sees it. */
    public boolean changedAfterLinesBelow(int index) {
        return index < changedWhenLast.size() && changedWhenLast.get(index) > index;
    }

    /** The rows where a write reached the last column and went on on the next row. */
    public List<Integer> wrappedRows() {
        return List.copyOf(wrappedRows);
    }
}
