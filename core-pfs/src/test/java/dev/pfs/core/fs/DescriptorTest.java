package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_RDONLY;
import static dev.pfs.core.OpenFlags.O_RDWR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.Errno;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Defect 3 of issue 11: descriptors are 64-bit, never alias a live one, and go stale with their inode. */
@Timeout(60)
class DescriptorTest {
    @Test
    void descriptorNumbersAreSixtyFourBitAndNeverAliasALiveOne() throws Exception {
        FaultyVolume v = FaultyVolume.create(64L << 20, 1);
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        try (Pfs fs = AbortPolicyTest.mount(v)) {
            long first = fs.open("/a", O_CREAT | O_RDWR, 0644);
            MountAccess.skipDescriptors(fs, Integer.MAX_VALUE - 1L);
            Set<Long> seen = new HashSet<>(Set.of(first));
            for (int i = 0; i < 4; i++) {
                long fd = fs.open("/b" + i, O_CREAT | O_RDWR, 0644);
                assertThat(fd).isPositive();
                assertThat(seen.add(fd)).as("descriptor %d is already open", fd).isTrue();
            }
            assertThat(seen.stream().mapToLong(Long::longValue).max().getAsLong()).isGreaterThan(Integer.MAX_VALUE);
            fs.pwrite(first, ByteBuffer.wrap(new byte[] {1}), 0);
            assertThat(fs.fstat(first).size()).isEqualTo(1);
        }
    }

    @Test
    void aReadOnlyDescriptorOfAFileWhoseInodeWasReusedFailsWithEstale() throws Exception {
        FaultyVolume v = FaultyVolume.create(64L << 20, 2);
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        Pfs rw = AbortPolicyTest.mount(v);
        long w = rw.open("/old", O_CREAT | O_RDWR, 0644);
        rw.pwrite(w, ByteBuffer.wrap("old data".getBytes()), 0);
        rw.fsync(w);
        rw.close(w);
        long oldIno = rw.stat("/old").ino();
        try (Pfs ro = Pfs.mount(v, new MountOptions(false, 1, Duration.ofSeconds(10), Duration.ofMillis(5)))) {
            long stale = ro.open("/old", O_RDONLY, 0);
            rw.unlink("/old");
            long reused = -1;
            for (int i = 0; i < 10_000 && reused != oldIno; i++) {
                long fd = rw.open("/new" + i, O_CREAT | O_RDWR, 0644);
                reused = rw.fstat(fd).ino();
                if (reused == oldIno) {
                    rw.pwrite(fd, ByteBuffer.wrap("NEW OWNER".getBytes()), 0);
                    rw.fsync(fd);
                } else {
                    rw.unlink("/new" + i);
                }
                rw.close(fd);
            }
            assertThat(reused).as("the allocator reuses the slot eventually").isEqualTo(oldIno);
            long ino = reused;
            // Wait for the new owner's name, not just the number: until the RO mount has replayed
            // the unlink, "/old" itself is listed with that inode number.
            assertThat(Await.within(20, () -> {
                try {
                    return ro.readdir("/").stream().anyMatch(e -> e.ino() == ino && e.name().startsWith("new"));
                } catch (PfsException e) {
                    return false;
                }
            })).isTrue();
            assertThatThrownBy(() -> ro.pread(stale, ByteBuffer.allocate(64), 0))
                    .isInstanceOfSatisfying(PfsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ESTALE));
            assertThatThrownBy(() -> ro.fstat(stale))
                    .isInstanceOfSatisfying(PfsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ESTALE));
            ro.close(stale);
        } finally {
            rw.close();
        }
    }
}
