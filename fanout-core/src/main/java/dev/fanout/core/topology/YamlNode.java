package dev.fanout.core.topology;

import java.util.List;
import java.util.Map;

/** A YAML node that remembers where it was written; the loader's view of the file. */
sealed interface YamlNode {

    SourceLocation where();

    /** What the node is, for messages: "a mapping", "a list", "a value". */
    String kind();

    /** One key of a mapping, located where the key is written. */
    record Entry(String key, SourceLocation keyWhere, YamlNode value) {
    }

    /** Keys in file order. */
    record Mapping(SourceLocation where, Map<String, Entry> entries) implements YamlNode {
        @Override
        public String kind() {
            return "a mapping";
        }
    }

    record Sequence(SourceLocation where, List<YamlNode> items) implements YamlNode {
        @Override
        public String kind() {
            return "a list";
        }
    }

    /**
     * A scalar after environment substitution.
     *
     * @param text   the value; null for a YAML null (an empty value, {@code ~} or {@code null})
     * @param failed substitution failed and a problem is already recorded: say nothing more about it
     */
    record Scalar(SourceLocation where, String text, boolean failed) implements YamlNode {
        @Override
        public String kind() {
            return text == null ? "an empty value" : "a value";
        }
    }
}
