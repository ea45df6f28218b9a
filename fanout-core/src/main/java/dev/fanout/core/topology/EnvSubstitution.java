package dev.fanout.core.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in a value with the environment's value
 * ({@code :-} also applies when the variable is set but empty, as in a shell). {@code $${} is a
 * literal {@code ${}. Never reports a variable's value, only its name.
 */
final class EnvSubstitution {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** The substituted text, or the reasons it could not be produced. */
    record Result(String text, List<String> errors) {
    }

    private EnvSubstitution() {
    }

    static Result apply(String text, Function<String, String> environment) {
        if (text.indexOf('$') < 0) {
            return new Result(text, List.of());
        }
        StringBuilder out = new StringBuilder(text.length());
        List<String> errors = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '$' && text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (c == '$' && text.startsWith("${", i)) {
                int close = text.indexOf('}', i + 2);
                if (close < 0) {
                    errors.add("unterminated '${' in value; close it with '}' or write '$${' for a literal '${'");
                    return new Result(null, errors);
                }
                String ref = text.substring(i + 2, close);
                int sep = ref.indexOf(":-");
                String name = sep < 0 ? ref : ref.substring(0, sep);
                if (!NAME.matcher(name).matches()) {
                    errors.add("bad variable reference '${" + ref + "}'; write ${NAME} or ${NAME:-default}");
                } else {
                    String value = environment.apply(name);
                    if (sep >= 0 && (value == null || value.isEmpty())) {
                        out.append(ref, sep + 2, ref.length());
                    } else if (value == null) {
                        errors.add("environment variable '" + name + "' is not set; set it, or give a default"
                                + " with ${" + name + ":-default}");
                    } else {
                        out.append(value);
                    }
                }
                i = close + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return errors.isEmpty() ? new Result(out.toString(), List.of()) : new Result(null, errors);
    }
}
