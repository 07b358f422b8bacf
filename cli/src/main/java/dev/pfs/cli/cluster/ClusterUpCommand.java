package dev.pfs.cli.cluster;

import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.cli.PfsCommand;
import dev.pfs.cli.volume.SizeConverter;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.Errno;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.layout.SuperblockDescriptor;
import dev.pfs.fuse.MountTable;
import dev.pfs.pswitch.client.SwitchVolume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pfs cluster up}: starts whatever of the stack is not running (all of it the first
 * time), so that it also brings back a daemon that died: three chunkservers, the replicated
 * volume (created and formatted the first time), the switch serving it, and the FUSE mount
 * through the switch. Prints what runs where, how to put PostgreSQL on it, and how to stop it.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start the stack under --dir, or the parts of it that are not running: three chunkservers "
                + "(127.0.0.1, ports from --base-port), the replicated volume 'pfs' (created with pfs volume create "
                + "and formatted the first time), a PolarSwitch serving it, and a FUSE mount through the switch.",
                "--local instead mounts one volume file (the single-node stack).",
                "The first up fixes the settings in <dir>/cluster.properties; later ones reuse them."})
public final class ClusterUpCommand extends BaseCommand {
    /** A chunkserver's or the switch's JVM start, a volume create, a RW lease takeover by the mount. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /**
     * The chunkservers' replication log (written with zeros at creation, reclaimed behind every
     * group's checkpoint): a member down for long is released and later streamed a checkpoint,
     * so the log need not hold everything written while it is away.
     */
    private static final String REPLICATION_LOG_SIZE = "1G";
    /** A restarted chunkserver replays its log from its groups' checkpoints before it serves. */
    private static final Duration CHUNKSERVER_START_TIMEOUT = Duration.ofMinutes(10);

    @Option(names = "--dir", defaultValue = "pfs-cluster", description = "cluster directory (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--local", description = "one volume file, mounted: no chunkservers, no switch")
    boolean local;

    @Option(names = "--mountpoint", description = "where to mount (default <dir>/mnt)")
    Path mountPoint;

    @Option(names = "--size", defaultValue = "4G", converter = SizeConverter.class,
            description = "volume size when creating it (default ${DEFAULT-VALUE})")
    long size;

    @Option(names = "--chunk-size", defaultValue = "1G", converter = SizeConverter.class,
            description = "bytes per replicated chunk when creating the volume; divides --size (default ${DEFAULT-VALUE})")
    long chunkSize;

    @Option(names = "--base-port", defaultValue = "7100",
            description = "chunkserver i listens on BASE+i, its metrics on BASE+10+i, the switch's on BASE+20 "
                    + "(default ${DEFAULT-VALUE})")
    int basePort;

    @Override
    protected ExitStatus run() throws Exception {
        Path d = dir.toAbsolutePath().normalize();
        ClusterLayout layout = layout(d);
        Path mp = layout.mountPoint();
        List<String> started = new ArrayList<>();
        try {
            Files.createDirectories(mp);
            if (layout.local()) {
                createLocalVolume(layout);
            } else {
                startChunkservers(layout, started);
                createReplicatedVolume(layout);
                startSwitch(layout, started);
                formatIfNew(layout);
            }
            startMount(layout, started);
        } catch (IOException e) {
            throw new CliException(ExitStatus.FILE_ERROR, e.getMessage()
                    + (started.isEmpty() ? "" : " (started: " + String.join(", ", started)
                    + "; stop with pfs cluster down --dir " + d + ")"), e);
        }
        out().println(started.isEmpty() ? "pfs: cluster already up under " + d
                : "pfs: cluster up under " + d + " (started " + String.join(", ", started) + ")");
        printSummary(layout);
        return ExitStatus.OK;
    }

    private ClusterLayout layout(Path d) throws IOException, CliException {
        if (ClusterLayout.exists(d)) {
            ClusterLayout old = ClusterLayout.read(d);
            if (old.local() != local) {
                throw new CliException(ExitStatus.USAGE, d + " holds a "
                        + (old.local() ? "--local" : "replicated") + " cluster; use another --dir, or "
                        + (old.local() ? "add" : "drop") + " --local");
            }
            return old;
        }
        if (size <= 0 || !local && (chunkSize <= 0 || size % chunkSize != 0)) {
            throw new CliException(ExitStatus.USAGE, "--size " + size + " must be a positive multiple of --chunk-size "
                    + chunkSize);
        }
        if (basePort < 1 || basePort + 20 > 65535) {
            throw new CliException(ExitStatus.USAGE, "--base-port " + basePort + " must be 1..65515");
        }
        Path mp = (mountPoint != null ? mountPoint : d.resolve("mnt")).toAbsolutePath().normalize();
        ClusterLayout fresh = new ClusterLayout(d, local, basePort, mp, size, chunkSize);
        fresh.write();
        return fresh;
    }

    private void createLocalVolume(ClusterLayout layout) throws IOException {
        Path volume = layout.volumeFile();
        if (Files.exists(volume)) {
            return;
        }
        try (FileVolume v = FileVolume.create(volume, layout.size())) {
            Pfs.mkfs(v, mkfsOptions(layout));
        } catch (PfsException e) {
            Files.deleteIfExists(volume);
            throw new IOException("mkfs " + volume + ": " + e.getMessage(), e);
        }
        out().println("pfs: created and formatted " + volume);
    }

    private static MkfsOptions mkfsOptions(ClusterLayout layout) {
        return new MkfsOptions(Math.min(MkfsOptions.DEFAULT_CHUNK_SIZE, layout.size()), MkfsOptions.DEFAULT_MAX_HOSTS);
    }

    /** Starts the chunkservers that are not running, all at once, then waits for each. */
    private void startChunkservers(ClusterLayout layout, List<String> started) throws IOException, InterruptedException {
        Map<DaemonProcess, DaemonProcess.Launched> launched = new LinkedHashMap<>();
        for (int i = 1; i <= ClusterLayout.SERVERS; i++) {
            DaemonProcess cs = layout.chunkserver(i);
            if (cs.running().isPresent()) {
                continue;
            }
            // Every server holds a replica of every chunk: room for the whole volume, with a little
            // slack. Format reserves all of it on the host (fallocate) so that no acknowledged
            // write can meet a full host disk later.
            long capacity = Math.max(1L << 30, layout.size() + (256L << 20));
            launched.put(cs, cs.launch(List.of(),
                    List.of("chunkserver", "--data-dir", layout.dataDir(i).toString(),
                    "--listen", layout.address(i), "--metrics", "127.0.0.1:" + layout.metricsPort(i),
                    "--server-id", Integer.toString(i), "--cluster-id", "pfs-cluster",
                    "--chunk-size", Long.toString(layout.chunkSize()), "--capacity", Long.toString(capacity),
                    "--wal-size", "64M", "--replication-log-size", REPLICATION_LOG_SIZE)));
        }
        for (Map.Entry<DaemonProcess, DaemonProcess.Launched> e : launched.entrySet()) {
            e.getKey().awaitReady(e.getValue(), "chunkserver ready", () -> true, CHUNKSERVER_START_TIMEOUT);
            started.add(e.getKey().name());
        }
    }

    private void createReplicatedVolume(ClusterLayout layout) throws IOException {
        if (Files.exists(layout.placementFile())) {
            return;
        }
        String servers = IntStream.rangeClosed(1, ClusterLayout.SERVERS).mapToObj(i -> i + "=" + layout.address(i))
                .collect(Collectors.joining(","));
        int code = PfsCommand.execute(context(), "volume", "create", ClusterLayout.VOLUME,
                "--size", Long.toString(layout.size()), "--chunk-size", Long.toString(layout.chunkSize()),
                "--servers", servers, "--placement-dir", layout.placementDir().toString(),
                "--timeout", Long.toString(START_TIMEOUT.toSeconds()));
        if (code != 0) {
            throw new IOException("pfs volume create " + ClusterLayout.VOLUME + " failed (exit " + code + ")");
        }
    }

    private void startSwitch(ClusterLayout layout, List<String> started) throws IOException, InterruptedException {
        DaemonProcess sw = layout.switchDaemon();
        if (sw.running().isPresent()) {
            return;
        }
        sw.start(List.of("switch", "--socket", layout.socket().toString(),
                "--volume", ClusterLayout.VOLUME + "=replicated:" + layout.placementFile(),
                "--metrics", "127.0.0.1:" + layout.switchMetricsPort()), "switch ready", () -> true, START_TIMEOUT);
        started.add(sw.name());
    }

    /**
     * Formats the replicated volume, through the switch, when it holds no pfs superblock yet; once
     * it does, a marker file says so and later ups (a restart of a daemon that died) skip the
     * check: attaching to the switch for it took about 5 s of such a restart on a loaded machine.
     */
    private void formatIfNew(ClusterLayout layout) throws IOException {
        if (Files.exists(layout.formattedMarker())) {
            return;
        }
        try (BlockVolume v = SwitchVolume.connect(layout.socket(), ClusterLayout.VOLUME)) {
            if (!holdsPfs(v)) {
                try {
                    Pfs.mkfs(v, mkfsOptions(layout));
                } catch (PfsException e) {
                    throw new IOException("mkfs of volume " + ClusterLayout.VOLUME + ": " + e.getMessage(), e);
                }
                out().println("pfs: formatted volume " + ClusterLayout.VOLUME + " through the switch");
            }
        }
        Files.writeString(layout.formattedMarker(), "formatted by pfs cluster up\n");
    }

    /**
     * @return whether {@code v} starts with a pfs superblock (false: it is to be formatted). Only
     *         the superblock is read: loading the whole metadata (Pfs.info) through the switch took
     *         18.6 s of a 43 s chunkserver restart under pgbench, for what the first sector says.
     * @throws IOException if the volume cannot be read
     */
    static boolean holdsPfs(BlockVolume v) throws IOException {
        ByteBuffer sector = ByteBuffer.allocateDirect(BlockVolume.SECTOR_SIZE);
        VolumeException.await(v.read(0, sector));
        try {
            SuperblockDescriptor.decode(sector.clear(), v.size());
            return true;
        } catch (PfsException e) {
            if (e.errno() != Errno.EINVAL) {
                throw new IOException("volume " + ClusterLayout.VOLUME + ": " + e.getMessage(), e);
            }
            return false;
        }
    }

    private void startMount(ClusterLayout layout, List<String> started) throws IOException, InterruptedException {
        DaemonProcess mount = layout.mount();
        Path mp = layout.mountPoint();
        if (mount.running().isPresent() && "fuse.pfs".equals(MountTable.fsTypeAt(mp))) {
            return;
        }
        mount.stop(Duration.ofSeconds(30));
        if (MountTable.isMountPoint(mp)) {
            if (!"fuse.pfs".equals(MountTable.fsTypeAt(mp))) {
                throw new IOException("mount point " + mp + " is busy: " + MountTable.fsTypeAt(mp) + " is mounted there");
            }
            // The mount process died (kill -9): the kernel keeps its dead mount until unmounted.
            Unmount.fusermount(mp, true);
        }
        mount.start(List.of("mount", layout.mountSource(), mp.toString(), "--allow-other"), null, () -> {
            try {
                return "fuse.pfs".equals(MountTable.fsTypeAt(mp));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, START_TIMEOUT);
        started.add(mount.name());
    }

    private void printSummary(ClusterLayout l) {
        Path mp = l.mountPoint();
        if (l.local()) {
            out().printf("  volume      %s%n", l.volumeFile());
        } else {
            for (int i = 1; i <= ClusterLayout.SERVERS; i++) {
                out().printf("  chunkserver %d  %s  metrics 127.0.0.1:%d  data %s  log %s%n", i, l.address(i),
                        l.metricsPort(i), l.dataDir(i), l.chunkserver(i).log());
            }
            out().printf("  volume        %s: %d chunks of %d bytes, 3 replicas each (%s)%n", ClusterLayout.VOLUME,
                    l.size() / l.chunkSize(), l.chunkSize(), l.placementFile());
            out().printf("  switch        %s  metrics 127.0.0.1:%d  log %s%n", l.socket(), l.switchMetricsPort(),
                    l.switchDaemon().log());
        }
        out().printf("  mounted at    %s  (%s, log %s)%n", mp, l.mountSource(), l.mount().log());
        String pgdata = mp.resolve("pgdata").toString();
        out().printf("""
                PostgreSQL on it (as root; the socket goes into the data directory):
                  mkdir %1$s && chown postgres:postgres %1$s
                  runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D %1$s
                  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D %1$s -l %1$s/server.log \\
                      -o "-k %1$s -c listen_addresses=''" start
                  runuser -u postgres -- psql -h %1$s
                see it with:  pfs cluster status --dir %2$s
                stop it with: pfs cluster down --dir %2$s   (stop PostgreSQL first)
                """, pgdata, l.dir());
    }
}
