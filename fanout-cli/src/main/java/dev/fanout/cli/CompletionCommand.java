package dev.fanout.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code fanout completion bash}: the shell completion script of every command and option, generated
 * from the command line itself ({@link CommandReference#completion}), so it completes exactly what
 * this version accepts. The same script serves zsh through its {@code bashcompinit}.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print the shell completion script for fanout's commands and options.",
                "Load it with: source <(fanout completion bash). zsh runs the same script through bashcompinit."})
final class CompletionCommand implements Callable<Integer> {

    /** The shells the script serves. */
    enum Shell { bash, zsh }

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "SHELL", defaultValue = "bash", arity = "0..1", description = "bash or zsh (default: ${DEFAULT-VALUE}).")
    private Shell shell;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.print(CommandReference.completion());
        out.flush();
        return ExitCode.OK;
    }
}
