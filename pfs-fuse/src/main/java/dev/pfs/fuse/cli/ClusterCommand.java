package dev.pfs.fuse.cli;

import picocli.CommandLine.Command;

/** {@code pfs cluster up|down}: a single-node pfs stack for now (volume file + mount). */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        subcommands = {ClusterUpCommand.class, ClusterDownCommand.class},
        description = {"Start or stop a local pfs stack (today: one volume file, mounted).",
                "Later the distributed volume goes behind the same command."})
public final class ClusterCommand {
}
