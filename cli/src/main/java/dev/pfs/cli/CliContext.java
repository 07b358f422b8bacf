package dev.pfs.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What one run of {@code pfs} writes to and how: the raw standard output (for {@code pfs cat}),
 * text writers over stdout and stderr, whether stderr is a terminal (progress bars), and the
 * --verbose flag. Tests build one over in-memory streams; {@link #system()} is the real one.
 */
public final class CliContext {
    private final OutputStream rawOut;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean errIsTerminal;
    private boolean verbose;

    /**
     * @param rawOut        standard output as bytes
     * @param err           standard error as bytes
     * @param errIsTerminal whether progress bars may be drawn on {@code err}
     */
    public CliContext(OutputStream rawOut, OutputStream err, boolean errIsTerminal) {
        this.rawOut = rawOut;
        this.out = new PrintWriter(new java.io.OutputStreamWriter(rawOut, StandardCharsets.UTF_8), true);
        this.err = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        this.errIsTerminal = errIsTerminal;
    }

    /** @return the context of the process: System.out, System.err, a TTY check of fd 2 */
    public static CliContext system() {
        return new CliContext(System.out, System.err, stderrIsTerminal());
    }

    /**
     * Linux names the terminal behind a descriptor in /proc; the JDK can only ask about
     * stdin and stdout together (System.console()), and the bar goes to stderr.
     */
    private static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** @return standard output as bytes; flush {@link #out()} before writing to it */
    public OutputStream rawOut() {
        return rawOut;
    }

    /** @return standard output for text */
    public PrintWriter out() {
        return out;
    }

    /** @return standard error for text */
    public PrintWriter err() {
        return err;
    }

    /** @return whether progress may be drawn on stderr */
    public boolean errIsTerminal() {
        return errIsTerminal;
    }

    /** @return whether --verbose was given: stack traces and info logs */
    public boolean verbose() {
        return verbose;
    }

    /** Records --verbose. */
    public void setVerbose(boolean verbose) {
        this.verbose = verbose;
    }
}
