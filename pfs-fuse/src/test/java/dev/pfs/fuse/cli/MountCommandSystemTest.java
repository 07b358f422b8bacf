package dev.pfs.fuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.Pfs;
import dev.pfs.fuse.MountTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** pfs mount / umount as a user runs them: real processes, real libpfs volume. */
@Tag("system")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MountCommandSystemTest {
    @TempDir
    Path tmp;
    private Path volume;
    private Path mnt;

    private record Result(int code, String output) {
    }

    @BeforeEach
    void format() throws Exception {
        volume = tmp.resolve("v.img");
        try (FileVolume v = FileVolume.create(volume, 512L << 20)) {
            Pfs.mkfs(v, new MkfsOptions(256L << 20, 4));
        }
        mnt = Files.createDirectory(tmp.resolve("mnt"));
    }

    @Test
    void badInputGetsOneClearLineAndANonZeroExit() throws Exception {
        Result unknown = pfs("mount", volume.toString(), mnt.toString(), "-o", "allow_other,bogus=1");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.output().strip()).isEqualTo("pfs mount: unknown mount option 'bogus=1' (known: "
                + "allow_other, attr_timeout, entry_timeout, max_threads, ro, rw)");

        Result missing = pfs("mount", volume.toString(), tmp.resolve("nope").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.output()).contains("does not exist").hasLineCount(1);

        Result noVolume = pfs("mount", tmp.resolve("none.img").toString(), mnt.toString());
        assertThat(noVolume.code()).isEqualTo(5);

        assertThat(pfs("mount", volume.toString(), mnt.toString(), "--daemon").code()).isZero();
        try {
            Result busy = pfs("mount", volume.toString(), mnt.toString());
            assertThat(busy.code()).isEqualTo(1);
            assertThat(busy.output()).contains("is busy").hasLineCount(1);

            Path other = Files.createDirectory(tmp.resolve("other"));
            Result secondRw = pfs("mount", volume.toString(), other.toString());
            assertThat(secondRw.code()).isEqualTo(3);
            assertThat(secondRw.output()).contains("EBUSY").contains("host 0").hasLineCount(1);
            assertThat(MountTable.isMountPoint(other)).isFalse();
        } finally {
            assertThat(pfs("umount", mnt.toString()).code()).isZero();
        }
        assertThat(MountTable.isMountPoint(mnt)).isFalse();
        Result notMounted = pfs("umount", mnt.toString());
        assertThat(notMounted.code()).isEqualTo(1);
        assertThat(notMounted.output()).contains("is not a pfs mount");
    }

    @Test
    void sigtermUnmountsAfterFlushingAndTheDataIsThereNextTime() throws Exception {
        Process fg = new ProcessBuilder(command("mount", volume.toString(), mnt.toString()))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("fg.log").toFile()).start();
        awaitMounted(true);
        Files.writeString(mnt.resolve("kept"), "written before SIGTERM");
        fg.destroy();
        assertThat(fg.waitFor(60, TimeUnit.SECONDS)).isTrue();
        awaitMounted(false);

        assertThat(pfs("mount", volume.toString(), mnt.toString(), "--daemon").code()).isZero();
        assertThat(Files.readString(mnt.resolve("kept"))).isEqualTo("written before SIGTERM");
        Process fusermount = new ProcessBuilder("fusermount3", "-u", mnt.toString()).start();
        assertThat(fusermount.waitFor()).isZero();
        awaitMounted(false);
    }

    private void awaitMounted(boolean mounted) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (MountTable.isMountPoint(mnt) != mounted) {
            assertThat(System.nanoTime()).as("mount state %s in time", mounted).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private Result pfs(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command(args)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    private List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                FuseMain.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
