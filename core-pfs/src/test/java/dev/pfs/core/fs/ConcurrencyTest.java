package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_RDWR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.pfs.common.volume.FaultRule;
import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.Errno;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * No lock across volume I/O (issue 11, Concurrency): a data write held in flight on one file
 * does not stop another file's writes, fsyncs or metadata calls, and fsyncs that arrive while
 * a journal commit is in progress are all satisfied by the next single commit. Progress and
 * order are asserted, never timings; the generous deadlines only turn a deadlock into a failure.
 */
@Timeout(120)
class ConcurrencyTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static ByteBuffer filled(int length, int seed) {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        for (int i = 0; i < length; i++) {
            b.put(i, (byte) (seed + i * 7));
        }
        return b;
    }

    private static void assertContent(Pfs fs, String path, long offset, ByteBuffer expected) throws Exception {
        long fd = fs.open(path, dev.pfs.core.OpenFlags.O_RDONLY, 0);
        ByteBuffer got = ByteBuffer.allocate(expected.capacity());
        fs.pread(fd, got, offset);
        fs.close(fd);
        assertThat(got.flip()).as("%s at %d", path, offset).isEqualTo(expected.clear());
    }

    @Test
    void aDataWriteInFlightOnOneFileDoesNotBlockAnotherFilesFsyncOrMetadataCalls() throws Exception {
        LatchVolume v = new LatchVolume(FaultyVolume.create(64L << 20, 1));
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        try (Pfs fs = Pfs.mount(v, MountOptions.readWrite(0))) {
            long a = fs.open("/a", O_CREAT | O_RDWR, 0644);
            fs.pwrite(a, filled(1 << 20, 1), 0);
            fs.fsync(a);
            long b = fs.open("/b", O_CREAT | O_RDWR, 0644);
            fs.pwrite(b, filled(64 << 10, 2), 0);
            fs.fsync(b);

            v.holdNext((offset, length, fua) -> !fua && length == 4096);
            Future<Integer> slow = pool.submit(() -> fs.pwrite(a, filled(4096, 3), 8192));
            assertThat(v.awaitHeld(60)).as("the write of /a reached the volume").isTrue();

            Future<?> others = pool.submit(() -> {
                fs.pwrite(b, filled(8192, 4), 4096);
                fs.fdatasync(b);
                fs.pwrite(b, filled(4096, 5), 1 << 20);
                fs.fsync(b);
                fs.mkdir("/d", 0755);
                long c = fs.open("/d/new", O_CREAT | O_RDWR, 0644);
                fs.pwrite(c, filled(100, 6), 0);
                fs.fsync(c);
                fs.close(c);
                fs.rename("/d/new", "/d/renamed");
                fs.unlink("/d/renamed");
                fs.stat("/a");
                ByteBuffer r = ByteBuffer.allocate(4096);
                fs.pread(b, r, 0);
                return null;
            });
            try {
                others.get(60, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                v.release();
                fail("calls on /b and the namespace waited for the write of /a in flight");
            }
            assertThat(slow).as("the write of /a is still held").isNotDone();

            v.release();
            assertThat(slow.get(60, TimeUnit.SECONDS)).isEqualTo(4096);
            fs.fsync(a);
            assertContent(fs, "/a", 8192, filled(4096, 3));
            assertContent(fs, "/b", 4096, filled(8192, 4));
            assertContent(fs, "/b", 1 << 20, filled(4096, 5));
            fs.close(a);
            fs.close(b);
        }
        assertThat(Pfs.fsck(v, false).problems()).isEmpty();
        try (Pfs fs = Pfs.mount(v, MountOptions.readWrite(0))) {
            assertContent(fs, "/a", 8192, filled(4096, 3));
            assertContent(fs, "/b", 1 << 20, filled(4096, 5));
            assertThat(fs.readdir("/d")).isEmpty();
        }
    }

    @Test
    void fsyncsArrivingDuringAJournalCommitShareTheNextSingleCommit() throws Exception {
        LatchVolume v = new LatchVolume(FaultyVolume.create(64L << 20, 2));
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        int waiters = 4;
        // No background tick: only the calls below commit, so the queue holds exactly their batches.
        try (Pfs fs = FileSystems.mount(v, MountOptions.readWrite(0),
                new FileSystems.MountHooks(() -> 1L, false, () -> { }))) {
            List<Long> fds = new ArrayList<>();
            for (int k = 0; k <= waiters; k++) {
                long fd = fs.open("/f" + k, O_CREAT | O_RDWR, 0644);
                fs.pwrite(fd, filled(4096, k), 0);
                fs.fsync(fd);
                fds.add(fd);
            }
            // Each write below extends its file, so each fdatasync needs a journal record.
            v.holdNext((offset, length, fua) -> fua);
            Future<?> first = pool.submit(() -> {
                fs.pwrite(fds.get(0), filled(4096, 10), 4096);
                fs.fdatasync(fds.get(0));
                return null;
            });
            assertThat(v.awaitHeld(60)).as("the first commit's journal write reached the volume").isTrue();
            List<Future<?>> later = new ArrayList<>();
            CountDownLatch written = new CountDownLatch(waiters);
            for (int k = 1; k <= waiters; k++) {
                long fd = fds.get(k);
                int seed = 10 + k;
                later.add(pool.submit(() -> {
                    fs.pwrite(fd, filled(4096, seed), 4096);
                    written.countDown();
                    fs.fdatasync(fd);
                    return null;
                }));
            }
            // Writes published before another caller seals ride in that caller's batch, so the
            // queue may hold fewer batches than callers: wait until all four are sealed instead.
            boolean queued = written.await(60, TimeUnit.SECONDS) && Await.within(60, () -> {
                synchronized (MountAccess.metadataLock(fs)) {
                    return MountAccess.queuedCommits(fs) >= 1 && !MountAccess.unsealedChanges(fs);
                }
            });
            int before = v.fuaWrites();
            v.release();
            assertThat(queued).as("%d fsyncs queued behind the commit in progress", waiters).isTrue();
            first.get(60, TimeUnit.SECONDS);
            for (Future<?> f : later) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(v.fuaWrites() - before).as("journal writes that made the queued fsyncs durable").isEqualTo(1);
            for (long fd : fds) {
                fs.close(fd);
            }
        }
        assertThat(Pfs.fsck(v, false).problems()).isEmpty();
        try (Pfs fs = Pfs.mount(v, MountOptions.readWrite(0))) {
            for (int k = 0; k <= waiters; k++) {
                assertContent(fs, "/f" + k, 4096, filled(4096, 10 + k));
            }
        }
    }

    @Test
    void aCommitQueuedBehindAFlushThatAbortsTheMountWritesNothing() throws Exception {
        FaultyVolume faulty = FaultyVolume.create(64L << 20, 3);
        LatchVolume v = new LatchVolume(faulty);
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        Pfs fs = FileSystems.mount(v, MountOptions.readWrite(0),
                new FileSystems.MountHooks(() -> 1L, false, () -> { }));
        long fd = fs.open("/a", O_CREAT | O_RDWR, 0644);
        fs.pwrite(fd, filled(4096, 1), 0);
        fs.close(fs.open("/x", O_CREAT | O_RDWR, 0644));
        fs.fsync(fd);
        faulty.fail(FaultRule.nth(FaultRule.Op.FLUSH, 1, VolumeException.Kind.IO));
        v.holdNextFlush();
        Future<?> leader = pool.submit(() -> {
            fs.pwrite(fd, filled(4096, 2), 4096);
            fs.fdatasync(fd);
            return null;
        });
        assertThat(v.awaitHeld(60)).as("the leader's flush reached the volume").isTrue();
        Future<?> queued = pool.submit(() -> {
            fs.rename("/x", "/y");
            return null;
        });
        boolean waiting = Await.within(60, () -> MountAccess.queuedCommits(fs) == 1);
        int journalWrites = v.fuaWrites();
        v.release();
        assertThat(waiting).as("the rename's batch queued behind the commit in progress").isTrue();
        assertThatThrownBy(() -> leader.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(PfsException.class);
        assertThatThrownBy(() -> queued.get(60, TimeUnit.SECONDS)).as("rename after the abort")
                .cause().isInstanceOfSatisfying(PfsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThat(v.fuaWrites()).as("journal writes after the failed flush").isEqualTo(journalWrites);
        fs.close();
        assertThat(Pfs.fsck(v, false).problems()).isEmpty();
    }
}
