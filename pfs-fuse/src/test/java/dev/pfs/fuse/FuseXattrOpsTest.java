package dev.pfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Owner;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.fuse.kernel.FuseFrames;
import dev.pfs.fuse.kernel.FuseOpcode;
import dev.pfs.fuse.kernel.FuseReplyDescriptor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * GETXATTR, LISTXATTR, SETXATTR and REMOVEXATTR as /dev/fuse delivers them, on real libpfs
 * over a file volume: size probes answered with fuse_getxattr_out, ERANGE for a small buffer,
 * the caller's uid deciding what it may see and change, symlinks reached by path.
 */
@Timeout(60)
class FuseXattrOpsTest {
    private static final int ERANGE = -34;
    private static final int ENODATA = -61;
    private static final int EPERM = -1;

    @TempDir
    Path dir;
    private FileVolume volume;
    private Pfs pfs;
    private PfsFuseOps ops;
    private final FuseFrames frames = new FuseFrames();
    private long file;
    private long link;
    private int sent;

    @BeforeEach
    void mount() throws Exception {
        volume = FileVolume.create(dir.resolve("v.img"), 64L << 20);
        Pfs.mkfs(volume, new MkfsOptions(16L << 20, 8));
        pfs = Pfs.mount(volume, MountOptions.readWrite(0));
        pfs.close(pfs.open("/f", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644, new Owner(1000, 1000)));
        pfs.symlink("f", "/l", new Owner(1000, 1000));
        ops = new PfsFuseOps(pfs, FuseMountOptions.defaults("test"));
        file = lookup("f");
        link = lookup("l");
    }

    @AfterEach
    void unmount() throws Exception {
        pfs.close();
        assertThat(Pfs.fsck(volume, false).problems()).isEmpty();
        volume.close();
    }

    private int handle(FuseFrames f) throws Exception {
        ops.handle(f.request(), frames.reply());
        return frames.error(sent++);
    }

    private long lookup(String name) throws Exception {
        assertThat(handle(frames.start(FuseOpcode.LOOKUP, 1, 0, 0).putString(name, true))).isZero();
        return frames.replyLong(sent - 1, FuseReplyDescriptor.ENTRY_NODEID);
    }

    private int set(long node, int uid, String name, String value) throws Exception {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        return handle(frames.start(FuseOpcode.SETXATTR, node, uid, uid).putInt(v.length).putInt(0)
                .putString(name, true).putBytes(v));
    }

    private int get(long node, int uid, String name, int size) throws Exception {
        return handle(frames.start(FuseOpcode.GETXATTR, node, uid, uid).putInt(size).putInt(0).putString(name, true));
    }

    private int list(long node, int uid, int size) throws Exception {
        return handle(frames.start(FuseOpcode.LISTXATTR, node, uid, uid).putInt(size).putInt(0));
    }

    private byte[] lastBody() {
        byte[] r = frames.sent().get(sent - 1);
        return Arrays.copyOfRange(r, FuseReplyDescriptor.BODY, r.length);
    }

    @Test
    void sizeProbesGetTheSizeAndASmallBufferErange() throws Exception {
        assertThat(set(file, 1000, "user.a", "alpha")).isZero();
        assertThat(get(file, 1000, "user.a", 0)).isZero();
        assertThat(lastBody()).as("fuse_getxattr_out").hasSize(FuseReplyDescriptor.GETXATTR_LENGTH);
        assertThat(frames.replyInt(sent - 1, 0)).isEqualTo(5);
        assertThat(get(file, 1000, "user.a", 2)).isEqualTo(ERANGE);
        assertThat(get(file, 1000, "user.a", 100)).isZero();
        assertThat(new String(lastBody(), StandardCharsets.UTF_8)).isEqualTo("alpha");
        assertThat(get(file, 1000, "user.none", 100)).isEqualTo(ENODATA);
        assertThat(list(file, 1000, 0)).isZero();
        assertThat(frames.replyInt(sent - 1, 0)).isEqualTo("user.a\0".length());
        assertThat(list(file, 1000, 3)).isEqualTo(ERANGE);
    }

    @Test
    void theCallersUidDecidesWhatItMaySeeAndChange() throws Exception {
        assertThat(set(file, 0, "trusted.t", "t")).isZero();
        assertThat(set(file, 1000, "trusted.u", "u")).isEqualTo(EPERM);
        assertThat(set(file, 1000, "user.a", "a")).isZero();
        assertThat(list(file, 1000, 4096)).isZero();
        assertThat(new String(lastBody(), StandardCharsets.UTF_8)).isEqualTo("user.a\0");
        assertThat(list(file, 0, 4096)).isZero();
        assertThat(new String(lastBody(), StandardCharsets.UTF_8)).isEqualTo("trusted.t\0user.a\0");
        assertThat(handle(frames.start(FuseOpcode.REMOVEXATTR, file, 1000, 1000).putString("user.a", true))).isZero();
        assertThat(get(file, 1000, "user.a", 0)).isEqualTo(ENODATA);
    }

    @Test
    void theKernelsPermissionCheckStandsForASupplementaryGroup() throws Exception {
        pfs.close(pfs.open("/shared", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0664, new Owner(0, 4321)));
        long shared = lookup("shared");
        assertThat(set(shared, 1000, "user.g", "g"))
                .as("the kernel let a member of group 4321 through; libpfs does not know the group").isZero();
        assertThatThrownBy(() -> pfs.setxattr("/shared", true, "user.h", ByteBuffer.wrap(new byte[1]), 0,
                new dev.pfs.core.Caller(1000, 1000))).isInstanceOf(PfsException.class)
                .hasMessageContaining("permission denied");
    }

    private long open(long node) throws Exception {
        assertThat(handle(frames.start(FuseOpcode.OPEN, node, 1000, 1000).putInt(OpenFlags.O_WRONLY).putInt(0)))
                .isZero();
        return frames.replyLong(sent - 1, FuseReplyDescriptor.OPEN_FH);
    }

    private int write(long node, long fh, int writeFlags) throws Exception {
        return handle(frames.start(FuseOpcode.WRITE, node, 1000, 1000).putLong(fh).putLong(0).putInt(1)
                .putInt(writeFlags).putLong(0).putInt(0).putInt(0).putBytes(new byte[] {'w'}));
    }

    @Test
    void aWriteTheKernelFlagsClearsSetIdBitsAndFileCapabilities() throws Exception {
        pfs.chmod("/f", 06775);
        pfs.setxattr("/f", "security.capability", ByteBuffer.wrap(new byte[] {1, 2}), 0);
        long fh = open(file);
        assertThat(write(file, fh, 0)).as("a write by a caller with CAP_FSETID").isZero();
        assertThat(pfs.stat("/f").permissions()).isEqualTo(06775);
        assertThat(write(file, fh, 1 << 2)).as("FUSE_WRITE_KILL_SUIDGID").isZero();
        assertThat(pfs.stat("/f").permissions()).isEqualTo(0775);
        assertThat(pfs.listxattr("/f", ByteBuffer.allocate(0))).as("the capability is gone").isZero();
        pfs.chmod("/f", 06745);
        assertThat(handle(frames.start(FuseOpcode.SETATTR, file, 1000, 1000).putInt((1 << 3) | (1 << 11)).putInt(0)
                .putLong(0).putLong(0).putLong(0).putLong(0).putLong(0).putLong(0).putInt(0).putInt(0).putInt(0).putInt(0)
                .putInt(0).putInt(0).putInt(0).putInt(0))).as("truncate with FATTR_KILL_SUIDGID").isZero();
        assertThat(pfs.stat("/f").permissions()).as("set-group-ID stays without group execute").isEqualTo(02745);
    }

    @Test
    void aSymlinkIsReachedItselfNotItsTarget() throws Exception {
        assertThat(set(link, 1000, "user.a", "a")).as("user.* on a symlink").isEqualTo(EPERM);
        assertThat(set(link, 0, "trusted.l", "l")).isZero();
        assertThat(pfs.getxattr("/l", false, "trusted.l", ByteBuffer.allocate(0), dev.pfs.core.Caller.ROOT))
                .isEqualTo(1);
        assertThat(list(file, 0, 0)).isZero();
        assertThat(frames.replyInt(sent - 1, 0)).as("the target has none").isZero();
    }
}
