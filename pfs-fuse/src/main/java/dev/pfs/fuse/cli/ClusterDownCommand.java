package dev.pfs.fuse.cli;

import dev.pfs.fuse.MountTable;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pfs cluster down}: stops what {@code cluster up} started under the same --dir. */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Unmount and stop what 'pfs cluster up' started under --dir; keeps the volume.")
public final class ClusterDownCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", defaultValue = "pfs-cluster", description = "state directory (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--timeout", defaultValue = "60", description = "seconds to wait for the mount to flush (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Path d = dir.toAbsolutePath().normalize();
        if (!Files.exists(ClusterState.file(d))) {
            err.println("pfs cluster down: nothing was started under " + d + " (no cluster.properties)");
            return 1;
        }
        ClusterState state = ClusterState.read(d);
        boolean running = Launcher.alive(state.mountPid()).isPresent();
        if (MountTable.isMountPoint(state.mountPoint())) {
            String problem = Unmounter.unmount(state.mountPoint(), !running, timeoutSeconds);
            if (problem != null) {
                err.println("pfs cluster down: " + problem);
                return 1;
            }
        }
        if (!Unmounter.awaitExit(state.mountPid(), timeoutSeconds)) {
            err.println("pfs cluster down: mount process " + state.mountPid() + " did not exit; see " + state.log());
            return 1;
        }
        Files.delete(ClusterState.file(d));
        spec.commandLine().getOut().println("pfs: cluster down (unmounted " + state.mountPoint()
                + "; the volume stays in " + state.volume() + ")");
        return 0;
    }
}
