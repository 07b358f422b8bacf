package dev.pfs.cli.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Unmounting a FUSE mount with fusermount3, as {@code pfs umount} does. */
final class Unmount {
    private Unmount() {
    }

    /**
     * @param lazy detach now even if busy (for a mount whose process is dead)
     * @throws IOException with fusermount3's message when it refuses (e.g. the mount is busy)
     */
    static void fusermount(Path mp, boolean lazy) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("fusermount3", "-u"));
        if (lazy) {
            cmd.add("-z");
        }
        cmd.add(mp.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) {
            throw new IOException("cannot unmount " + mp + ": " + (output.isEmpty() ? "fusermount3 failed" : output));
        }
    }
}
