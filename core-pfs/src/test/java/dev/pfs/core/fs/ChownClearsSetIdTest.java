package dev.pfs.core.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Pfs;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** chown clears set-ID bits as Linux's chown does: not on directories, set-group-ID only with group execute. */
@Timeout(60)
class ChownClearsSetIdTest {
    @TempDir
    Path dir;
    private FileVolume volume;
    private Pfs fs;

    @BeforeEach
    void mount() throws Exception {
        volume = FileVolume.create(dir.resolve("v.img"), 64L << 20);
        Pfs.mkfs(volume, new MkfsOptions(16L << 20, 8));
        fs = Pfs.mount(volume, MountOptions.readWrite(0));
        fs.close(fs.open("/f", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644));
        fs.mkdir("/d", 0755);
    }

    @AfterEach
    void unmount() throws Exception {
        fs.close();
        assertThat(Pfs.fsck(volume, false).problems()).isEmpty();
        volume.close();
    }

    @Test
    void chownOfAFileClearsSetUserIdAndGroupExecutableSetGroupId() throws Exception {
        fs.chmod("/f", 06755);
        fs.chown("/f", 1000, -1);
        assertThat(fs.stat("/f").permissions()).isEqualTo(0755);
        fs.chmod("/f", 06745);
        fs.chown("/f", -1, 1000);
        assertThat(fs.stat("/f").permissions()).as("set-group-ID without group execute is a lock mark").isEqualTo(02745);
        long fd = fs.open("/f", OpenFlags.O_RDONLY, 0);
        fs.fchmod(fd, 04755);
        fs.fchown(fd, 0, 0);
        fs.close(fd);
        assertThat(fs.stat("/f").permissions()).isEqualTo(0755);
    }

    @Test
    void chownOfADirectoryKeepsItsBits() throws Exception {
        fs.chmod("/d", 03755);
        fs.chown("/d", 1000, 1000);
        assertThat(fs.stat("/d").permissions()).isEqualTo(03755);
    }
}
