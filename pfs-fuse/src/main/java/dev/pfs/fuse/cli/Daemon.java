package dev.pfs.fuse.cli;

import dev.pfs.fuse.MountTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Runs a mount process in the background and reports once its mount is live. */
final class Daemon {
    /** Longer than a RW lease takeover (10 s by default) plus a JVM start. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final long POLL_MILLIS = 50;

    private Daemon() {
    }

    /** @return 0 when the mount at {@code mp} is live, 1 with the child's last log lines otherwise */
    static int mountInBackground(List<String> mountArgs, Path mp, Path log, PrintWriter out, PrintWriter err)
            throws IOException, InterruptedException {
        Path logFile = log != null ? log : MountRegistry.dir().resolve("mount" + mp.toString().replace('/', '_') + ".log");
        long pid = startMount(mountArgs, mp, logFile, err);
        if (pid < 0) {
            return 1;
        }
        out.printf("pfs: mounted at %s in the background: pid %d, log %s; stop with: pfs umount %s%n",
                mp, pid, logFile, mp);
        return 0;
    }

    /** @return the pid of the mount process once {@code mp} is live, or -1 after printing why not */
    static long startMount(List<String> mountArgs, Path mp, Path logFile, PrintWriter err)
            throws IOException, InterruptedException {
        Process child = Launcher.startDetached(mountArgs, logFile);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if ("fuse.pfs".equals(MountTable.fsTypeAt(mp))
                    && MountRegistry.lookup(mp).orElse(-1) == child.pid()) {
                return child.pid();
            }
            if (!child.isAlive()) {
                err.println("pfs mount: the mount process exited with " + child.exitValue() + ":");
                err.println(Launcher.tail(logFile, 5));
                return -1;
            }
            child.waitFor(POLL_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        err.println("pfs mount: not mounted after " + START_TIMEOUT.toSeconds() + " s; the process "
                + child.pid() + " is still starting, see " + logFile);
        return -1;
    }
}
