package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.ForwardingVolume;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A volume that holds one chosen write (or the next flush) in the caller's thread until the test releases it, so a
 * test can show what other calls do while that I/O is in flight. Counts FUA writes (journal
 * appends and checkpoint headers).
 */
final class LatchVolume extends ForwardingVolume {
    /** Which write to hold. */
    interface Choice {
        boolean holds(long offset, int length, boolean fua);
    }

    private volatile Choice armed;
    private volatile boolean flushArmed;
    private volatile CountDownLatch held = new CountDownLatch(1);
    private volatile CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger fuaWrites = new AtomicInteger();

    LatchVolume(BlockVolume inner) {
        super(inner);
    }

    /** Holds the next write that {@code choice} picks. */
    void holdNext(Choice choice) {
        held = new CountDownLatch(1);
        release = new CountDownLatch(1);
        armed = choice;
    }

    /** Holds the next flush. */
    void holdNextFlush() {
        held = new CountDownLatch(1);
        release = new CountDownLatch(1);
        flushArmed = true;
    }

    /** @return whether the chosen write arrived (and is now held) within {@code seconds} */
    boolean awaitHeld(long seconds) throws InterruptedException {
        return held.await(seconds, TimeUnit.SECONDS);
    }

    /** Lets the held write go on. */
    void release() {
        release.countDown();
    }

    /** @return FUA writes so far */
    int fuaWrites() {
        return fuaWrites.get();
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        if (fua) {
            fuaWrites.incrementAndGet();
        }
        Choice c = armed;
        if (c != null && c.holds(offset, src.remaining(), fua) && takeArmed(c)) {
            hold();
        }
        return inner.write(offset, src, epoch, fua);
    }

    @Override
    public CompletableFuture<Void> flush() {
        if (flushArmed && takeFlush()) {
            hold();
        }
        return inner.flush();
    }

    private synchronized boolean takeArmed(Choice c) {
        if (armed != c) {
            return false;
        }
        armed = null;
        return true;
    }

    private synchronized boolean takeFlush() {
        boolean was = flushArmed;
        flushArmed = false;
        return was;
    }

    /** Blocks the caller, holding no lock, until {@link #release}. */
    private void hold() {
        held.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
