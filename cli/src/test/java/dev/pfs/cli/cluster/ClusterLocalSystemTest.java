package dev.pfs.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.fuse.MountTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pfs cluster up --local / status / down} through the real launcher: the single-node
 * stack mounts, a second up finds it running, down is idempotent, and the data is there after
 * the next up. The replicated stack is exercised by {@link ClusterPostgresSystemTest}.
 */
@Tag("system")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ClusterLocalSystemTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private record Result(int code, String output) {
    }

    private Result pfs(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(REPO.resolve("pfs").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    @Test
    void upStatusDownAndUpAgain() throws Exception {
        Path dir = tmp.resolve("cluster");
        Result up = pfs("cluster", "up", "--local", "--dir", dir.toString(), "--size", "512M");
        assertThat(up.code()).as(up.output()).isZero();
        assertThat(up.output()).contains("pfs cluster down --dir " + dir, "started mount");
        Path mp = dir.resolve("mnt");
        assertThat(MountTable.fsTypeAt(mp)).isEqualTo("fuse.pfs");
        Files.writeString(mp.resolve("hello"), "hi");
        // up ran with C1 only (a short command); the mount it started is a daemon and has the full JIT.
        String mountCmdline = Files.readString(Path.of("/proc", Files.readString(dir.resolve("run/mount.pid")).trim(),
                "cmdline")).replace('\0', ' ');
        assertThat(mountCmdline).contains("dev.pfs.cli.PfsCommand mount").doesNotContain("TieredStopAtLevel");

        Result again = pfs("cluster", "up", "--local", "--dir", dir.toString());
        assertThat(again.code()).as(again.output()).isZero();
        assertThat(again.output()).contains("already up");
        Result replicated = pfs("cluster", "up", "--dir", dir.toString());
        assertThat(replicated.code()).isEqualTo(2);
        assertThat(replicated.output()).contains("holds a --local cluster");

        Result status = pfs("cluster", "status", "--dir", dir.toString());
        assertThat(status.code()).as(status.output()).isZero();
        assertThat(status.output()).containsPattern("mount +up +pid \\d+ +" + mp + " mounted").contains("healthy");

        Result down = pfs("cluster", "down", "--dir", dir.toString());
        assertThat(down.code()).as(down.output()).isZero();
        assertThat(MountTable.isMountPoint(mp)).isFalse();
        Result downAgain = pfs("cluster", "down", "--dir", dir.toString());
        assertThat(downAgain.code()).as(downAgain.output()).isZero();
        assertThat(downAgain.output()).contains("nothing was running");
        Result statusDown = pfs("cluster", "status", "--dir", dir.toString());
        assertThat(statusDown.code()).isEqualTo(1);
        assertThat(statusDown.output()).containsPattern("mount +down").contains("degraded");
        long t0 = System.nanoTime();
        Result waited = pfs("cluster", "status", "--dir", dir.toString(), "--wait", "2");
        assertThat(waited.code()).isEqualTo(1);
        assertThat(System.nanoTime() - t0).as("--wait 2 asked until the time was up").isGreaterThan(2_000_000_000L);
        assertThat(waited.output().split("degraded", -1)).as("only the last answer is printed").hasSize(2);

        assertThat(pfs("cluster", "up", "--local", "--dir", dir.toString()).code()).isZero();
        assertThat(Files.readString(mp.resolve("hello"))).isEqualTo("hi");
        assertThat(pfs("cluster", "down", "--dir", dir.toString()).code()).isZero();
    }
}
