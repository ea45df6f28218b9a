package dev.fanout.core.topology;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads YAML text into {@link YamlNode}s that carry their line and column.
 *
 * <p>Jackson's tree model drops locations, so this walks the token stream of a {@link YAMLParser}
 * and takes {@link YAMLParser#currentTokenLocation()} (1-based line and column) of every key and
 * value. It also catches what the tree model would let through: duplicate keys, several documents
 * in one file, and aliases ({@code *name}), which the streaming parser reports as plain text and
 * which are resolved here against the anchors seen so far. Syntax errors are reported from the
 * snakeyaml mark, without the quoted source line, which could hold a secret.
 */
final class YamlReader {

    /** Plain empty values ({@code key:}) read as null; the builder, unlike the constructor, leaves that off. */
    private static final YAMLFactory FACTORY = YAMLFactory.builder().enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();

    /** Appended to a syntax error: the one problem that ends a check before the rest of the file is looked at. */
    static final String STOPPED = "; the file cannot be parsed past this error, so nothing else in it was checked:"
            + " fix it and validate again";

    private final Path file;
    private final Function<String, String> environment;
    private final List<Problem> problems;
    private final Map<String, YamlNode> anchors = new HashMap<>();
    private YAMLParser parser;

    private YamlReader(Path file, Function<String, String> environment, List<Problem> problems) {
        this.file = file;
        this.environment = environment;
        this.problems = problems;
    }

    /** The document's root, or null when the text is empty or not valid YAML (a problem is recorded). */
    static YamlNode read(String text, Path file, Function<String, String> environment, List<Problem> problems) {
        return new YamlReader(file, environment, problems).read(text);
    }

    private YamlNode read(String text) {
        try (YAMLParser p = FACTORY.createParser(text)) {
            parser = p;
            JsonToken first = p.nextToken();
            if (first == null) {
                problems.add(new Problem(SourceLocation.startOf(file),
                        "the topology file is empty; start it with 'version: 1' and a 'destinations' section"));
                return null;
            }
            YamlNode root = value(first);
            if (p.nextToken() != null) {
                problems.add(new Problem(here(), "a topology file holds one YAML document; remove the second one"));
            }
            return root;
        } catch (JsonProcessingException | YAMLException e) {
            Problem syntax = syntaxProblem(e);
            problems.add(new Problem(syntax.where(), syntax.message() + STOPPED));
            return null;
        } catch (IOException e) {
            problems.add(new Problem(SourceLocation.startOf(file), "cannot read YAML: " + e.getMessage()));
            return null;
        }
    }

    private YamlNode value(JsonToken token) throws IOException {
        SourceLocation where = here();
        if (parser.isCurrentAlias()) {
            String name = parser.getText();
            YamlNode target = anchors.get(name);
            if (target == null) {
                problems.add(new Problem(where, "alias *" + name + " refers to no anchor &" + name + " defined before it"));
                return new YamlNode.Scalar(where, null, true);
            }
            return target;
        }
        String anchor = parser.getObjectId();
        YamlNode node = switch (token) {
            case START_OBJECT -> mapping(where);
            case START_ARRAY -> sequence(where);
            case VALUE_NULL -> new YamlNode.Scalar(where, null, false);
            default -> scalar(where, parser.getText());
        };
        if (anchor != null) {
            anchors.put(anchor, node);
        }
        return node;
    }

    private YamlNode mapping(SourceLocation where) throws IOException {
        Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
            String key = parser.currentName();
            SourceLocation keyWhere = here();
            YamlNode value = value(parser.nextToken());
            YamlNode.Entry earlier = entries.get(key);
            if (earlier != null) {
                problems.add(new Problem(keyWhere, "duplicate key '" + key + "' (first at line " + earlier.keyWhere().line()
                        + "); keep one"));
            } else {
                entries.put(key, new YamlNode.Entry(key, keyWhere, value));
            }
        }
        return new YamlNode.Mapping(where, entries);
    }

    private YamlNode sequence(SourceLocation where) throws IOException {
        List<YamlNode> items = new ArrayList<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
            items.add(value(t));
        }
        return new YamlNode.Sequence(where, items);
    }

    private YamlNode scalar(SourceLocation where, String raw) {
        EnvSubstitution.Result r = EnvSubstitution.apply(raw, environment);
        for (String error : r.errors()) {
            problems.add(new Problem(where, error));
        }
        return r.errors().isEmpty() ? new YamlNode.Scalar(where, r.text(), false) : new YamlNode.Scalar(where, null, true);
    }

    private SourceLocation here() {
        JsonLocation l = parser.currentTokenLocation();
        return new SourceLocation(file, Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
    }

    private Problem syntaxProblem(Exception e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof MarkedYAMLException m) {
                Mark mark = m.getProblemMark() != null ? m.getProblemMark() : m.getContextMark();
                SourceLocation where = mark == null ? SourceLocation.startOf(file)
                        : new SourceLocation(file, mark.getLine() + 1, mark.getColumn() + 1);
                String context = m.getContext() == null ? "" : " (" + m.getContext()
                        + (m.getContextMark() == null ? "" : " started at line " + (m.getContextMark().getLine() + 1)
                        + ", column " + (m.getContextMark().getColumn() + 1)) + ")";
                return new Problem(where, "YAML syntax error: " + m.getProblem() + context);
            }
        }
        if (e instanceof JsonProcessingException j) {
            JsonLocation l = j.getLocation();
            SourceLocation where = l == null || l.getLineNr() < 1 ? SourceLocation.startOf(file)
                    : new SourceLocation(file, l.getLineNr(), Math.max(1, l.getColumnNr()));
            return new Problem(where, "YAML syntax error: " + j.getOriginalMessage());
        }
        return new Problem(SourceLocation.startOf(file), "YAML error: " + e.getMessage());
    }
}
