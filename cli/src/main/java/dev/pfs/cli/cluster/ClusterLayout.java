package dev.pfs.cli.cluster;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * Where everything of one {@code pfs cluster up} lives, under one directory, and its settings,
 * kept in {@code <dir>/cluster.properties} from the first {@code up} so that later {@code up},
 * {@code status} and {@code down} need only the directory:
 * <pre>
 *   cluster.properties   this layout
 *   cs1/ cs2/ cs3/       the chunkservers' data directories (replicated)
 *   volumes/             placement files (pfs volume create --placement-dir)
 *   volume.img           the volume file (--local)
 *   run/                 pid files, the switch's socket
 *   logs/                each daemon's output
 *   mnt/                 the FUSE mount (unless --mountpoint)
 * </pre>
 * Ports (replicated): chunkserver {@code i} listens on {@code basePort + i} and serves metrics
 * on {@code basePort + 10 + i}; the switch serves metrics on {@code basePort + 20}.
 *
 * @param dir        the cluster directory, absolute
 * @param local      a single volume file instead of three chunkservers and a switch
 * @param basePort   the first of the ports above
 * @param mountPoint where the volume is mounted
 * @param size       the volume's size in bytes
 * @param chunkSize  bytes per replicated chunk
 */
record ClusterLayout(Path dir, boolean local, int basePort, Path mountPoint, long size, long chunkSize) {
    /** Chunkservers of a replicated cluster. */
    static final int SERVERS = 3;
    /** The replicated volume's name (its placement file is {@code volumes/pfs.placement}). */
    static final String VOLUME = "pfs";
    private static final String FILE = "cluster.properties";

    /** @return whether {@code dir} holds a cluster's layout */
    static boolean exists(Path dir) {
        return Files.exists(dir.resolve(FILE));
    }

    static ClusterLayout read(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve(FILE))) {
            p.load(r);
        }
        try {
            return new ClusterLayout(dir, Boolean.parseBoolean(p.getProperty("local")),
                    Integer.parseInt(p.getProperty("base-port")), Path.of(p.getProperty("mountpoint")),
                    Long.parseLong(p.getProperty("size")), Long.parseLong(p.getProperty("chunk-size")));
        } catch (RuntimeException e) {
            throw new IOException(dir.resolve(FILE) + " is damaged: " + e.getMessage(), e);
        }
    }

    void write() throws IOException {
        Properties p = new Properties();
        p.setProperty("local", Boolean.toString(local));
        p.setProperty("base-port", Integer.toString(basePort));
        p.setProperty("mountpoint", mountPoint.toString());
        p.setProperty("size", Long.toString(size));
        p.setProperty("chunk-size", Long.toString(chunkSize));
        Files.createDirectories(dir);
        Path tmp = dir.resolve(FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            p.store(w, "written by pfs cluster up; read by pfs cluster up/status/down");
        }
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    Path dataDir(int server) {
        return dir.resolve("cs" + server);
    }

    Path placementDir() {
        return dir.resolve("volumes");
    }

    Path placementFile() {
        return placementDir().resolve(VOLUME + ".placement");
    }

    /** Written once the replicated volume is known to hold pfs: later ups skip the check. */
    Path formattedMarker() {
        return placementDir().resolve(VOLUME + ".formatted");
    }

    Path volumeFile() {
        return dir.resolve("volume.img");
    }

    Path runDir() {
        return dir.resolve("run");
    }

    Path logDir() {
        return dir.resolve("logs");
    }

    Path socket() {
        return runDir().resolve("switch.sock");
    }

    int port(int server) {
        return basePort + server;
    }

    int metricsPort(int server) {
        return basePort + 10 + server;
    }

    int switchMetricsPort() {
        return basePort + 20;
    }

    /** @return the chunkserver {@code server}'s address, {@code 127.0.0.1:PORT} */
    String address(int server) {
        return "127.0.0.1:" + port(server);
    }

    /** @return what the mount process mounts: the volume through the switch, or the volume file */
    String mountSource() {
        return local ? volumeFile().toString() : "switch:" + socket() + "," + VOLUME;
    }

    DaemonProcess chunkserver(int server) {
        return new DaemonProcess("chunkserver " + server, runDir().resolve("cs" + server + ".pid"),
                logDir().resolve("cs" + server + ".log"), dir);
    }

    DaemonProcess switchDaemon() {
        return new DaemonProcess("switch", runDir().resolve("switch.pid"), logDir().resolve("switch.log"), dir);
    }

    DaemonProcess mount() {
        return new DaemonProcess("mount", runDir().resolve("mount.pid"), logDir().resolve("mount.log"), dir);
    }
}
