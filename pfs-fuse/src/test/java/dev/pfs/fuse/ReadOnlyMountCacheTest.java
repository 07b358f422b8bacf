package dev.pfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Pfs;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A RO mount whose kernel caches would hold attributes, names and pages for a minute: only the
 * invalidations sent after each journal replay can make the RW mount's changes visible in
 * time, through a descriptor opened before the change and through new lookups.
 */
@Tag("system")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReadOnlyMountCacheTest {
    private static final long DEADLINE_MS = 20_000;

    @TempDir
    Path tmp;

    @Test
    void replayedChangesReachTheKernelCachesOfAReadOnlyMount() throws Exception {
        try (FileVolume fresh = FileVolume.create(tmp.resolve("v.img"), 256L << 20)) {
            Pfs.mkfs(fresh, new MkfsOptions(64L << 20, 8));
        }
        // As pfs mount opens it: I/O on the calling thread (FUSE workers and the RO follower).
        try (FileVolume volume = FileVolume.open(tmp.resolve("v.img"), true, FileVolume.CALLER_THREAD)) {
            try (Pfs rw = Pfs.mount(volume, MountOptions.readWrite(0));
                 Pfs ro = Pfs.mount(volume, new MountOptions(false, 1, MountOptions.DEFAULT_LEASE,
                         Duration.ofMillis(200)))) {
                write(rw, "/f", 'A');
                Path mnt = Files.createDirectory(tmp.resolve("ro"));
                FuseMountOptions options = FuseMountOptions.defaults("ro-cache").withReadOnly(true)
                        .withOptions("attr_timeout=60,entry_timeout=60");
                try (PfsFuseMount mount = PfsFuseMount.mount(ro, mnt, options)) {
                    eventually(() -> exists(mnt.resolve("f")));
                    assertThat(Files.readAllBytes(mnt.resolve("f"))[0]).isEqualTo((byte) 'A');
                    assertThat(Files.getAttribute(mnt.resolve("f"), "unix:nlink")).isEqualTo(1);
                    try (FileChannel open = FileChannel.open(mnt.resolve("f"), StandardOpenOption.READ)) {
                        write(rw, "/f", 'B');
                        eventually(() -> firstByte(open) == 'B');
                        eventually(() -> readFirst(mnt.resolve("f")) == 'B');
                    }
                    rw.link("/f", "/g");
                    eventually(() -> nlink(mnt.resolve("f")) == 2);
                    rw.rename("/g", "/h");
                    eventually(() -> !exists(mnt.resolve("g")) && exists(mnt.resolve("h")));
                }
            }
        }
    }

    /** Overwrites /f in place (same size) with {@code c} and fsyncs, as a database page write. */
    private static void write(Pfs pfs, String path, char c) throws Exception {
        byte[] data = new byte[8192];
        Arrays.fill(data, (byte) c);
        long fd = pfs.open(path, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
        pfs.pwrite(fd, ByteBuffer.wrap(data), 0);
        pfs.fsync(fd);
        pfs.close(fd);
    }

    private static int firstByte(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, 0);
            return b.get(0);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static int readFirst(Path p) {
        try {
            return Files.readAllBytes(p)[0];
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static int nlink(Path p) {
        try {
            return (Integer) Files.getAttribute(p, "unix:nlink");
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static boolean exists(Path p) {
        return Files.exists(p);
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within %d ms", DEADLINE_MS).isLessThan(end);
            Thread.onSpinWait();
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }
}
