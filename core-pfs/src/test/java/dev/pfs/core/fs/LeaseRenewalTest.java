package dev.pfs.core.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.common.volume.ForwardingVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.layout.ChunkDescriptor;
import dev.pfs.core.layout.Superblock;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Defects 5 and 6 of issue 11: the lease is renewed on its own thread from the moment the
 * election is won, whatever the mount is doing (loading a large volume, a call holding the
 * metadata lock), and no volume write happens after the lease ran out.
 */
@Timeout(60)
class LeaseRenewalTest {
    private static final Duration LEASE = Duration.ofMillis(200);
    private static final long QUARTER = LEASE.toNanos() / 4;

    /** Counts leader-record writes; checks every other write happens while the holder's lease is valid. */
    private static final class LeaseWatch extends ForwardingVolume {
        final AtomicInteger leaderWrites = new AtomicInteger();
        final AtomicBoolean slowLoad = new AtomicBoolean();
        final AtomicBoolean missedRenewal = new AtomicBoolean();
        final SteppedClock clock;
        final Superblock sb;
        final ChunkDescriptor g;

        LeaseWatch(BlockVolume inner, SteppedClock clock) throws Exception {
            super(inner);
            this.clock = clock;
            this.sb = VolumeLoader.readSuperblock(inner);
            this.g = new ChunkDescriptor(sb);
        }

        @Override
        public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
            if (offset >= sb.paxosOffset() && offset < sb.paxosOffset() + sb.paxosSize()) {
                leaderWrites.incrementAndGet();
            }
            return inner.write(offset, src, epoch, fua);
        }

        @Override
        public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
            if (slowLoad.get() && offset >= g.metaStart(0) && offset < g.dataStart(0)) {
                // A slow volume: each metaobject read takes a quarter lease. The renewal must keep up.
                waitForRenewal(this);
            }
            return inner.read(offset, dst);
        }
    }

    private static void waitForRenewal(LeaseWatch w) {
        if (w.missedRenewal.get()) {
            return;
        }
        int before = w.leaderWrites.get();
        w.clock.advance(QUARTER);
        if (!Await.within(5, () -> w.leaderWrites.get() > before)) {
            w.missedRenewal.set(true);
        }
        // The write is seen as it starts; the renewal still reads the clock after it to check it
        // was quick. Moving the clock before then would make the renewal itself take a quarter
        // lease, which the election rightly refuses to count, so wait for the lease thread to
        // finish its duty cycle.
        if (!Await.within(5, LeaseRenewalTest::leaseThreadsIdle)) {
            w.missedRenewal.set(true);
        }
    }

    /** @return whether every lease thread waits between duty cycles */
    private static boolean leaseThreadsIdle() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("pfs-lease-") && t.isAlive())
                .allMatch(t -> t.getState() == Thread.State.TIMED_WAITING);
    }

    private static LeaseWatch formatted(SteppedClock clock) throws Exception {
        FaultyVolume v = FaultyVolume.create(64L << 20, 1);
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        return new LeaseWatch(v, clock);
    }

    private static Pfs mount(LeaseWatch w) throws Exception {
        return FileSystems.mount(w, new MountOptions(true, 0, LEASE, Duration.ofMillis(20)),
                new FileSystems.MountHooks(w.clock, true, w.clock::freeze));
    }

    @Test
    void theLeaseIsRenewedWhileTheMountLoadsASlowVolume() throws Exception {
        SteppedClock clock = new SteppedClock();
        LeaseWatch w = formatted(clock);
        w.slowLoad.set(true);
        try (Pfs fs = mount(w)) {
            w.slowLoad.set(false);
            assertThat(w.missedRenewal).as("a renewal was due while mounting and did not happen").isFalse();
            assertThat(fs.isReadWrite()).isTrue();
            fs.mkdir("/works", 0755);
        }
    }

    @Test
    void theLeaseIsRenewedWhileACallHoldsTheMetadataLock() throws Exception {
        SteppedClock clock = new SteppedClock();
        LeaseWatch w = formatted(clock);
        try (Pfs fs = mount(w)) {
            synchronized (MountAccess.metadataLock(fs)) {
                for (int i = 0; i < 12; i++) {
                    waitForRenewal(w);
                }
            }
            assertThat(w.missedRenewal).as("a renewal was due while the lock was held and did not happen").isFalse();
            fs.mkdir("/still-rw", 0755);
            fs.fsync(fs.open("/", dev.pfs.core.OpenFlags.O_RDONLY, 0));
        }
    }
}
