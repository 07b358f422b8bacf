package dev.pfs.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.FsckReport;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Owner;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calls a FUSE low-level mount needs beyond the path API: owners given at creation,
 * special files, renameat2's flags, attribute calls on descriptors (which work on an unlinked
 * open file), linkat, and the times and owner of a symlink itself. fsck after every test.
 */
@Timeout(60)
class InodeCallsTest {
    private static final Owner ALICE = new Owner(1000, 1001);

    @TempDir
    Path dir;
    private FileVolume volume;
    private Pfs fs;

    @BeforeEach
    void mount() throws Exception {
        volume = FileVolume.create(dir.resolve("v.img"), 64L << 20);
        Pfs.mkfs(volume, new MkfsOptions(16L << 20, 8));
        fs = Pfs.mount(volume, MountOptions.readWrite(0));
    }

    @AfterEach
    void unmountAndCheck() throws Exception {
        fs.close();
        FsckReport r = Pfs.fsck(volume, false);
        volume.close();
        assertThat(r.problems()).as("fsck after the test").isEmpty();
    }

    private void remount() throws Exception {
        fs.close();
        fs = Pfs.mount(volume, MountOptions.readWrite(0));
    }

    @Test
    void createdInodesBelongToTheirOwnerFromTheStart() throws Exception {
        fs.close(fs.open("/f", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0640, ALICE));
        fs.mkdir("/d", 02750, ALICE);
        fs.symlink("f", "/l", ALICE);
        remount();
        for (String p : new String[] {"/f", "/d", "/l"}) {
            PfsStat st = fs.lstat(p);
            assertThat(st.uid()).as(p).isEqualTo(1000);
            assertThat(st.gid()).as(p).isEqualTo(1001);
        }
        assertThat(fs.stat("/d").permissions()).isEqualTo(02750);
        long fd = fs.open("/f", OpenFlags.O_CREAT | OpenFlags.O_RDWR, 0600, new Owner(7, 7));
        fs.close(fd);
        assertThat(fs.stat("/f").uid()).as("an existing file keeps its owner").isEqualTo(1000);
    }

    @Test
    void mknodStoresFifosSocketsAndDevicesAsSuch() throws Exception {
        fs.mknod("/fifo", FileType.FIFO.modeBits() | 0644, 0, ALICE);
        fs.mknod("/sock", FileType.SOCKET.modeBits() | 0755, 0, Owner.ROOT);
        fs.mknod("/null", FileType.CHAR_DEVICE.modeBits() | 0666, (1 << 8) | 3, Owner.ROOT);
        fs.mknod("/sda", FileType.BLOCK_DEVICE.modeBits() | 0660, 8 << 8, Owner.ROOT);
        fs.mknod("/plain", FileType.REGULAR.modeBits() | 0600, 0, Owner.ROOT);
        remount();
        assertThat(fs.lstat("/fifo").type()).isEqualTo(FileType.FIFO);
        assertThat(fs.lstat("/fifo").uid()).isEqualTo(1000);
        assertThat(fs.lstat("/sock").type()).isEqualTo(FileType.SOCKET);
        assertThat(fs.lstat("/null").type()).isEqualTo(FileType.CHAR_DEVICE);
        assertThat(fs.lstat("/null").rdev()).isEqualTo((1 << 8) | 3);
        assertThat(fs.lstat("/sda").type()).isEqualTo(FileType.BLOCK_DEVICE);
        assertThat(fs.lstat("/sda").rdev()).isEqualTo(8 << 8);
        assertThat(fs.lstat("/plain").type()).isEqualTo(FileType.REGULAR);
        assertThat(fs.readdir("/")).extracting(e -> e.name() + ":" + e.type())
                .contains("fifo:FIFO", "sock:SOCKET", "null:CHAR_DEVICE", "sda:BLOCK_DEVICE");
        assertThatThrownBy(() -> fs.mknod("/d", FileType.DIRECTORY.modeBits() | 0755, 0, Owner.ROOT))
                .isInstanceOf(PfsException.class).extracting(e -> ((PfsException) e).errno()).isEqualTo(Errno.EINVAL);
        assertThatThrownBy(() -> fs.mknod("/fifo", FileType.FIFO.modeBits() | 0644, 0, Owner.ROOT))
                .extracting(e -> ((PfsException) e).errno()).isEqualTo(Errno.EEXIST);
        fs.unlink("/fifo");
        fs.unlink("/null");
    }

    @Test
    void renameNoReplaceRefusesAnExistingTargetAndChangesNothing() throws Exception {
        write("/a", "A");
        write("/b", "B");
        assertThatThrownBy(() -> fs.rename("/a", "/b", Pfs.RENAME_NOREPLACE))
                .extracting(e -> ((PfsException) e).errno()).isEqualTo(Errno.EEXIST);
        assertThat(read("/a")).isEqualTo("A");
        assertThat(read("/b")).isEqualTo("B");
        fs.rename("/a", "/c", Pfs.RENAME_NOREPLACE);
        assertThat(read("/c")).isEqualTo("A");
        assertThatThrownBy(() -> fs.rename("/c", "/d", 4))
                .extracting(e -> ((PfsException) e).errno()).isEqualTo(Errno.EINVAL);
    }

    @Test
    void renameExchangeSwapsTwoNamesAtomicallyAcrossDirectories() throws Exception {
        fs.mkdir("/x", 0755);
        fs.mkdir("/y", 0755);
        fs.mkdir("/y/sub", 0755);
        write("/x/file", "F");
        fs.rename("/x/file", "/y/sub", Pfs.RENAME_EXCHANGE);
        assertThat(fs.lstat("/x/file").type()).isEqualTo(FileType.DIRECTORY);
        assertThat(read("/y/sub")).isEqualTo("F");
        assertThat(fs.stat("/x").nlink()).as("x gained a subdirectory").isEqualTo(3);
        assertThat(fs.stat("/y").nlink()).as("y lost one").isEqualTo(2);
        assertThatThrownBy(() -> fs.rename("/x/file", "/nope", Pfs.RENAME_EXCHANGE))
                .extracting(e -> ((PfsException) e).errno()).isEqualTo(Errno.ENOENT);
        assertThatThrownBy(() -> fs.rename("/x", "/x/file", Pfs.RENAME_EXCHANGE))
                .extracting(e -> ((PfsException) e).errno()).isEqualTo(Errno.EINVAL);
        remount();
        assertThat(read("/y/sub")).isEqualTo("F");
        assertThat(fs.lstat("/x/file").type()).isEqualTo(FileType.DIRECTORY);
    }

    @Test
    void attributeCallsOnADescriptorWorkAfterTheLastNameIsGone() throws Exception {
        write("/f", "data");
        long fd = fs.open("/f", OpenFlags.O_RDWR, 0);
        fs.unlink("/f");
        fs.fchmod(fd, 0604);
        fs.fchown(fd, 5, 6);
        fs.futimens(fd, 1_000_000_000L, 2_000_000_000L);
        PfsStat st = fs.fstat(fd);
        assertThat(st.permissions()).isEqualTo(0604);
        assertThat(st.uid()).isEqualTo(5);
        assertThat(st.gid()).isEqualTo(6);
        assertThat(st.atimeNs()).isEqualTo(1_000_000_000L);
        assertThat(st.mtimeNs()).isEqualTo(2_000_000_000L);
        assertThatThrownBy(() -> fs.linkat(fd, "/back"))
                .as("an unlinked file cannot get a name back (Linux: ENOENT without O_TMPFILE)")
                .extracting(e -> ((PfsException) e).errno()).isEqualTo(Errno.ENOENT);
        fs.close(fd);
    }

    @Test
    void linkatNamesAnOpenFile() throws Exception {
        write("/f", "data");
        long fd = fs.open("/f", OpenFlags.O_RDONLY, 0);
        fs.linkat(fd, "/g");
        fs.close(fd);
        assertThat(fs.stat("/f").nlink()).isEqualTo(2);
        assertThat(read("/g")).isEqualTo("data");
    }

    @Test
    void symlinkTimesAndOwnerChangeTheLinkNotItsTarget() throws Exception {
        write("/t", "target");
        fs.symlink("t", "/l");
        PfsStat before = fs.stat("/t");
        fs.lutimens("/l", 1_000_000_000L, 3_000_000_000L);
        fs.lchown("/l", 9, 9);
        assertThat(fs.lstat("/l").mtimeNs()).isEqualTo(3_000_000_000L);
        assertThat(fs.lstat("/l").uid()).isEqualTo(9);
        assertThat(fs.stat("/t").mtimeNs()).isEqualTo(before.mtimeNs());
        assertThat(fs.stat("/t").uid()).isZero();
    }

    @Test
    void seekDataAndHoleFollowTheBlockMap() throws Exception {
        long fd = fs.creat("/sparse", 0644);
        fs.pwrite(fd, ByteBuffer.wrap(new byte[65536]), 0);
        fs.pwrite(fd, ByteBuffer.wrap(new byte[65536]), 262144);
        fs.fallocate(fd, OpenFlags.FALLOC_FL_KEEP_SIZE, 131072, 65536);
        assertThat(fs.lseek(fd, 0, OpenFlags.SEEK_DATA)).isZero();
        assertThat(fs.lseek(fd, 100, OpenFlags.SEEK_HOLE)).isEqualTo(65536);
        assertThat(fs.lseek(fd, 65536, OpenFlags.SEEK_DATA)).as("an unwritten block is a hole").isEqualTo(262144);
        assertThat(fs.lseek(fd, 262144, OpenFlags.SEEK_HOLE)).as("the end is a hole").isEqualTo(327680);
        assertThatThrownBy(() -> fs.lseek(fd, 327680, OpenFlags.SEEK_DATA))
                .extracting(e -> ((PfsException) e).errno()).isEqualTo(Errno.ENXIO);
        fs.close(fd);
    }

    private void write(String path, String s) throws PfsException {
        long fd = fs.creat(path, 0644);
        fs.write(fd, ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
        fs.close(fd);
    }

    private String read(String path) throws PfsException {
        long fd = fs.open(path, OpenFlags.O_RDONLY, 0);
        ByteBuffer b = ByteBuffer.allocate(64);
        fs.read(fd, b);
        fs.close(fd);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }
}
