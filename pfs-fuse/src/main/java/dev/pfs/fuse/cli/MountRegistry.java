package dev.pfs.fuse.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Pid files of running mount processes, one per mount point, so that {@code pfs umount} can
 * wait until the process has flushed and released the volume.
 */
final class MountRegistry {
    private MountRegistry() {
    }

    static Path dir() {
        String override = System.getenv("PFS_RUN_DIR");
        if (override != null) {
            return Path.of(override);
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "pfs-run-" + System.getProperty("user.name"));
    }

    static Path pidFile(Path mountPoint) {
        String key = mountPoint.toAbsolutePath().normalize().toString().replace('/', '_');
        return dir().resolve("mount" + key + ".pid");
    }

    static void register(Path mountPoint) throws IOException {
        Files.createDirectories(dir());
        Files.writeString(pidFile(mountPoint), Long.toString(ProcessHandle.current().pid()), StandardCharsets.US_ASCII);
    }

    static void unregister(Path mountPoint) {
        try {
            Path f = pidFile(mountPoint);
            if (Files.exists(f) && readPid(f).orElse(-1) == ProcessHandle.current().pid()) {
                Files.delete(f);
            }
        } catch (IOException e) {
            // a stale pid file is harmless: readers check the process is alive
        }
    }

    static OptionalLong lookup(Path mountPoint) {
        return readPid(pidFile(mountPoint));
    }

    private static OptionalLong readPid(Path f) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(f).strip()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
