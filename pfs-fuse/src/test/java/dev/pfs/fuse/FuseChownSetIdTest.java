package dev.pfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Owner;
import dev.pfs.core.Pfs;
import dev.pfs.fuse.kernel.FuseFrames;
import dev.pfs.fuse.kernel.FuseOpcode;
import dev.pfs.fuse.kernel.FuseReplyDescriptor;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SETATTR as the kernel sends it for chown(2) with FUSE_HANDLE_KILLPRIV_V2, on real libpfs: the
 * set-ID bits a chown drops, as ext4 drops them on Linux 6 (the POSIX suite checks the same
 * cases through a real mount against ext4).
 */
@Timeout(60)
class FuseChownSetIdTest {
    private static final int EPERM = -1;
    private static final int FATTR_UID = 1 << 1;
    private static final int FATTR_GID = 1 << 2;
    private static final int FATTR_KILL_SUIDGID = 1 << 11;

    @TempDir
    Path dir;
    private FileVolume volume;
    private Pfs pfs;
    private PfsFuseOps ops;
    private final FuseFrames frames = new FuseFrames();
    private int sent;

    @BeforeEach
    void mount() throws Exception {
        volume = FileVolume.create(dir.resolve("v.img"), 64L << 20);
        Pfs.mkfs(volume, new MkfsOptions(16L << 20, 8));
        pfs = Pfs.mount(volume, MountOptions.readWrite(0));
        ops = new PfsFuseOps(pfs, FuseMountOptions.defaults("test"));
    }

    @AfterEach
    void unmount() throws Exception {
        pfs.close();
        assertThat(Pfs.fsck(volume, false).problems()).isEmpty();
        volume.close();
    }

    private long file(String name, int mode, int uid, int gid) throws Exception {
        pfs.close(pfs.open("/" + name, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644, new Owner(uid, gid)));
        pfs.chmod("/" + name, mode);
        ops.handle(frames.start(FuseOpcode.LOOKUP, 1, 0, 0).putString(name, true).request(), frames.reply());
        assertThat(frames.error(sent++)).isZero();
        return frames.replyLong(sent - 1, FuseReplyDescriptor.ENTRY_NODEID);
    }

    /** SETATTR of owner and group (-1: not set) by caller {@code uid}:{@code uid}, with {@code valid} bits. */
    private int chown(long node, int callerUid, int valid, int uid, int gid) throws Exception {
        ops.handle(frames.start(FuseOpcode.SETATTR, node, callerUid, callerUid).putInt(valid).putInt(0)
                .putLong(0).putLong(0).putLong(0).putLong(0).putLong(0).putLong(0)
                .putInt(0).putInt(0).putInt(0).putInt(0).putInt(0).putInt(uid).putInt(gid).putInt(0).request(),
                frames.reply());
        return frames.error(sent++);
    }

    @Test
    void chownOfNothingByTheOwnerDropsSetUserIdAndGroupExecutableSetGroupId() throws Exception {
        long f = file("f", 06755, 1000, 1000);
        assertThat(chown(f, 1000, 0, 0, 0)).as("chown(f, -1, -1) arrives as a SETATTR that sets nothing").isZero();
        assertThat(pfs.stat("/f").permissions()).isEqualTo(0755);
        long g = file("g", 02745, 1000, 1000);
        assertThat(chown(g, 1000, 0, 0, 0)).isZero();
        assertThat(pfs.stat("/g").permissions()).as("kept: not group-executable, the owner in the group").isEqualTo(02745);
    }

    @Test
    void chownOfNothingByANonOwnerIsRefusedUnlessItMayWriteTheFile() throws Exception {
        long f = file("f", 06755, 0, 0);
        assertThat(chown(f, 1000, 0, 0, 0)).as("Linux makes the drop a mode change: the owner's").isEqualTo(EPERM);
        assertThat(pfs.stat("/f").permissions()).isEqualTo(06755);
        long w = file("w", 06757, 0, 0);
        assertThat(chown(w, 1000, 0, 0, 0)).as("a writer's file_remove_privs").isZero();
        assertThat(pfs.stat("/w").permissions()).isEqualTo(0757);
        long plain = file("p", 0644, 0, 0);
        assertThat(chown(plain, 1000, 0, 0, 0)).as("nothing to drop").isZero();
    }

    @Test
    void aChgrpByANonMemberOfTheOldGroupDropsSetGroupIdEvenWithoutGroupExecute() throws Exception {
        long f = file("f", 02745, 1000, 0);
        assertThat(chown(f, 1000, FATTR_GID | FATTR_KILL_SUIDGID, 0, 1000)).isZero();
        assertThat(pfs.stat("/f").permissions()).isEqualTo(0745);
        assertThat(pfs.stat("/f").gid()).isEqualTo(1000);
    }

    @Test
    void rootsChownKeepsSetGroupIdWithoutGroupExecuteThoughTheKernelFlagsIt() throws Exception {
        long f = file("f", 06745, 1000, 4321);
        assertThat(chown(f, 0, FATTR_UID | FATTR_GID | FATTR_KILL_SUIDGID, 2000, 4321)).isZero();
        assertThat(pfs.stat("/f").permissions()).as("set-user-ID dropped, set-group-ID kept").isEqualTo(02745);
        assertThat(pfs.stat("/f").uid()).isEqualTo(2000);
    }
}
