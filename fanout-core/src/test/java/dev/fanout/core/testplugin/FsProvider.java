package dev.fanout.core.testplugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.OptionSpec;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriterProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A test plugin for {@code fs:<path>}: its physical target is the path resolved against the
 * topology's directory, like a DuckDB file. It declares {@code auth_key} sensitive (a name no
 * heuristic would catch) and, when {@code leak: yes} is set, misbehaves by echoing secrets in its
 * validation messages, so tests can prove the core masks them.
 */
public class FsProvider implements WriterProvider {

    private static final Set<String> KNOWN = Set.of("auth_key", "password", "user", "leak");

    @Override
    public String scheme() {
        return "fs";
    }

    @Override
    public BaseWriter create(Destination destination) {
        return new BaseWriter() {
            @Override
            public void open() {
            }

            @Override
            public void write(WriteBatch batch) {
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public List<String> validate(Destination destination) {
        List<String> problems = new ArrayList<>();
        if (destination.schemeSpecificPart().isBlank()) {
            problems.add("destination " + destination.name() + ": the fs uri has no path; write fs:<file>");
        }
        for (String key : destination.options().keySet()) {
            if (!KNOWN.contains(key)) {
                problems.add("destination " + destination.name() + ": unknown option '" + key + "'");
            }
        }
        if ("yes".equals(destination.options().get("leak"))) {
            problems.add("destination " + destination.name() + " rejected auth_key=" + destination.options().get("auth_key")
                    + " password=" + destination.options().get("password") + " uri=" + destination.uri());
        }
        return problems;
    }

    @Override
    public String physicalTarget(Destination destination) {
        return destination.baseDirectory().resolve(destination.schemeSpecificPart()).toAbsolutePath().normalize().toString();
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.secret("auth_key", "the key"), OptionSpec.optional("user", "who", "default"));
    }

    @Override
    public String description() {
        return "files for tests";
    }
}
