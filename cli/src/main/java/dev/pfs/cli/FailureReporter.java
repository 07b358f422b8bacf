package dev.pfs.cli;

import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.PfsException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into one line on stderr ("pfs cp: v.img:/a: ENOENT: ...") and an
 * {@link ExitStatus}; the stack trace follows only with --verbose. Installed on the whole
 * command tree by {@link PfsCommand}.
 */
final class FailureReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {
    private final CliContext context;

    FailureReporter(CliContext context) {
        this.context = context;
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(prefix(cmd) + ex.getMessage());
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
        }
        err.flush();
        return ExitStatus.USAGE.code();
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        Classified c = classify(ex);
        PrintWriter err = cmd.getErr();
        err.println(prefix(cmd) + c.message);
        if (c.status == ExitStatus.USAGE) {
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
        }
        if (context.verbose()) {
            ex.printStackTrace(err);
        } else if (c.status == ExitStatus.INTERNAL) {
            err.println("Rerun with --verbose for the stack trace.");
        }
        err.flush();
        return c.status.code();
    }

    private static String prefix(CommandLine cmd) {
        return cmd.getCommandSpec().qualifiedName() + ": ";
    }

    private record Classified(ExitStatus status, String message) {
    }

    private static Classified classify(Exception ex) {
        return switch (ex) {
            case CliException e -> new Classified(e.status(), e.getMessage());
            case PfsException e -> new Classified(Failures.statusOf(e), e.getMessage());
            case VolumeException e -> new Classified(ExitStatus.FILE_ERROR,
                    "volume I/O failed (" + e.kind() + "): " + e.getMessage());
            case FileSystemException e -> new Classified(ExitStatus.FILE_ERROR, Failures.describe(e));
            case IOException e -> new Classified(ExitStatus.FILE_ERROR, e.getMessage());
            default -> new Classified(ExitStatus.INTERNAL, "internal error: " + ex);
        };
    }
}
