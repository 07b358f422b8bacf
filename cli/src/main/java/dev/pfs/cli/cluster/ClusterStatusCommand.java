package dev.pfs.cli.cluster;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicaCompare;
import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.fuse.MountTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pfs cluster status}: each daemon up or down, the mount, and per chunk the leader its
 * replicas name (and, with {@code --verify}, whether their contents are equal).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show each daemon of the cluster under --dir (up with its pid, or down), the mount, and for "
                + "each chunk of the volume the leader its replicas name and how many agree.",
                "--verify also compares every replica's contents (pfs chunk verify).",
                "--wait SECONDS asks again, once a second, until the cluster is healthy or the time is up, and prints "
                        + "the last answer (after a restart: wait until the restarted server knows its leaders).",
                "Exits 0 when everything runs and every chunk's replicas agree on a leader, 1 otherwise."})
public final class ClusterStatusCommand extends BaseCommand {
    @Option(names = "--dir", defaultValue = "pfs-cluster", description = "cluster directory (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--verify", description = "also compare the replicas' contents of every chunk")
    boolean verify;

    @Option(names = "--wait", defaultValue = "0", paramLabel = "SECONDS",
            description = "ask again until healthy, at most this long (default ${DEFAULT-VALUE}: ask once)")
    int waitSeconds;

    @Override
    protected ExitStatus run() throws Exception {
        Path d = dir.toAbsolutePath().normalize();
        if (!ClusterLayout.exists(d)) {
            throw new CliException(ExitStatus.FILE_ERROR, "no cluster under " + d
                    + " (start one with pfs cluster up --dir " + d + ")");
        }
        if (waitSeconds < 0) {
            throw new CliException(ExitStatus.USAGE, "--wait " + waitSeconds + " must be 0 or more seconds");
        }
        ClusterLayout l = ClusterLayout.read(d);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
        while (true) {
            // Each attempt writes its own report; only the last one is printed.
            StringWriter text = new StringWriter();
            PrintWriter report = new PrintWriter(text);
            boolean healthy = report(report, d, l);
            report.flush();
            if (healthy || System.nanoTime() - deadline >= 0) {
                out().print(text);
                return healthy ? ExitStatus.OK : ExitStatus.FILE_ERROR;
            }
            Thread.sleep(1000);
        }
    }

    /**
     * Writes one report of the cluster to {@code report}.
     *
     * @return whether every daemon runs, the mount is there and every chunk's replicas agree
     */
    private boolean report(PrintWriter report, Path d, ClusterLayout l) throws IOException, InterruptedException {
        boolean healthy = true;
        report.println("cluster " + d + (l.local() ? " (local: one volume file)" : " (three replicas)"));
        if (!l.local()) {
            for (int i = 1; i <= ClusterLayout.SERVERS; i++) {
                healthy &= daemon(report, l.chunkserver(i), l.address(i));
            }
            healthy &= daemon(report, l.switchDaemon(), l.socket().toString());
        }
        String type = MountTable.fsTypeAt(l.mountPoint());
        boolean mounted = "fuse.pfs".equals(type);
        healthy &= daemon(report, l.mount(), l.mountPoint() + (mounted ? " mounted" : type == null ? " not mounted" : " (" + type + ")"));
        healthy &= mounted;
        if (!l.local() && Files.exists(l.placementFile())) {
            healthy &= chunks(report, Placement.read(l.placementFile()));
        }
        report.println(healthy ? "healthy" : "degraded");
        return healthy;
    }

    private static boolean daemon(PrintWriter report, DaemonProcess p, String where) {
        Optional<ProcessHandle> h = p.running();
        report.printf("  %-13s %-4s %-10s %s%n", p.name(), h.isPresent() ? "up" : "down",
                h.map(x -> "pid " + x.pid()).orElse("-"), where);
        return h.isPresent();
    }

    private boolean chunks(PrintWriter report, Placement p) throws InterruptedException {
        boolean ok = true;
        for (ChunkLeaders.View v : ChunkLeaders.all(p)) {
            int c = v.chunk();
            int leader = v.agreedLeader();
            String replicas = v.replicas().stream().map(String::valueOf).collect(Collectors.joining(","));
            List<String> notes = new ArrayList<>();
            v.views().forEach((id, named) -> {
                if (named < 0) {
                    notes.add(id + ": " + v.problems().get(id));
                } else if (named != leader) {
                    notes.add(id + " names " + (named == 0 ? "no leader" : "leader " + named));
                }
            });
            boolean agreed = leader != 0 && v.agreeing() == v.replicas().size();
            ok &= agreed;
            report.printf("  chunk %-3d replicas %s  leader %s  agreed by %d of %d%s%n", c, replicas,
                    leader == 0 ? "none" : leader, v.agreeing(), v.replicas().size(),
                    notes.isEmpty() ? "" : "  (" + String.join("; ", notes) + ")");
        }
        if (verify) {
            List<String> diffs = ReplicaCompare.differences(p, Duration.ofSeconds(10));
            diffs.forEach(x -> report.println("  differ: " + x));
            report.println(diffs.isEmpty() ? "  replicas equal (" + p.chunks() + " chunks compared)"
                    : "  " + diffs.size() + " of " + p.chunks() + " chunks differ");
            ok &= diffs.isEmpty();
        }
        return ok;
    }
}
