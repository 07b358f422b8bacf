package dev.pfs.cli;

import dev.pfs.chunkserver.cli.ChunkServerCommand;
import dev.pfs.cli.admin.FsckCommand;
import dev.pfs.cli.admin.GrowfsCommand;
import dev.pfs.cli.admin.InfoCommand;
import dev.pfs.cli.admin.MkfsCommand;
import dev.pfs.cli.bench.BenchCommand;
import dev.pfs.cli.cluster.ClusterCommand;
import dev.pfs.cli.bench.ConcurrencyBenchCommand;
import dev.pfs.cli.completion.CompletionCommand;
import dev.pfs.cli.files.CatCommand;
import dev.pfs.cli.files.CpCommand;
import dev.pfs.cli.files.LsCommand;
import dev.pfs.cli.files.MkdirCommand;
import dev.pfs.cli.files.MvCommand;
import dev.pfs.cli.files.RmCommand;
import dev.pfs.cli.files.StatCommand;
import dev.pfs.cli.replicated.ChunkCommand;
import dev.pfs.cli.replicated.VolumeCommand;
import dev.pfs.fuse.cli.MountCommand;
import dev.pfs.fuse.cli.UmountCommand;
import dev.pfs.nbd.cli.NbdCommand;
import dev.pfs.pswitch.cli.SwitchCommand;
import java.util.List;
import java.util.function.Supplier;

/**
 * The one place where the subcommands of {@code pfs} are registered, in the order
 * {@code pfs --help} lists them.
 *
 * <p>To add a command from another module (chunkserver, mount, umount, cluster, ...): write it in
 * that module as a picocli {@code @Command} class implementing {@code Callable<Integer>}, add
 * the module as a dependency of cli/pom.xml, and add one line here. {@link PfsCommand} gives
 * every registered command {@code --help}, {@code --verbose}, the shared error reporting and
 * exit codes; a command prints through {@code spec.commandLine().getOut()/getErr()}.
 */
final class Subcommands {
    private Subcommands() {
    }

    /** @return a fresh instance of every subcommand, in help order */
    static List<Supplier<Object>> all() {
        return List.of(
                MkfsCommand::new,
                InfoCommand::new,
                LsCommand::new,
                StatCommand::new,
                CatCommand::new,
                CpCommand::new,
                MkdirCommand::new,
                RmCommand::new,
                MvCommand::new,
                GrowfsCommand::new,
                FsckCommand::new,
                MountCommand::new,
                UmountCommand::new,
                ClusterCommand::new,
                ChunkServerCommand::new,
                SwitchCommand::new,
                CompletionCommand::new,
                BenchCommand::new,
                ConcurrencyBenchCommand::new,
                NbdCommand::new,
                VolumeCommand::new,
                ChunkCommand::new);
    }
}
