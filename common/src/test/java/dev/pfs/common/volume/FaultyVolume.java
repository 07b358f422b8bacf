package dev.pfs.common.volume;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory {@link BlockVolume} that fails on purpose, driven by one seed so that a failure
 * replays exactly.
 *
 * <p>It keeps two images: what reads see, and what would survive a power cut. It is honest
 * about what a disk with a volatile write cache promises, and no more:
 * <ul>
 *   <li>A FUA write makes only its own sectors durable, not the writes before it.</li>
 *   <li>A completed flush makes every earlier completed write durable. A flush that fails may
 *       have persisted or dropped each write it covered, and a later flush does not bring a
 *       dropped write back (Linux marks the pages clean after a failed write-back); reads still
 *       see the dropped data until a power cut, as they would from a page cache.</li>
 *   <li>On {@link #powerLoss()}, each write not yet durable is kept whole, dropped, or torn at
 *       512 B granularity (a random subset of its sectors lands); after that every request
 *       fails until {@link #restart()} hands out a fresh volume over the surviving image.</li>
 *   <li>A write that fails with an injected I/O error may have written any subset of its
 *       sectors (not durably); one that fails with NO_SPACE, or for its arguments, wrote
 *       nothing.</li>
 * </ul>
 *
 * <p>Faults to inject: a seeded I/O error rate over every call, {@link FaultRule}s that fail
 * chosen calls (the n-th flush, FUA writes into a range, ...), a full disk, a power cut armed
 * to fire at the N-th write, and random completion delays.
 */
public final class FaultyVolume implements BlockVolume {
    /** A write not yet durable; {@code live} holds the sectors no later FUA write superseded. */
    private record PendingWrite(long offset, byte[] data, BitSet live) {
        PendingWrite(long offset, byte[] data) {
            this(offset, data, fullSet(data.length / SECTOR_SIZE));
        }

        private static BitSet fullSet(int sectors) {
            BitSet b = new BitSet(sectors);
            b.set(0, sectors);
            return b;
        }

        /** Forgets the sectors a newer durable write of {@code [from, from + length)} replaced. */
        void supersede(long from, long length) {
            long lo = Math.max(offset, from);
            long hi = Math.min(offset + data.length, from + length);
            if (lo < hi) {
                live.clear((int) ((lo - offset) / SECTOR_SIZE), (int) ((hi - offset) / SECTOR_SIZE));
            }
        }

        void land(SparseImage image, Random random, boolean torn) {
            for (int s = live.nextSetBit(0); s >= 0; s = live.nextSetBit(s + 1)) {
                if (!torn || random.nextBoolean()) {
                    image.write(offset + (long) s * SECTOR_SIZE, data, s * SECTOR_SIZE, SECTOR_SIZE);
                }
            }
        }
    }

    private final long seed;
    private final Random random;
    private final SparseImage current;
    private final SparseImage durable;
    private final List<PendingWrite> pending = new ArrayList<>();
    private final List<FaultRule> rules = new ArrayList<>();
    private long size;
    private boolean dead;
    private boolean closed;
    private boolean full;
    private double ioErrorRate;
    private long powerLossAtWrite = -1;
    private long writes;
    private long flushes;
    private long failedFlushes;
    private long injected;
    private int maxDelayMicros;

    private FaultyVolume(long size, long seed, SparseImage durable) {
        this.size = size;
        this.seed = seed;
        this.random = new Random(mix(seed));
        this.durable = durable;
        this.current = durable.copy();
    }

    /** Spreads consecutive seeds apart: the first outputs of {@link Random} for seeds 0, 1, 2 ... are alike. */
    private static long mix(long seed) {
        long z = seed + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
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

    /**
     * Adds a rule asked before every request (after the argument checks); the first rule that
     * answers a kind fails the request with it.
     */
    public synchronized FaultyVolume fail(FaultRule rule) {
        rules.add(rule);
        return this;
    }

    /** Removes every rule added with {@link #fail(FaultRule)}. */
    public synchronized FaultyVolume clearRules() {
        rules.clear();
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

    /** @return how many flushes failed (each may have dropped writes it covered) */
    public synchronized long failedFlushes() {
        return failedFlushes;
    }

    /** @return how many requests failed with an injected fault (rules, error rate, full disk) */
    public synchronized long injectedFaults() {
        return injected;
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
            if (fate != 1) {
                w.land(durable, random, fate == 2);
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
            VolumeException bad = precheck(FaultRule.Op.READ, offset, dst.remaining());
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
            VolumeException bad = precheckWrite(fua ? FaultRule.Op.FUA_WRITE : FaultRule.Op.WRITE, offset,
                    data.length);
            if (bad != null) {
                if (bad.kind() == VolumeException.Kind.IO && !dead && !closed && VolumeRanges.check(offset,
                        data.length, size) == null) {
                    landSomeSectors(offset, data);
                }
                return delayed(CompletableFuture.failedFuture(bad));
            }
            apply(offset, data);
            if (dead) {
                // The write in flight when the power went: not acknowledged, maybe torn.
                return delayed(CompletableFuture.failedFuture(powerLost()));
            }
            if (fua) {
                makeDurable(offset, data);
            }
            src.position(src.position() + data.length);
        }
        return delayed(CompletableFuture.completedFuture(null));
    }

    @Override
    public CompletableFuture<Void> flush() {
        synchronized (this) {
            VolumeException bad = precheck(FaultRule.Op.FLUSH, 0, 0);
            if (bad != null) {
                if (!dead && !closed) {
                    failFlush();
                }
                return delayed(CompletableFuture.failedFuture(bad));
            }
            flushNow();
        }
        return delayed(CompletableFuture.completedFuture(null));
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return zeroRange(FaultRule.Op.DISCARD, offset, length);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
        return zeroRange(FaultRule.Op.WRITE_ZEROES, offset, length);
    }

    private CompletableFuture<Void> zeroRange(FaultRule.Op op, long offset, long length) {
        synchronized (this) {
            VolumeException bad = precheckWrite(op, offset, length);
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
            VolumeException bad = precheck(null, 0, 0);
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
            w.land(durable, random, false);
        }
        pending.clear();
        flushes++;
    }

    /** A FUA write: durable itself, and no older cached write of the same sectors may land over it. */
    private void makeDurable(long offset, byte[] data) {
        for (PendingWrite w : pending) {
            w.supersede(offset, data.length);
        }
        durable.write(offset, data, 0, data.length);
    }

    /** A failed flush: each covered write was persisted or lost for good. */
    private void failFlush() {
        failedFlushes++;
        for (PendingWrite w : pending) {
            if (random.nextBoolean()) {
                w.land(durable, random, false);
            }
        }
        pending.clear();
    }

    /** A write that failed part way: some of its sectors reached the cache, none is durable. */
    private void landSomeSectors(long offset, byte[] data) {
        for (int s = 0; s < data.length; s += SECTOR_SIZE) {
            if (random.nextBoolean()) {
                byte[] sector = java.util.Arrays.copyOfRange(data, s, s + SECTOR_SIZE);
                current.write(offset + s, sector, 0, SECTOR_SIZE);
                pending.add(new PendingWrite(offset + s, sector));
            }
        }
    }

    private VolumeException precheckWrite(FaultRule.Op op, long offset, long length) {
        VolumeException bad = precheck(op, offset, length);
        if (bad == null && full) {
            injected++;
            bad = new VolumeException(VolumeException.Kind.NO_SPACE, "injected: volume full");
        }
        return bad;
    }

    private VolumeException precheck(FaultRule.Op op, long offset, long length) {
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
        if (op == null) {
            return null;
        }
        for (FaultRule rule : rules) {
            VolumeException.Kind kind = rule.decide(op, offset, length);
            if (kind != null) {
                injected++;
                return new VolumeException(kind, "injected " + kind + " on " + op + " at " + offset + " (seed "
                        + seed + ")");
            }
        }
        if (ioErrorRate > 0 && random.nextDouble() < ioErrorRate) {
            injected++;
            return new VolumeException(VolumeException.Kind.IO, "injected I/O error on " + op + " (seed " + seed
                    + ")");
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
