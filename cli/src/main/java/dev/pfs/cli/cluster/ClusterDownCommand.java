package dev.pfs.cli.cluster;

import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.fuse.MountTable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pfs cluster down}: unmounts, then stops the switch and the chunkservers (SIGTERM, then
 * SIGKILL after --timeout). Idempotent: what is not running is skipped. Data stays.
 */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = {"Unmount and stop everything 'pfs cluster up' started under --dir (mount, switch, "
                + "chunkservers); what is not running is skipped. The data stays: 'up' brings it back.",
                "Refuses while the mount is in use (stop PostgreSQL first) unless --lazy."})
public final class ClusterDownCommand extends BaseCommand {
    @Option(names = "--dir", defaultValue = "pfs-cluster", description = "cluster directory (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--timeout", defaultValue = "60",
            description = "seconds each daemon may take to stop before it is killed (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(names = "--lazy", description = "detach the mount even while programs use it")
    boolean lazy;

    @Override
    protected ExitStatus run() throws Exception {
        Path d = dir.toAbsolutePath().normalize();
        if (!ClusterLayout.exists(d)) {
            out().println("pfs: no cluster under " + d + "; nothing to stop");
            return ExitStatus.OK;
        }
        ClusterLayout l = ClusterLayout.read(d);
        Duration timeout = Duration.ofSeconds(Math.max(1, timeoutSeconds));
        List<String> stopped = new ArrayList<>();
        try {
            unmount(l, timeout, stopped);
            if (!l.local()) {
                if (l.switchDaemon().stop(timeout)) {
                    stopped.add("switch");
                }
                List<DaemonProcess> servers = new ArrayList<>();
                for (int i = 1; i <= ClusterLayout.SERVERS; i++) {
                    servers.add(l.chunkserver(i));
                }
                DaemonProcess.stopAll(servers, timeout).forEach(s -> stopped.add(s.name()));
            }
        } catch (IOException e) {
            throw new CliException(ExitStatus.FILE_ERROR, e.getMessage(), e);
        }
        out().println(stopped.isEmpty() ? "pfs: nothing was running under " + d
                : "pfs: cluster down under " + d + " (stopped " + String.join(", ", stopped) + "; the data stays)");
        return ExitStatus.OK;
    }

    /** Unmounts first, so that the mount process flushes to a switch and chunkservers still running. */
    private void unmount(ClusterLayout l, Duration timeout, List<String> stopped) throws IOException, InterruptedException {
        Path mp = l.mountPoint();
        DaemonProcess mount = l.mount();
        Optional<ProcessHandle> h = mount.running();
        if (MountTable.isMountPoint(mp) && "fuse.pfs".equals(MountTable.fsTypeAt(mp))) {
            try {
                Unmount.fusermount(mp, lazy || h.isEmpty());
            } catch (IOException e) {
                throw new IOException(e.getMessage() + " (stop the programs using it, e.g. PostgreSQL, or use --lazy)", e);
            }
            stopped.add("mount at " + mp);
        }
        if (h.isPresent()) {
            // Unmounted, it flushes and exits by itself; one that does not is stopped.
            DaemonProcess.awaitExit(h.get(), timeout);
        }
        mount.stop(timeout);
    }
}
