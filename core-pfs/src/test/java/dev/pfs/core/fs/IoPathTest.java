package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_RDWR;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** What the hot paths cost in volume requests (the benchmark's premises, as counts not timings). */
class IoPathTest {
    @Test
    void overwriteOfAnAllocatedBlockPlusFdatasyncIsOneWriteAndOneFlush() throws Exception {
        CountingVolume v = new CountingVolume(FaultyVolume.create(64L << 20, 1));
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        try (Pfs fs = Pfs.mount(v, MountOptions.readWrite(0))) {
            long fd = fs.open("/db", O_CREAT | O_RDWR, 0644);
            fs.pwrite(fd, ByteBuffer.allocateDirect(1 << 20), 0);
            fs.fsync(fd);
            for (int i = 0; i < 10; i++) {
                v.reset();
                fs.pwrite(fd, ByteBuffer.allocateDirect(4096), 4096L * (i * 7 % 256));
                fs.fdatasync(fd);
                assertThat(v.writeLengths).as("writes of round %d", i).containsExactly(4096L);
                assertThat(v.flushes).as("flushes of round %d", i).isEqualTo(1);
                assertThat(v.fuaWrites).isZero();
            }
            fs.close(fd);
        }
    }

    @Test
    void sequentialMegabyteWritesGoToTheVolumeAsLargeIos() throws Exception {
        CountingVolume v = new CountingVolume(FaultyVolume.create(64L << 20, 2));
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        try (Pfs fs = Pfs.mount(v, MountOptions.readWrite(0))) {
            long fd = fs.open("/seq", O_CREAT | O_RDWR, 0644);
            v.reset();
            for (int i = 0; i < 8; i++) {
                fs.write(fd, ByteBuffer.allocateDirect(1 << 20));
            }
            long dataWrites = v.writeLengths.stream().filter(n -> n >= (1 << 20)).count();
            assertThat(dataWrites).as("1 MB writes among %s", v.writeLengths).isGreaterThanOrEqualTo(6);
            fs.fsync(fd);
            fs.close(fd);
        }
    }
}
