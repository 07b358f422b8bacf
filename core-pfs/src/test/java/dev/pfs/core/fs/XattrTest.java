package dev.pfs.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.Caller;
import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.FsckReport;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Owner;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.layout.SuperblockDescriptor;
import dev.pfs.core.layout.Superblock;
import dev.pfs.core.meta.XattrTable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extended attributes in libpfs: Linux's limits and errors, the namespaces and permission
 * checks for a caller, durability across remounts, freeing with the inode, the per-inode and
 * per-volume limits, and format version 1 volumes without an xattr area. fsck after every test.
 */
@Timeout(60)
class XattrTest {
    private static final Caller ALICE = new Caller(1000, 1000);
    private static final Owner ALICE_OWNS = new Owner(1000, 1000);

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

    private void file(String path, int mode, Owner owner) throws PfsException {
        fs.close(fs.open(path, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, mode, owner));
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private byte[] get(String path, String name, Caller caller) throws PfsException {
        int size = fs.getxattr(path, false, name, ByteBuffer.allocate(0), caller);
        ByteBuffer b = ByteBuffer.allocate(size);
        assertThat(fs.getxattr(path, false, name, b, caller)).isEqualTo(size);
        return b.array();
    }

    private List<String> list(String path, Caller caller) throws PfsException {
        ByteBuffer b = ByteBuffer.allocate(fs.listxattr(path, false, ByteBuffer.allocate(0), caller));
        fs.listxattr(path, false, b, caller);
        String all = new String(b.array(), StandardCharsets.UTF_8);
        return all.isEmpty() ? List.of() : Arrays.asList(all.substring(0, all.length() - 1).split("\0"));
    }

    private static void fails(Errno errno, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(PfsException.class).extracting(e -> ((PfsException) e).errno())
                .isEqualTo(errno);
    }

    @Test
    void setGetListAndRemoveFollowLinuxRules() throws Exception {
        file("/f", 0644, Owner.ROOT);
        fs.setxattr("/f", "user.a", bytes("alpha"), 0);
        fs.setxattr("/f", "user.empty", ByteBuffer.allocate(0), 0);
        assertThat(new String(get("/f", "user.a", Caller.ROOT), StandardCharsets.UTF_8)).isEqualTo("alpha");
        assertThat(get("/f", "user.empty", Caller.ROOT)).isEmpty();
        assertThat(fs.getxattr("/f", "user.a", ByteBuffer.allocate(0))).as("size probe").isEqualTo(5);
        fails(Errno.ERANGE, () -> fs.getxattr("/f", "user.a", ByteBuffer.allocate(2)));
        fails(Errno.ENODATA, () -> fs.getxattr("/f", "user.none", ByteBuffer.allocate(10)));
        fails(Errno.EEXIST, () -> fs.setxattr("/f", "user.a", bytes("b"), Pfs.XATTR_CREATE));
        fails(Errno.ENODATA, () -> fs.setxattr("/f", "user.none", bytes("b"), Pfs.XATTR_REPLACE));
        fs.setxattr("/f", "user.a", bytes("beta"), Pfs.XATTR_REPLACE);
        assertThat(new String(get("/f", "user.a", Caller.ROOT), StandardCharsets.UTF_8)).isEqualTo("beta");
        assertThat(list("/f", Caller.ROOT)).containsExactly("user.a", "user.empty");
        assertThat(fs.listxattr("/f", ByteBuffer.allocate(0))).isEqualTo("user.a\0user.empty\0".length());
        fails(Errno.ERANGE, () -> fs.listxattr("/f", ByteBuffer.allocate(3)));
        fs.removexattr("/f", "user.a");
        fails(Errno.ENODATA, () -> fs.removexattr("/f", "user.a"));
        assertThat(list("/f", Caller.ROOT)).containsExactly("user.empty");
    }

    @Test
    void namesAndValuesHaveLinuxLimits() throws Exception {
        file("/f", 0644, Owner.ROOT);
        fails(Errno.ERANGE, () -> fs.setxattr("/f", "user." + "n".repeat(251), bytes("v"), 0));
        fails(Errno.ERANGE, () -> fs.setxattr("/f", "", bytes("v"), 0));
        fs.setxattr("/f", "user." + "n".repeat(250), bytes("v"), 0);
        fails(Errno.E2BIG, () -> fs.setxattr("/f", "user.big", ByteBuffer.allocate(65537), 0));
        fails(Errno.EINVAL, () -> fs.setxattr("/f", "user.", bytes("v"), 0));
        fails(Errno.EOPNOTSUPP, () -> fs.setxattr("/f", "nonsense.a", bytes("v"), 0));
        fails(Errno.EOPNOTSUPP, () -> fs.getxattr("/f", "system.posix_acl_access", ByteBuffer.allocate(0)));
        fails(Errno.EINVAL, () -> fs.setxattr("/f", "user.a", bytes("v"), 4));
        byte[] big = new byte[65536];
        new java.util.Random(7).nextBytes(big);
        fs.setxattr("/f", "user.big", ByteBuffer.wrap(big), 0);
        remount();
        assertThat(get("/f", "user.big", Caller.ROOT)).isEqualTo(big);
    }

    @Test
    void namespacesAndPermissionsAreCheckedForTheCaller() throws Exception {
        file("/mine", 0644, ALICE_OWNS);
        file("/roots", 0644, Owner.ROOT);
        fs.symlink("mine", "/link", ALICE_OWNS);
        fs.mknod("/fifo", FileType.FIFO.modeBits() | 0666, 0, ALICE_OWNS);
        fs.setxattr("/mine", true, "user.u", bytes("u"), 0, ALICE);
        fs.setxattr("/mine", true, "trusted.t", bytes("t"), 0, Caller.ROOT);
        fs.setxattr("/mine", true, "security.s", bytes("s"), 0, Caller.ROOT);
        fails(Errno.EPERM, () -> fs.setxattr("/mine", true, "trusted.x", bytes("t"), 0, ALICE));
        fails(Errno.EPERM, () -> fs.setxattr("/mine", true, "security.x", bytes("s"), 0, ALICE));
        fails(Errno.ENODATA, () -> fs.getxattr("/mine", true, "trusted.t", ByteBuffer.allocate(0), ALICE));
        assertThat(get("/mine", "security.s", ALICE)).containsExactly('s');
        assertThat(list("/mine", ALICE)).as("trusted.* is listed to root only").containsExactly("security.s", "user.u");
        assertThat(list("/mine", Caller.ROOT)).containsExactly("security.s", "trusted.t", "user.u");
        fails(Errno.EACCES, () -> fs.setxattr("/roots", true, "user.u", bytes("u"), 0, ALICE));
        fails(Errno.EPERM, () -> fs.setxattr("/link", false, "user.u", bytes("u"), 0, ALICE));
        fails(Errno.ENODATA, () -> fs.getxattr("/link", false, "user.u", ByteBuffer.allocate(0), ALICE));
        fails(Errno.EPERM, () -> fs.setxattr("/fifo", true, "user.u", bytes("u"), 0, ALICE));
        assertThat(fs.getxattr("/link", true, "user.u", ByteBuffer.allocate(1), ALICE))
                .as("a followed symlink reaches its target").isEqualTo(1);
        fs.mkdir("/sticky", 01777, Owner.ROOT);
        fails(Errno.EPERM, () -> fs.setxattr("/sticky", true, "user.u", bytes("u"), 0, ALICE));
        fs.setxattr("/sticky", true, "user.u", bytes("u"), 0, Caller.ROOT);
        fs.chmod("/roots", 0600);
        fs.setxattr("/roots", "user.r", bytes("r"), 0);
        fails(Errno.EACCES, () -> fs.getxattr("/roots", true, "user.r", ByteBuffer.allocate(0), ALICE));
        long fd = fs.open("/mine", OpenFlags.O_RDONLY, 0);
        fs.fsetxattr(fd, "user.fd", bytes("fd"), 0, ALICE);
        assertThat(fs.fgetxattr(fd, "user.fd", ByteBuffer.allocate(0), ALICE)).isEqualTo(2);
        fs.fremovexattr(fd, "user.fd", ALICE);
        assertThat(fs.flistxattr(fd, ByteBuffer.allocate(0), ALICE)).isEqualTo("security.s\0user.u\0".length());
        fs.close(fd);
    }

    @Test
    void settingOrRemovingAnAttributeChangesCtime() throws Exception {
        file("/f", 0644, Owner.ROOT);
        fs.utimens("/f", 1, 1);
        long before = fs.stat("/f").ctimeNs();
        fs.setxattr("/f", "user.a", bytes("a"), 0);
        long set = fs.stat("/f").ctimeNs();
        assertThat(set).isGreaterThanOrEqualTo(before);
        fs.chmod("/f", 0644);
        long chmod = fs.stat("/f").ctimeNs();
        fs.removexattr("/f", "user.a");
        assertThat(fs.stat("/f").ctimeNs()).isGreaterThanOrEqualTo(chmod);
        assertThat(fs.stat("/f").mtimeNs()).as("mtime stays").isEqualTo(1);
    }

    @Test
    void attributesSurviveRemountAndAreSharedByHardLinks() throws Exception {
        file("/f", 0644, Owner.ROOT);
        fs.mkdir("/d", 0755);
        fs.setxattr("/f", "user.a", bytes("one"), 0);
        fs.setxattr("/d", "user.d", bytes("dir"), 0);
        fs.link("/f", "/g");
        fs.rename("/f", "/h");
        remount();
        assertThat(get("/g", "user.a", Caller.ROOT)).isEqualTo("one".getBytes(StandardCharsets.UTF_8));
        assertThat(get("/h", "user.a", Caller.ROOT)).isEqualTo("one".getBytes(StandardCharsets.UTF_8));
        assertThat(get("/d", "user.d", Caller.ROOT)).isEqualTo("dir".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void removingAFileFreesItsAttributes() throws Exception {
        file("/f", 0644, Owner.ROOT);
        fs.setxattr("/f", "user.big", ByteBuffer.allocate(20000), 0);
        fs.setxattr("/f", "user.small", bytes("s"), 0);
        XattrTable table = ((PfsMount) fs).state().store.xattrs();
        assertThat(table.usedSlots()).isGreaterThan(40);
        long fd = fs.open("/f", OpenFlags.O_RDONLY, 0);
        fs.unlink("/f");
        assertThat(fs.fgetxattr(fd, "user.small", ByteBuffer.allocate(0), Caller.ROOT))
                .as("an open unlinked file keeps its attributes").isEqualTo(1);
        fs.close(fd);
        assertThat(table.usedSlots()).isZero();
        file("/f", 0644, Owner.ROOT);
        remount();
        assertThat(list("/f", Caller.ROOT)).isEmpty();
        assertThat(((PfsMount) fs).state().store.xattrs().usedSlots()).isZero();
    }

    @Test
    void replacingAValueReusesItsSlots() throws Exception {
        file("/f", 0644, Owner.ROOT);
        XattrTable table = ((PfsMount) fs).state().store.xattrs();
        fs.setxattr("/f", "user.v", ByteBuffer.allocate(60000), 0);
        long big = table.usedSlots();
        fs.setxattr("/f", "user.v", bytes("small"), 0);
        assertThat(table.usedSlots()).isEqualTo(1);
        fs.setxattr("/f", "user.v", ByteBuffer.allocate(60000), 0);
        assertThat(table.usedSlots()).isEqualTo(big);
    }

    @Test
    void tooManyAttributesOnOneInodeFailWithEnospc() throws Exception {
        file("/f", 0644, Owner.ROOT);
        fs.setxattr("/f", "user.a", ByteBuffer.allocate(65536), 0);
        fails(Errno.ENOSPC, () -> fs.setxattr("/f", "user.b", ByteBuffer.allocate(65536), 0));
        fs.setxattr("/f", "user.c", ByteBuffer.allocate(4000), 0);
        file("/g", 0644, Owner.ROOT);
        fs.setxattr("/g", "user.b", ByteBuffer.allocate(65536), 0);
        assertThat(list("/f", Caller.ROOT)).containsExactly("user.a", "user.c");
    }

    @Test
    void aFullVolumeRefusesNewAttributesWithEnospc() throws Exception {
        int files = 0;
        PfsException full = null;
        while (full == null && files < 1000) {
            String p = "/f" + files++;
            file(p, 0644, Owner.ROOT);
            try {
                fs.setxattr(p, "user.v", ByteBuffer.allocate(65536), 0);
            } catch (PfsException e) {
                full = e;
            }
        }
        assertThat(full).isNotNull();
        assertThat(full.errno()).isEqualTo(Errno.ENOSPC);
        fs.setxattr("/f0", "user.v", bytes("small"), 0);
        fs.setxattr("/f" + (files - 1), "user.v", ByteBuffer.allocate(40000), 0);
    }

    @Test
    void aReadOnlyMountReadsAttributesAndRefusesChanges() throws Exception {
        file("/f", 0644, Owner.ROOT);
        fs.setxattr("/f", "user.a", bytes("ro"), 0);
        fs.close();
        fs = Pfs.mount(volume, MountOptions.readOnly(1));
        assertThat(get("/f", "user.a", Caller.ROOT)).isEqualTo("ro".getBytes(StandardCharsets.UTF_8));
        fails(Errno.EROFS, () -> fs.setxattr("/f", "user.b", bytes("b"), 0));
        fails(Errno.EROFS, () -> fs.removexattr("/f", "user.a"));
    }

    @Test
    void aFormatVersion1VolumeMountsWithoutAttributes() throws Exception {
        file("/f", 0644, Owner.ROOT);
        fs.close();
        Superblock sb = VolumeLoader.readSuperblock(volume);
        Superblock v1 = new Superblock(1, sb.uuid(), sb.volumeSize(), sb.chunkSize(), sb.blockSize(), sb.maxHosts(),
                sb.paxosOffset(), sb.paxosSize(), sb.journalOffset(), sb.journalSize(), sb.inodesPerChunk(),
                sb.direntsPerChunk(), sb.tagsPerChunk(), sb.createdNs(), 0);
        Formatter.commit(volume, v1);
        fs = Pfs.mount(volume, MountOptions.readWrite(0));
        assertThat(Pfs.info(volume).formatVersion()).isEqualTo(1);
        assertThat(list("/f", Caller.ROOT)).isEmpty();
        fails(Errno.ENODATA, () -> fs.getxattr("/f", "user.a", ByteBuffer.allocate(0)));
        fails(Errno.EOPNOTSUPP, () -> fs.setxattr("/f", "user.a", bytes("v"), 0));
        assertThat(SuperblockDescriptor.FORMAT_VERSION).isEqualTo(2);
    }

    @Test
    void aVersion1SuperblockWithAnXattrAreaIsRejectedAsCorrupt() throws Exception {
        fs.close();
        Superblock sb = VolumeLoader.readSuperblock(volume);
        Superblock bad = new Superblock(1, sb.uuid(), sb.volumeSize(), sb.chunkSize(), sb.blockSize(), sb.maxHosts(),
                sb.paxosOffset(), sb.paxosSize(), sb.journalOffset(), sb.journalSize(), sb.inodesPerChunk(),
                sb.direntsPerChunk(), sb.tagsPerChunk(), sb.createdNs(), sb.xattrsPerChunk());
        Formatter.commit(volume, bad);
        fails(Errno.EINVAL, () -> Pfs.mount(volume, MountOptions.readWrite(0)));
        Formatter.commit(volume, sb);
        fs = Pfs.mount(volume, MountOptions.readWrite(0));
    }
}
