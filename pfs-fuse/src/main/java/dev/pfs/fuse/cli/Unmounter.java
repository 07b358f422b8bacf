package dev.pfs.fuse.cli;

import dev.pfs.fuse.MountTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Unmounts a pfs FUSE mount with fusermount3 and waits for its process to finish flushing. */
final class Unmounter {
    private Unmounter() {
    }

    /** @return null on success, else a one-line reason */
    static String unmount(Path mp, boolean lazy, int timeoutSeconds)
            throws IOException, InterruptedException {
        String type = MountTable.fsTypeAt(mp);
        if (type == null || !type.startsWith("fuse.pfs")) {
            return mp + " is not a pfs mount" + (type == null ? "" : " (it is " + type + ")");
        }
        OptionalLong pid = MountRegistry.lookup(mp);
        List<String> cmd = new ArrayList<>(List.of("fusermount3", "-u"));
        if (lazy) {
            cmd.add("-z");
        }
        cmd.add(mp.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) {
            return (output.isEmpty() ? "fusermount3 failed" : output)
                    + (lazy ? "" : " (stop the programs using it, or use --lazy)");
        }
        if (pid.isPresent() && !awaitExit(pid.getAsLong(), timeoutSeconds)) {
            return "unmounted, but process " + pid.getAsLong() + " has not exited after " + timeoutSeconds + " s";
        }
        return null;
    }

    /** @return whether process {@code pid} is gone within the timeout */
    static boolean awaitExit(long pid, int timeoutSeconds) throws InterruptedException {
        Optional<ProcessHandle> handle = Launcher.alive(pid);
        if (handle.isEmpty()) {
            return true;
        }
        try {
            handle.get().onExit().get(timeoutSeconds, TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !handle.get().isAlive();
        }
    }
}
