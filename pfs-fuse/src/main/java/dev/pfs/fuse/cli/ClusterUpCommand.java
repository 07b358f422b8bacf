package dev.pfs.fuse.cli;

import dev.pfs.common.config.ByteSize;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pfs cluster up}: volume file, mkfs, background mount; prints how to use and stop it. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Create a volume under --dir (first time: file + mkfs), mount it in the background.",
                "Records what it started in <dir>/cluster.properties for 'cluster down'."})
public final class ClusterUpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", defaultValue = "pfs-cluster", description = "state directory (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--mountpoint", description = "where to mount (default <dir>/mnt)")
    Path mountPoint;

    @Option(names = "--size", defaultValue = "4G", description = "volume size when creating it, e.g. 512M, 4G (default ${DEFAULT-VALUE})")
    String size;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path d = dir.toAbsolutePath().normalize();
        Path mp = (mountPoint != null ? mountPoint : d.resolve("mnt")).toAbsolutePath().normalize();
        long bytes;
        try {
            bytes = ByteSize.parse(size);
        } catch (IllegalArgumentException e) {
            err.println("pfs cluster up: " + e.getMessage());
            return 2;
        }
        if (Files.exists(ClusterState.file(d))) {
            ClusterState old = ClusterState.read(d);
            if (Launcher.alive(old.mountPid()).isPresent()) {
                err.println("pfs cluster up: already up under " + d + " (mount pid " + old.mountPid()
                        + " at " + old.mountPoint() + "); stop it with: pfs cluster down --dir " + d);
                return 1;
            }
        }
        Files.createDirectories(d);
        Files.createDirectories(mp);
        String problem = MountCommand.mountPointProblem(mp);
        if (problem != null) {
            err.println("pfs cluster up: " + problem);
            return 1;
        }
        Path volume = d.resolve("volume.img");
        if (!Files.exists(volume)) {
            try (FileVolume v = FileVolume.create(volume, bytes)) {
                Pfs.mkfs(v, new MkfsOptions(Math.min(MkfsOptions.DEFAULT_CHUNK_SIZE, bytes), MkfsOptions.DEFAULT_MAX_HOSTS));
            } catch (PfsException e) {
                Files.deleteIfExists(volume);
                err.println("pfs cluster up: mkfs " + volume + ": " + e.getMessage());
                return 1;
            }
            out.println("pfs: created and formatted " + volume + " (" + size + ")");
        }
        Path log = d.resolve("mount.log");
        long pid = Daemon.startMount(List.of("mount", volume.toString(), mp.toString(), "--allow-other"), mp, log, err);
        if (pid < 0) {
            return 1;
        }
        new ClusterState(volume, mp, pid, log).write(d);
        out.printf("""
                pfs: cluster up (single node)
                  volume      %s
                  mounted at  %s  (pid %d, log %s)
                use it like a local directory, e.g.:
                  mkdir %s/pgdata && chown postgres %s/pgdata
                  runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D %s/pgdata
                stop it with:
                  pfs cluster down --dir %s
                """, volume, mp, pid, log, mp, mp, mp, d);
        return 0;
    }
}
