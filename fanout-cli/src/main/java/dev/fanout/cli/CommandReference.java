package dev.fanout.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference documents of the command line, generated from its picocli model — every command's
 * own usage help, as {@code fanout COMMAND --help} prints it — so they cannot drift from what the
 * commands accept: {@code docs/cli.md} (compared with the model by {@code CommandReferenceTest}),
 * a man page per command, and the bash completion script ({@link AutoComplete}, as
 * {@code fanout completion bash} prints it). The build writes the man pages and the script with
 * {@link #main} into {@code fanout-cli/target/reference/}, which the distribution ships under
 * {@code share/}.
 *
 * <p>Deterministic: help is rendered without colours at picocli's fixed 80 columns, and no date or
 * version is written, so regenerating an unchanged model changes no byte.
 */
public final class CommandReference {

    /** Where docs/cli.md says it comes from and how to regenerate it. */
    static final String REGENERATE = "scripts/cli-reference";

    private CommandReference() {
    }

    /**
     * Writes the man pages into {@code DIR/man/man1/} and the completion script as
     * {@code DIR/bash-completion/completions/fanout}; with a second argument, also the Markdown
     * reference to that file.
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            throw new IllegalArgumentException("usage: CommandReference DIR [MARKDOWN_FILE]");
        }
        Path dir = Path.of(args[0]);
        Path man = Files.createDirectories(dir.resolve("man/man1"));
        for (Map.Entry<String, String> page : manPages(Main.commandLine()).entrySet()) {
            Files.writeString(man.resolve(page.getKey()), page.getValue(), StandardCharsets.UTF_8);
        }
        Path completions = Files.createDirectories(dir.resolve("bash-completion/completions"));
        Files.writeString(completions.resolve("fanout"), completion(), StandardCharsets.UTF_8);
        if (args.length == 2) {
            Files.writeString(Path.of(args[1]), markdown(Main.commandLine()), StandardCharsets.UTF_8);
        }
    }

    /** The bash completion script (zsh runs it through {@code bashcompinit}). */
    static String completion() {
        return AutoComplete.bash("fanout", Main.commandLine());
    }

    /** {@code root} and every command below it, depth first, in declaration order. */
    static List<CommandLine> commands(CommandLine root) {
        List<CommandLine> all = new ArrayList<>();
        collect(root, all);
        return all;
    }

    private static void collect(CommandLine cl, List<CommandLine> all) {
        all.add(cl);
        cl.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, all));
    }

    /** The command's help as {@code --help} prints it, without colours. */
    static String usage(CommandLine cl) {
        return cl.getUsageMessage(Ansi.OFF);
    }

    /** docs/cli.md: an index of the commands with their summaries, then each command's help. */
    static String markdown(CommandLine root) {
        StringBuilder md = new StringBuilder();
        md.append("# Command reference\n\n")
                .append("Every command's help, as `fanout COMMAND --help` prints it. Generated from the commands themselves;\n")
                .append("do not edit: run `").append(REGENERATE).append("` after changing a command, and the build checks\n")
                .append("that this page is current. Man pages (`share/man/man1/` in the installation) and bash completion\n")
                .append("(`fanout completion bash`, also `share/bash-completion/completions/fanout`) come from the same model.\n\n");
        List<CommandLine> all = commands(root);
        for (CommandLine cl : all) {
            String name = cl.getCommandSpec().qualifiedName();
            String[] description = cl.getCommandSpec().usageMessage().description();
            md.append("- [`").append(name).append("`](#").append(name.replace(' ', '-')).append(")")
                    .append(description.length == 0 ? "" : ": " + description[0]).append('\n');
        }
        for (CommandLine cl : all) {
            md.append("\n## ").append(cl.getCommandSpec().qualifiedName()).append("\n\n```text\n")
                    .append(usage(cl).stripTrailing()).append("\n```\n");
        }
        return md.toString();
    }

    /** File name ({@code fanout-dlq-list.1}) → roff man page, one per command. */
    static Map<String, String> manPages(CommandLine root) {
        Map<String, String> pages = new LinkedHashMap<>();
        List<CommandLine> all = commands(root);
        for (CommandLine cl : all) {
            String name = cl.getCommandSpec().qualifiedName();
            String file = name.replace(' ', '-');
            String[] description = cl.getCommandSpec().usageMessage().description();
            StringBuilder roff = new StringBuilder();
            roff.append(".TH \"").append(file.toUpperCase(java.util.Locale.ROOT)).append("\" \"1\" \"\" \"fanout\" \"fanout manual\"\n")
                    .append(".SH NAME\n").append(escape(file)).append(" \\- ")
                    .append(escape(description.length == 0 ? name : description[0])).append('\n')
                    .append(".SH SYNOPSIS\n.nf\n").append(lines(usage(cl))).append(".fi\n");
            List<String> children = new ArrayList<>();
            cl.getSubcommands().values().stream().distinct().forEach(sub -> children.add(sub.getCommandSpec().qualifiedName().replace(' ', '-') + "(1)"));
            if (!children.isEmpty()) {
                roff.append(".SH SEE ALSO\n").append(escape(String.join(", ", children))).append('\n');
            }
            pages.put(file + ".1", roff.toString());
        }
        return pages;
    }

    /** Text for a no-fill block: backslashes escaped, lines starting with a dot or quote protected. */
    private static String lines(String text) {
        StringBuilder b = new StringBuilder();
        for (String line : text.stripTrailing().split("\n", -1)) {
            b.append("\\&").append(escape(line)).append('\n');
        }
        return b.toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\e").replace("-", "\\-");
    }
}
