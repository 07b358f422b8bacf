package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_RDONLY;
import static dev.pfs.core.OpenFlags.O_RDWR;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.common.volume.ForwardingVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.layout.ChunkDescriptor;
import dev.pfs.core.layout.MetaType;
import dev.pfs.core.layout.Superblock;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Defect 7 of issue 11: a RO mount whose map lags never reads a block the RW reused for
 * another file; its reload after a checkpoint never blocks readers and never shows a mix of
 * two checkpoints.
 */
@Timeout(60)
class ReadOnlyFaultTest {
    private static final MountOptions RO = new MountOptions(false, 1, Duration.ofSeconds(10), Duration.ofMillis(5));

    @Test
    void aLaggingReadOnlyMountNeverReadsABlockReusedByAnotherFile() throws Exception {
        FaultyVolume v = FaultyVolume.create(32L << 20, 1);
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        try (Pfs rw = AbortPolicyTest.mount(v)) {
            long fill = rw.open("/fill", O_CREAT | O_RDWR, 0644);
            long blocks = rw.statfs().freeBlocks();
            rw.fallocate(fill, 0, 0, (blocks - 1) * 65536);
            byte[] mine = new byte[65536];
            Arrays.fill(mine, (byte) 'A');
            long f = rw.open("/f", O_CREAT | O_RDWR, 0644);
            rw.pwrite(f, ByteBuffer.wrap(mine), 0);
            rw.fsync(f);
            assertThat(rw.statfs().freeBlocks()).isZero();
            SteppedClock roClock = new SteppedClock();
            roClock.freeze();
            try (Pfs ro = FileSystems.mount(v, RO, new FileSystems.MountHooks(roClock, false, () -> { }))) {
                long roFd = ro.open("/f", O_RDONLY, 0);
                rw.ftruncate(f, 0);
                byte[] theirs = new byte[65536];
                Arrays.fill(theirs, (byte) 'B');
                long g = rw.open("/g", O_CREAT | O_RDWR, 0644);
                try {
                    rw.pwrite(g, ByteBuffer.wrap(theirs), 0);
                    rw.fsync(g);
                } catch (PfsException e) {
                    assertThat(e.errno()).as("the freed block is not reusable yet").isEqualTo(dev.pfs.core.Errno.ENOSPC);
                }
                ByteBuffer got = ByteBuffer.allocate(65536);
                ro.pread(roFd, got, 0);
                for (byte b : got.array()) {
                    assertThat(b).as("the RO mount read /g's bytes through /f").isNotEqualTo((byte) 'B');
                }
            }
        }
    }

    /** Blocks a chosen read until released, to stop a RO reload in the middle. */
    private static final class LatchVolume extends ForwardingVolume {
        final AtomicReference<long[]> trap = new AtomicReference<>();
        final CountDownLatch entered = new CountDownLatch(1);
        volatile CountDownLatch release = new CountDownLatch(1);

        LatchVolume(BlockVolume inner) {
            super(inner);
        }

        @Override
        public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
            long[] t = trap.get();
            if (t != null && offset == t[0] && trap.compareAndSet(t, null)) {
                entered.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return inner.read(offset, dst);
        }
    }

    @Test
    void aReloadNeitherBlocksReadersNorShowsAMixOfTwoCheckpoints() throws Exception {
        FaultyVolume v = FaultyVolume.create(64L << 20, 2);
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        Superblock sb = VolumeLoader.readSuperblock(v);
        ChunkDescriptor g = new ChunkDescriptor(sb);
        LatchVolume view = new LatchVolume(v);
        try (Pfs rw = AbortPolicyTest.mount(v)) {
            long fd = rw.open("/a", O_CREAT | O_RDWR, 0644);
            rw.close(fd);
            rw.mkdir("/x", 0755);
            MountAccess.checkpoint(rw);
            try (Pfs ro = Pfs.mount(view, RO)) {
                assertThat(Await.within(20, () -> exists(ro, "/x"))).isTrue();
                view.trap.set(new long[] {g.sectorOffset(MetaType.DIRENT, 0)});
                rw.mkdir("/y", 0755);
                MountAccess.checkpoint(rw);
                assertThat(view.entered.await(20, TimeUnit.SECONDS)).as("the RO mount started reloading").isTrue();
                AtomicReference<Object> answer = new AtomicReference<>();
                Thread reader = Thread.ofPlatform().start(() -> {
                    try {
                        answer.set(ro.stat("/x"));
                    } catch (PfsException e) {
                        answer.set(e);
                    }
                });
                boolean answered = Await.within(10, () -> answer.get() != null);
                rw.chmod("/a", 0600);
                rw.rename("/a", "/b");
                MountAccess.checkpoint(rw);
                CountDownLatch first = view.release;
                view.release = new CountDownLatch(1);
                view.trap.set(new long[] {sb.journalOffset()});
                first.countDown();
                reader.join(30_000);
                assertThat(answered).as("a stat waited for the reload").isTrue();
                assertThat(Await.within(20, () -> exists(ro, "/b") || view.trap.get() == null)).isTrue();
                if (exists(ro, "/b")) {
                    assertThat(ro.stat("/b").mode() & 07777).as("/b shows the rename without the chmod before it")
                            .isEqualTo(0600);
                }
                view.release.countDown();
                assertThat(Await.within(20, () -> exists(ro, "/b") && !exists(ro, "/a"))).isTrue();
                assertThat(ro.stat("/b").mode() & 07777).isEqualTo(0600);
            }
        }
    }

    private static boolean exists(Pfs fs, String path) {
        try {
            fs.stat(path);
            return true;
        } catch (PfsException e) {
            return false;
        }
    }
}
