package dev.pfs.cli;

/**
 * A failure the command reports to the user as one line, with the exit status it ends with.
 * The message names what failed (a path, a volume) and why.
 */
public final class CliException extends Exception {
    private static final long serialVersionUID = 1L;
    private final ExitStatus status;

    /** A failure with its own message. */
    public CliException(ExitStatus status, String message) {
        super(message);
        this.status = status;
    }

    /** A failure caused by {@code cause}, whose stack trace is shown with --verbose. */
    public CliException(ExitStatus status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** @return the exit status this failure ends the command with */
    public ExitStatus status() {
        return status;
    }
}
