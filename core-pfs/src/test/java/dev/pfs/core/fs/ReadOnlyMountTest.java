package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_RDONLY;
import static dev.pfs.core.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The RO half of must-show 3: a RO mount follows the RW mount's journal, across checkpoints. */
@Timeout(60)
class ReadOnlyMountTest {
    private static final Duration POLL = Duration.ofMillis(10);

    private static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("RO mount should see: " + what).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static int sizeOr(Pfs fs, String path) {
        try {
            long fd = fs.open(path, O_RDONLY, 0);
            try {
                ByteBuffer b = ByteBuffer.allocate(64);
                fs.pread(fd, b, 0);
                return b.position() == 0 ? 0 : b.get(0);
            } finally {
                fs.close(fd);
            }
        } catch (PfsException e) {
            return -1;
        }
    }

    @Test
    void readOnlyMountFollowsChangesAcrossCheckpoints() throws Exception {
        FaultyVolume v = FaultyVolume.create(64L << 20, 5);
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        CountingVolume roView = new CountingVolume(v);
        try (Pfs rw = Pfs.mount(v, MountOptions.readWrite(0));
             Pfs ro = Pfs.mount(roView, new MountOptions(false, 1, MountOptions.DEFAULT_LEASE, POLL))) {
            rw.mkdir("/d", 0755);
            for (int i = 0; i < 300; i++) {
                long fd = rw.open("/d/f" + i, O_CREAT | O_WRONLY, 0644);
                rw.write(fd, ByteBuffer.wrap(new byte[] {(byte) (i % 100 + 1)}));
                rw.fsync(fd);
                rw.close(fd);
            }
            eventually("all 300 files with their data", () -> sizeOr(ro, "/d/f299") == 100 && sizeOr(ro, "/d/f0") == 1);
            rw.unlink("/d/f0");
            rw.rename("/d/f1", "/moved");
            eventually("unlink and rename", () -> sizeOr(ro, "/d/f0") == -1 && sizeOr(ro, "/moved") == 2);
            assertThat(ro.readdir("/d")).hasSize(298);
            assertThat(ro.epoch()).isZero();
        }
        assertThat(roView.writeLengths).as("a RO mount never writes").isEmpty();
        assertThat(roView.flushes).isZero();
    }
}
