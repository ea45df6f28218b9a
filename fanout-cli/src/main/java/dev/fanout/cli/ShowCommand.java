package dev.fanout.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.fanout.core.migrate.MigrationException;
import dev.fanout.core.migrate.StoredRows;
import dev.fanout.core.plugin.WriterRegistry;
import dev.fanout.core.topology.Topology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code fanout show --topology T --table X}: a table's current rows, so a user can look at what fanout
 * stored without a database client. Each date-range part is read at the destination the topology
 * routes it to, through that writer's reader ({@link StoredRows}: ClickHouse with {@code FINAL}, one
 * row per key, the newest), and the parts are merged in primary-key order.
 *
 * <p>No {@code --where}: a reader's {@link dev.fanout.api.RowFilter} carries only date and timestamp
 * ranges, and fanout does not paste user text into SQL; filtering by value would mean a new reader
 * contract for every plugin. Pipe {@code --format csv} or {@code ndjson} into a tool that filters.
 *
 * <p>A destination that cannot be read stops the command with exit 2, naming it and why (a partial
 * table would look whole). No row is written.
 */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Print a table's current rows, read at every destination holding a part of it, in primary-key order.")
final class ShowCommand implements Callable<Integer> {

    /** How rows are printed. */
    enum Format { table, csv, ndjson }

    @Spec
    private CommandSpec spec;

    @Option(names = "--topology", required = true, paramLabel = "FILE", description = "The topology whose destinations to read.")
    private Path topologyFile;

    @Option(names = "--table", required = true, paramLabel = "NAME", description = "The table to print.")
    private String table;

    @Option(names = "--limit", paramLabel = "N", description = "Print at most N rows, the first in primary-key order (default: every row).")
    private Long limit;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table (aligned columns, NULL for null), csv (a header line, then RFC 4180 rows; null is an empty field) "
                    + "or ndjson (one JSON object per row). Default: ${DEFAULT-VALUE}.")
    private Format format;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (limit != null && limit < 0) {
            err.println("--limit must be 0 or more, got " + limit);
            err.flush();
            return ExitCode.USAGE;
        }
        WriterRegistry registry = InstalledPlugins.registry();
        Optional<Topology> topology = PlanCommand.check("topology", topologyFile, registry, err);
        if (topology.isEmpty()) {
            return ExitCode.USAGE;
        }
        Printer printer = switch (format) {
            case table -> new TablePrinter(out);
            case csv -> new CsvPrinter(out);
            case ndjson -> new NdjsonPrinter(out);
        };
        try (StoredRows stored = StoredRows.of(topology.get(), registry)) {
            stored.rows(table, limit == null ? Long.MAX_VALUE : limit, printer);
        } catch (MigrationException e) {
            out.flush();
            err.println("cannot show table " + table + ": " + e.getMessage());
            err.flush();
            return ExitCode.USAGE;
        }
        printer.finish();
        out.flush();
        return ExitCode.OK;
    }

    /** Prints rows as they come; {@link #finish} after the last. */
    private abstract static class Printer implements StoredRows.RowSink {
        List<String> columns = List.of();

        @Override
        public void columns(List<String> names) {
            columns = names;
        }

        void finish() {
        }
    }

    /** An aligned table, held until the last row so columns can be sized; then the row count. */
    private final class TablePrinter extends Printer {
        private final PrintWriter out;
        private TextTable text;
        private long rows;

        TablePrinter(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void columns(List<String> names) {
            super.columns(names);
            text = new TextTable(names.toArray(String[]::new));
        }

        @Override
        public void row(List<Object> values) {
            text.row(values.stream().map(ShowCommand::render).toArray());
            rows++;
        }

        @Override
        void finish() {
            if (text == null) {
                out.println("no rows of " + table + " are stored");
                return;
            }
            text.print(out);
            out.println(Plural.of(rows, "row"));
        }
    }

    /** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; null is an empty field. */
    private static final class CsvPrinter extends Printer {
        private final PrintWriter out;

        CsvPrinter(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void columns(List<String> names) {
            super.columns(names);
            line(new ArrayList<>(names));
        }

        @Override
        public void row(List<Object> values) {
            List<Object> cells = new ArrayList<>();
            for (Object v : values) {
                cells.add(v == null ? "" : v instanceof byte[] b ? "0x" + HexFormat.of().formatHex(b) : v.toString());
            }
            line(cells);
        }

        private void line(List<Object> cells) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < cells.size(); i++) {
                String s = cells.get(i).toString();
                b.append(i == 0 ? "" : ",");
                b.append(s.matches("(?s).*[\",\r\n].*") ? "\"" + s.replace("\"", "\"\"") + "\"" : s);
            }
            out.print(b.append("\r\n"));
        }
    }

    /** One JSON object per line; numbers and booleans as JSON values, bytes as base64, the rest as strings. */
    private static final class NdjsonPrinter extends Printer {
        private static final JsonFactory JSON = new JsonFactory();
        private final PrintWriter out;

        NdjsonPrinter(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void row(List<Object> values) {
            StringWriter line = new StringWriter();
            try (JsonGenerator g = JSON.createGenerator(line)) {
                g.writeStartObject();
                for (int i = 0; i < values.size(); i++) {
                    g.writeFieldName(columns.get(i));
                    write(g, values.get(i));
                }
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.println(line);
        }

        private static void write(JsonGenerator g, Object v) throws IOException {
            if (v == null) {
                g.writeNull();
            } else if (v instanceof Boolean b) {
                g.writeBoolean(b);
            } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
                g.writeNumber(((Number) v).longValue());
            } else if (v instanceof BigInteger i) {
                g.writeNumber(i);
            } else if (v instanceof BigDecimal d) {
                g.writeNumber(d);
            } else if (v instanceof Double d && Double.isFinite(d)) {
                g.writeNumber(d);
            } else if (v instanceof Float f && Float.isFinite(f)) {
                g.writeNumber(f);
            } else if (v instanceof byte[] bytes) {
                g.writeBinary(bytes);
            } else {
                g.writeString(v.toString());
            }
        }
    }

    private static String render(Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof byte[] bytes) {
            return "0x" + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 32)) + (bytes.length > 32 ? "…" : "");
        }
        return v.toString();
    }
}
