package dev.pfs.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What the commands of this module share: their spec, the run's {@link CliContext}, and the
 * convention that {@link #run()} returns normally on success and throws on failure (a
 * {@link CliException} names the path and the exit status).
 */
public abstract class BaseCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    /** Does the command's work. */
    protected abstract ExitStatus run() throws Exception;

    @Override
    public final Integer call() throws Exception {
        return run().code();
    }

    /** @return this command's spec */
    protected CommandSpec spec() {
        return spec;
    }

    /** @return the run's streams and flags */
    protected CliContext context() {
        return PfsCommand.contextOf(spec);
    }

    /** @return standard output for text */
    protected PrintWriter out() {
        return context().out();
    }

    /** @return standard error for text */
    protected PrintWriter err() {
        return context().err();
    }
}
