package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.FALLOC_FL_KEEP_SIZE;
import static dev.pfs.core.OpenFlags.FALLOC_FL_PUNCH_HOLE;
import static dev.pfs.core.OpenFlags.FALLOC_FL_ZERO_RANGE;
import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_RDWR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.Errno;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Defect 6 of issue 11: a call's work is bounded by what exists, not by the range it names.
 * Before the fix {@code fallocate -l 512T} walked 2^33 block indexes under the mount's lock.
 */
class RangeCheckTest {
    private static final long TB512 = 512L << 40;

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void fallocateAndPunchHoleOf512TiBAreAnsweredWithoutWalkingTheRange() throws Exception {
        FaultyVolume v = FaultyVolume.create(64L << 20, 1);
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        try (Pfs fs = AbortPolicyTest.mount(v)) {
            long fd = fs.open("/f", O_CREAT | O_RDWR, 0644);
            fs.pwrite(fd, ByteBuffer.wrap(new byte[200_000]), 0);
            long freeBefore = fs.statfs().freeBlocks();
            assertThatThrownBy(() -> fs.fallocate(fd, 0, 0, TB512)).isInstanceOfSatisfying(PfsException.class,
                    e -> assertThat(e.errno()).isIn(Errno.ENOSPC, Errno.EFBIG));
            assertThatThrownBy(() -> fs.fallocate(fd, FALLOC_FL_KEEP_SIZE, 4096, Long.MAX_VALUE - 4096))
                    .isInstanceOf(PfsException.class);
            assertThat(fs.statfs().freeBlocks()).as("the failed call changed nothing").isEqualTo(freeBefore);
            assertThat(fs.fstat(fd).size()).isEqualTo(200_000);
            fs.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 65536, TB512);
            assertThat(fs.fstat(fd).blocks()).isEqualTo(65536 / 512);
            fs.fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, TB512);
            assertThat(fs.fstat(fd).size()).isEqualTo(200_000);
            assertThat(fs.fstat(fd).blocks()).isEqualTo(65536 / 512);
            fs.close(fd);
        }
        assertThat(Pfs.fsck(v, false).problems()).isEmpty();
    }
}
