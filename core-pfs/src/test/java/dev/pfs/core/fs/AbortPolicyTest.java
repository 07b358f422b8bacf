package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_RDONLY;
import static dev.pfs.core.OpenFlags.O_RDWR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.FaultRule;
import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.Errno;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Defects 1-4 of issue 11: a failed checkpoint, journal append or flush aborts the mount
 * (ext4's errors=remount-ro, XFS's shutdown); nothing a caller saw succeed is undone; a
 * failed flush or data write is reported to the next fsync of every file it covered.
 */
@Timeout(60)
class AbortPolicyTest {
    private static final MountOptions RW = new MountOptions(true, 0, Duration.ofMillis(200), Duration.ofMillis(20));

    private static FaultyVolume formatted(long seed) throws PfsException {
        FaultyVolume v = FaultyVolume.create(64L << 20, seed);
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        return v;
    }

    /** A RW mount whose lease clock stands still once won, with no background thread. */
    static Pfs mount(FaultyVolume v) throws PfsException {
        SteppedClock clock = new SteppedClock();
        return FileSystems.mount(v, RW, new FileSystems.MountHooks(clock, false, clock::freeze));
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] readAll(Pfs fs, String path) throws PfsException {
        long fd = fs.open(path, O_RDONLY, 0);
        try {
            ByteBuffer b = ByteBuffer.allocate((int) fs.fstat(fd).size());
            fs.pread(fd, b, 0);
            return b.array();
        } finally {
            fs.close(fd);
        }
    }

    /** @return a descriptor of /db holding one fsynced 64 KB block of seeded bytes */
    private static long fsyncedBlock(Pfs fs, long seed) throws PfsException {
        long fd = fs.open("/db", O_CREAT | O_RDWR, 0644);
        fs.pwrite(fd, ByteBuffer.wrap(random(65536, seed)), 0);
        fs.fsync(fd);
        return fd;
    }

    /** Fails every plain (non-FUA) write while armed: checkpoint sectors and file data, not the journal. */
    private static AtomicBoolean failPlainWrites(FaultyVolume v) {
        AtomicBoolean armed = new AtomicBoolean();
        v.fail((op, offset, length) -> armed.get() && op == FaultRule.Op.WRITE ? VolumeException.Kind.NO_SPACE : null);
        return armed;
    }

    @Test
    void aFailedCheckpointAbortsTheMountAndTheNextMountReplaysWhatItCouldNotWrite() throws Exception {
        FaultyVolume v = formatted(1);
        AtomicBoolean armed = failPlainWrites(v);
        byte[] data = random(200_000, 1);
        Pfs fs = mount(v);
        long fd = fs.open("/f", O_CREAT | O_RDWR, 0644);
        fs.write(fd, ByteBuffer.wrap(data));
        fs.fsync(fd);
        fs.close(fd);
        armed.set(true);
        assertThatThrownBy(() -> MountAccess.checkpoint(fs)).isInstanceOf(PfsException.class);
        armed.set(false);
        assertThat(readAll(fs, "/f")).as("reads of what is in memory go on").isEqualTo(data);
        assertThatThrownBy(() -> fs.mkdir("/after", 0755)).isInstanceOfSatisfying(PfsException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        fs.close();
        try (Pfs again = mount(v)) {
            assertThat(readAll(again, "/f")).isEqualTo(data);
        }
        assertThat(Pfs.fsck(v, false).problems()).isEmpty();
    }

    @Test
    void theJournalNeverOverwritesItsAnchorWhileCheckpointsFail() throws Exception {
        FaultyVolume v = formatted(2);
        AtomicBoolean armed = failPlainWrites(v);
        List<String> acknowledged = new ArrayList<>();
        Pfs fs = mount(v);
        armed.set(true);
        long root = fs.open("/", O_RDONLY, 0);
        for (int i = 0; i < 600; i++) {
            try {
                fs.mkdir("/d" + i, 0755);
                fs.fsync(root);
                acknowledged.add("/d" + i);
            } catch (PfsException e) {
                assertThat(e.errno()).isIn(Errno.EIO, Errno.ENOSPC);
            }
        }
        FaultyVolume after = v.restart();
        try (Pfs again = mount(after)) {
            for (String d : acknowledged) {
                assertThat(again.stat(d).nlink()).as("%s was fsynced", d).isEqualTo(2);
            }
        }
        assertThat(Pfs.fsck(after, false).problems()).isEmpty();
    }

    @Test
    void aFailedCommitUndoesNothingThatOtherCallersSawSucceed() throws Exception {
        FaultyVolume v = formatted(3);
        Pfs fs = mount(v);
        fs.mkdir("/seen", 0755);
        long fd = fs.open("/file", O_CREAT | O_RDWR, 0644);
        fs.chmod("/file", 0600);
        v.fail(FaultRule.nth(FaultRule.Op.FUA_WRITE, 1, VolumeException.Kind.IO));
        assertThatThrownBy(() -> fs.fsync(fd)).isInstanceOfSatisfying(PfsException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThat(fs.stat("/seen").nlink()).isEqualTo(2);
        assertThat(fs.stat("/file").mode() & 07777).isEqualTo(0600);
        assertThatThrownBy(() -> fs.mkdir("/later", 0755)).isInstanceOfSatisfying(PfsException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThatThrownBy(() -> fs.fsync(fd)).isInstanceOf(PfsException.class);
        fs.close();
        try (Pfs again = mount(v.restart())) {
            assertThat(again.readdir("/")).hasSizeLessThanOrEqualTo(2);
        }
    }

    @Test
    void aFailedFdatasyncFlushKeepsFailingInsteadOfReportingSuccessLater() throws Exception {
        FaultyVolume v = formatted(4);
        Pfs fs = mount(v);
        long fd = fs.open("/db", O_CREAT | O_RDWR, 0644);
        fs.pwrite(fd, ByteBuffer.wrap(random(8192, 4)), 0);
        fs.fsync(fd);
        long other = fs.open("/db", O_RDWR, 0);
        fs.pwrite(fd, ByteBuffer.wrap(random(4096, 5)), 0);
        v.fail(FaultRule.nth(FaultRule.Op.FLUSH, 1, VolumeException.Kind.IO));
        assertThatThrownBy(() -> fs.fdatasync(fd)).isInstanceOf(PfsException.class);
        assertThatThrownBy(() -> fs.fdatasync(fd)).as("the written data may be gone: no later success")
                .isInstanceOf(PfsException.class);
        assertThatThrownBy(() -> fs.fdatasync(other)).as("reported through every descriptor")
                .isInstanceOf(PfsException.class);
        fs.close();
    }

    @Test
    void aFailedDataWriteIsReportedToTheNextFsyncOfEveryDescriptorOfTheFile() throws Exception {
        FaultyVolume v = formatted(5);
        Pfs fs = mount(v);
        long fd = fsyncedBlock(fs, 6);
        long a = fs.open("/db", O_RDWR, 0);
        long b = fs.open("/db", O_RDWR, 0);
        v.fail(FaultRule.nth(FaultRule.Op.WRITE, 1, VolumeException.Kind.IO));
        assertThatThrownBy(() -> fs.pwrite(fd, ByteBuffer.wrap(random(4096, 7)), 4096))
                .isInstanceOfSatisfying(PfsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThatThrownBy(() -> fs.fdatasync(a)).isInstanceOfSatisfying(PfsException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThatThrownBy(() -> fs.fsync(b)).isInstanceOfSatisfying(PfsException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        fs.fdatasync(a);
        fs.pwrite(a, ByteBuffer.wrap(random(4096, 8)), 4096);
        fs.fsync(a);
        fs.close();
    }

    @Test
    void aFlushThatFailsInTheBackgroundTickIsReportedToTheFilesItCovered() throws Exception {
        FaultyVolume v = formatted(6);
        Pfs fs = mount(v);
        long fd = fsyncedBlock(fs, 9);
        fs.pwrite(fd, ByteBuffer.wrap(random(4096, 10)), 0);
        fs.mkdir("/pending", 0755);
        v.fail(FaultRule.nth(FaultRule.Op.FLUSH, 1, VolumeException.Kind.IO));
        try {
            MountAccess.tick(fs);
        } catch (PfsException expected) {
            // the tick has no caller to tell; the file's next fsync must
        }
        assertThatThrownBy(() -> fs.fdatasync(fd)).isInstanceOf(PfsException.class);
        fs.close();
    }
}
