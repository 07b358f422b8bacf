package dev.pfs.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The {@code --verbose} option, mixed into every command by {@link PfsCommand} (also into
 * commands other modules register), so it may be written before or after the subcommand.
 * It shows stack traces on failure and turns the log level from warn to info.
 */
public final class VerboseMixin {
    private final CliContext context;

    /** @param context where the flag is recorded, shared by the whole command tree */
    public VerboseMixin(CliContext context) {
        this.context = context;
    }

    /** Sets --verbose; picocli calls it when the option is given. */
    @Option(names = {"-v", "--verbose"}, description = "Show stack traces on failure and info logs on stderr.")
    public void setVerbose(boolean verbose) {
        // Picocli also calls this with the default (false) when it reaches a subcommand:
        // only ever switch it on, so "pfs -v ls" keeps it.
        if (!verbose) {
            return;
        }
        context.setVerbose(true);
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
            root.setLevel(Level.INFO);
        }
    }
}
