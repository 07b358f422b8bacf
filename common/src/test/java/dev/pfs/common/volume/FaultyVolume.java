package dev.pfs.common.volume;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory {@link BlockVolume} that fails on purpose, driven by one seed so that a failure
 * replays exactly.
 *
 * <p>It keeps two images: what reads see, and what would survive a power cut (the state at the
 * last flush plus FUA writes). On {@link #powerLoss()}, each write since the last flush is kept
 * whole, dropped, or torn at 512 B granularity (a random subset of its sectors lands), as a
 * real disk with a volatile cache may do; after that every request fails until
 * {@link #restart()} hands out a fresh volume over the surviving image.
 *
 * <p>Further faults: a seeded I/O error rate (a failed request changes nothing), a full disk,
 * a power cut armed to fire at the N-th write, and random completion delays.
 */
public final class FaultyVolume implements BlockVolume {
    private record PendingWrite(long offset, byte[] data) {
    }

    private final long seed;
    private final Random random;
    private final SparseImage current;
    private final SparseImage durable;
    private final List<PendingWrite> pending = new ArrayList<>();
    private long size;
    private boolean dead;
    private boolean closed;
    private boolean full;
    private double ioErrorRate;
    private long powerLossAtWrite = -1;
    private long writes;
    private long flushes;
    private int maxDelayMicros;

    private FaultyVolume(long size, long seed, SparseImage durable) {
        this.size = size;
        this.seed = seed;
        this.random = new Random(seed);
        this.durable = durable;
        this.current = durable.copy();
    }

    /** @return a zeroed volume of {@code size} bytes whose faults follow {@code seed} */
    public static FaultyVolume create(long size, long seed) {
        return new FaultyVolume(size, seed, new SparseImage());
    }

    /** Fails each request with this probability (reads, writes, flushes alike). */
    public synchronized FaultyVolume ioErrorRate(double rate) {
        this.ioErrorRate = rate;
        return this;
    }

    /** Makes writes fail with {@link VolumeException.Kind#NO_SPACE} while {@code full}. */
    public synchronized FaultyVolume full(boolean full) {
        this.full = full;
        return this;
    }

    /** Completes requests after a random delay of up to {@code micros}, on another thread. */
    public synchronized FaultyVolume maxDelayMicros(int micros) {
        this.maxDelayMicros = micros;
        return this;
    }

    /**
     * Arms a power cut at the {@code n}-th write from now (1 = the next one): that write and
     * every later request fail, and unflushed writes are kept, dropped or torn.
     */
    public synchronized FaultyVolume powerLossAtWrite(long n) {
        this.powerLossAtWrite = writes + n;
        return this;
    }

    /** @return how many writes were accepted so far */
    public synchronized long writes() {
        return writes;
    }

    /** @return how many flushes completed */
    public synchronized long flushes() {
        return flushes;
    }

    /** @return whether power was lost */
    public synchronized boolean isDead() {
        return dead;
    }

    /** @return the seed that drives the faults */
    public long seed() {
        return seed;
    }

    /** Cuts the power now: unflushed writes are kept whole, dropped or torn. */
    public synchronized void powerLoss() {
        if (dead) {
            return;
        }
        dead = true;
        for (PendingWrite w : pending) {
            int fate = random.nextInt(3);
            if (fate == 0) {
                durable.write(w.offset, w.data, 0, w.data.length);
            } else if (fate == 2) {
                for (int s = 0; s < w.data.length; s += SECTOR_SIZE) {
                    if (random.nextBoolean()) {
                        durable.write(w.offset + s, w.data, s, SECTOR_SIZE);
                    }
                }
            }
        }
        pending.clear();
    }

    /**
     * Powers the volume back on after {@link #powerLoss()} (or just reopens it): a new volume
     * over what survived, without armed faults, with a seed derived from this one.
     */
    public synchronized FaultyVolume restart() {
        powerLoss();
        return new FaultyVolume(size, seed * 31 + 7, durable.copy());
    }

    @Override
    public synchronized long size() {
        return size;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        synchronized (this) {
            VolumeException bad = precheck(offset, dst.remaining());
            if (bad != null) {
                return delayed(CompletableFuture.failedFuture(bad));
            }
            byte[] tmp = new byte[dst.remaining()];
            current.read(offset, tmp, 0, tmp.length);
            dst.put(tmp);
        }
        return delayed(CompletableFuture.completedFuture(null));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        byte[] data = new byte[src.remaining()];
        src.duplicate().get(data);
        synchronized (this) {
            VolumeException bad = precheckWrite(offset, data.length);
            if (bad != null) {
                return delayed(CompletableFuture.failedFuture(bad));
            }
            apply(offset, data);
            if (dead) {
                // The write in flight when the power went: not acknowledged, maybe torn.
                return delayed(CompletableFuture.failedFuture(powerLost()));
            }
            if (fua) {
                flushNow();
            }
            src.position(src.position() + data.length);
        }
        return delayed(CompletableFuture.completedFuture(null));
    }

    @Override
    public CompletableFuture<Void> flush() {
        synchronized (this) {
            VolumeException bad = precheck(0, 0);
            if (bad != null) {
                return delayed(CompletableFuture.failedFuture(bad));
            }
            flushNow();
        }
        return delayed(CompletableFuture.completedFuture(null));
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return writeZeroes(offset, length, NO_EPOCH);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
        synchronized (this) {
            VolumeException bad = precheckWrite(offset, length);
            if (bad != null) {
                return delayed(CompletableFuture.failedFuture(bad));
            }
            for (long done = 0; done < length; ) {
                int step = (int) Math.min(1 << 20, length - done);
                apply(offset + done, new byte[step]);
                done += step;
            }
            if (dead) {
                return delayed(CompletableFuture.failedFuture(powerLost()));
            }
        }
        return delayed(CompletableFuture.completedFuture(null));
    }

    @Override
    public CompletableFuture<Void> resize(long newSize) {
        synchronized (this) {
            if (newSize <= 0 || newSize % SECTOR_SIZE != 0) {
                return VolumeException.failed(VolumeException.Kind.MISALIGNED, "bad size " + newSize);
            }
            VolumeException bad = precheck(0, 0);
            if (bad != null) {
                return CompletableFuture.failedFuture(bad);
            }
            flushNow();
            if (newSize < size) {
                current.truncate(newSize);
                durable.truncate(newSize);
            }
            size = newSize;
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    private void apply(long offset, byte[] data) {
        writes++;
        current.write(offset, data, 0, data.length);
        pending.add(new PendingWrite(offset, data));
        if (powerLossAtWrite >= 0 && writes >= powerLossAtWrite) {
            powerLoss();
        }
    }

    private void flushNow() {
        if (dead) {
            return;
        }
        for (PendingWrite w : pending) {
            durable.write(w.offset, w.data, 0, w.data.length);
        }
        pending.clear();
        flushes++;
    }

    private VolumeException precheckWrite(long offset, long length) {
        VolumeException bad = precheck(offset, length);
        if (bad == null && full) {
            bad = new VolumeException(VolumeException.Kind.NO_SPACE, "injected: volume full");
        }
        return bad;
    }

    private VolumeException precheck(long offset, long length) {
        if (closed) {
            return new VolumeException(VolumeException.Kind.CLOSED, "volume closed");
        }
        if (dead) {
            return powerLost();
        }
        VolumeException bad = VolumeRanges.check(offset, length, size);
        if (bad != null) {
            return bad;
        }
        if (ioErrorRate > 0 && random.nextDouble() < ioErrorRate) {
            return new VolumeException(VolumeException.Kind.IO, "injected I/O error (seed " + seed + ")");
        }
        return null;
    }

    private VolumeException powerLost() {
        return new VolumeException(VolumeException.Kind.IO, "injected: power lost (seed " + seed + ")");
    }

    private CompletableFuture<Void> delayed(CompletableFuture<Void> done) {
        int delay;
        synchronized (this) {
            delay = maxDelayMicros == 0 ? 0 : random.nextInt(maxDelayMicros);
        }
        if (delay == 0) {
            return done;
        }
        Executor later = CompletableFuture.delayedExecutor(delay, TimeUnit.MICROSECONDS);
        return done.thenApplyAsync(v -> v, later);
    }
}
