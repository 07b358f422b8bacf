package dev.pfs.cli.cluster;

import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.ExitStatus;
import picocli.CommandLine.Command;

/** {@code pfs cluster up|status|down}: a whole pfs stack on this machine, under one directory. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        subcommands = {ClusterUpCommand.class, ClusterStatusCommand.class, ClusterDownCommand.class},
        description = {"Start, inspect or stop a pfs stack on this machine, everything under one directory:",
                "three chunkservers on loopback, a replicated volume, a PolarSwitch serving it and a FUSE mount",
                "through the switch (or, with up --local, one volume file mounted)."})
public final class ClusterCommand extends BaseCommand {
    @Override
    protected ExitStatus run() {
        spec().commandLine().usage(out());
        return ExitStatus.USAGE;
    }
}
