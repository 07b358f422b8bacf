package dev.pfs.fuse.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What {@code pfs cluster up} started, in {@code <dir>/cluster.properties}, so that
 * {@code pfs cluster down} stops exactly that.
 *
 * @param volume     the volume file
 * @param mountPoint where it is mounted
 * @param mountPid   the mount process
 * @param log        the mount process's log
 */
record ClusterState(Path volume, Path mountPoint, long mountPid, Path log) {
    static Path file(Path dir) {
        return dir.resolve("cluster.properties");
    }

    static ClusterState read(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file(dir))) {
            p.load(r);
        }
        return new ClusterState(Path.of(p.getProperty("volume")), Path.of(p.getProperty("mountpoint")),
                Long.parseLong(p.getProperty("mount.pid")), Path.of(p.getProperty("mount.log")));
    }

    void write(Path dir) throws IOException {
        Properties p = new Properties();
        p.setProperty("volume", volume.toString());
        p.setProperty("mountpoint", mountPoint.toString());
        p.setProperty("mount.pid", Long.toString(mountPid));
        p.setProperty("mount.log", log.toString());
        Path tmp = dir.resolve("cluster.properties.tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            p.store(w, "written by pfs cluster up; read by pfs cluster down");
        }
        Files.move(tmp, file(dir), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
