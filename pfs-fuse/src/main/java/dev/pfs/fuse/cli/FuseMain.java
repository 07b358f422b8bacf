package dev.pfs.fuse.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The FUSE commands on their own ({@code mount}, {@code umount}); the
 * {@code pfs} command registers the same classes. Used where only this module is built.
 */
@Command(name = "pfs", mixinStandardHelpOptions = true,
        subcommands = {MountCommand.class, UmountCommand.class},
        description = "pfs FUSE commands")
public final class FuseMain implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new FuseMain()).execute(args));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }
}
