package dev.pfs.fuse.cli;

import picocli.CommandLine.Command;

/** {@code pfs cluster up|down}: a single-node pfs stack for now (volume file + mount). */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        subcommands = {ClusterUpCommand.class, ClusterDownCommand.class},
        description = {"Starts or stops a local pfs stack: today one volume file, formatted",
                "and mounted in the background; later the distributed volume behind it."})
public final class ClusterCommand {
}
