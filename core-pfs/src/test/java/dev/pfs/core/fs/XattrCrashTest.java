package dev.pfs.core.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.clock.PausableClock;
import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.Errno;
import dev.pfs.core.FsckReport;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Power cuts around extended attribute changes, one seed per case: a change acknowledged by
 * fsync survives, an unacknowledged one is all there or not at all (never a mix of two
 * values), removing a file frees its attributes, and fsck is clean after the remount.
 */
@Timeout(120)
class XattrCrashTest {
    private static final MountOptions RW = new MountOptions(true, 0, Duration.ofMillis(100), Duration.ofMillis(50));

    @TestFactory
    Iterable<DynamicTest> acknowledgedAttributesSurviveAPowerCutAndNoneIsTorn() {
        return LongStream.range(0, 40).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> runSeed(seed)))
                .toList();
    }

    private static byte[] value(int size, int fill) {
        byte[] v = new byte[size];
        java.util.Arrays.fill(v, (byte) fill);
        return v;
    }

    private static void runSeed(long seed) throws Exception {
        Random r = new Random(seed);
        FaultyVolume v = FaultyVolume.create(16L << 20, seed);
        Pfs.mkfs(v, new MkfsOptions(4L << 20, 4));
        byte[] old = value(65536, 1);
        byte[] next = value(1000 + r.nextInt(60000), 2);
        boolean acked = false;
        // The mount's lease runs on a clock that stands still, so a loaded machine cannot make it lapse.
        PausableClock clock = new PausableClock(() -> 1_000_000_000L, PausableClock.Kind.BOOTTIME);
        try (Pfs fs = FileSystems.mount(v, RW, new FileSystems.MountHooks(clock, true, () -> { }))) {
            long fd = fs.open("/f", OpenFlags.O_CREAT | OpenFlags.O_RDWR, 0644);
            fs.setxattr("/f", "user.v", ByteBuffer.wrap(old), 0);
            fs.close(fs.open("/gone", OpenFlags.O_CREAT | OpenFlags.O_RDWR, 0644));
            fs.setxattr("/gone", "user.g", ByteBuffer.wrap(value(30000, 3)), 0);
            fs.fsync(fd);
            v.powerLossAtWrite(1 + r.nextInt(6));
            try {
                fs.setxattr("/f", "user.v", ByteBuffer.wrap(next), 0);
                fs.setxattr("/f", "user.new", ByteBuffer.wrap(value(10, 4)), 0);
                fs.unlink("/gone");
                fs.fsync(fd);
                acked = true;
            } catch (PfsException e) {
                assertThat(e.errno()).as("seed %d: %s", seed, e.getMessage()).isEqualTo(Errno.EIO);
            }
        } catch (PfsException e) {
            // umount of a powered-off mount: what survived is checked below
        }
        FaultyVolume after = v.restart();
        try (Pfs fs = CrashTest.remount(after)) {
            ByteBuffer got = ByteBuffer.allocate(65536);
            int n = fs.getxattr("/f", "user.v", got);
            byte[] seen = java.util.Arrays.copyOf(got.array(), n);
            if (acked) {
                assertThat(seen).as("seed %d: the acknowledged value", seed).isEqualTo(next);
                assertThat(fs.getxattr("/f", "user.new", ByteBuffer.allocate(0))).isEqualTo(10);
                assertThat(fs.readdir("/")).noneMatch(e -> e.name().equals("gone"));
            } else {
                assertThat(seen).as("seed %d: the old or the new value, whole", seed).isIn(old, next);
            }
            if (fs.readdir("/").stream().noneMatch(e -> e.name().equals("gone"))) {
                assertThat(((PfsMount) fs).state().store.xattrs().slotsOf(3))
                        .as("seed %d: the removed file's attributes are freed", seed).isZero();
            }
        }
        FsckReport report = Pfs.fsck(after, false);
        assertThat(report.problems()).as("seed %d: fsck after remount", seed).isEmpty();
    }
}
