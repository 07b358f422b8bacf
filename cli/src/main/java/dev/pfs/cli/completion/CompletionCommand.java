package dev.pfs.cli.completion;

import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.ExitStatus;
import picocli.AutoComplete;
import picocli.CommandLine.Command;

/** {@code pfs completion}: prints the bash completion script of the whole command tree. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a bash (and zsh) completion script for pfs.",
            "Use it with: source <(pfs completion), or save it under /etc/bash_completion.d/pfs."})
public final class CompletionCommand extends BaseCommand {
    @Override
    protected ExitStatus run() {
        out().print(AutoComplete.bash("pfs", spec().root().commandLine()));
        out().flush();
        return ExitStatus.OK;
    }
}
