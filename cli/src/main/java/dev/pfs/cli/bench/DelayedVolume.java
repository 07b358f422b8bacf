package dev.pfs.cli.bench;

import dev.pfs.common.volume.BlockVolume;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * A volume that adds a fixed delay to every read, write and flush before passing it on, in the
 * caller's thread and holding no lock: the network hop of the replicated volume, for
 * {@code pfs bench-concurrency}. Requests of different threads overlap their delays, as
 * requests in flight on a network do.
 */
final class DelayedVolume implements BlockVolume {
    private final BlockVolume inner;
    private final long delayNanos;

    DelayedVolume(BlockVolume inner, long delayNanos) {
        this.inner = inner;
        this.delayNanos = delayNanos;
    }

    private void hop() {
        long until = System.nanoTime() + delayNanos;
        for (long left = delayNanos; left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    @Override
    public long size() {
        return inner.size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        hop();
        return inner.read(offset, dst);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        hop();
        return inner.write(offset, src, epoch, fua);
    }

    @Override
    public CompletableFuture<Void> flush() {
        hop();
        return inner.flush();
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        hop();
        return inner.discard(offset, length);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
        hop();
        return inner.writeZeroes(offset, length, epoch);
    }

    @Override
    public CompletableFuture<Void> resize(long newSize) {
        return inner.resize(newSize);
    }

    @Override
    public void close() {
        inner.close();
    }

    @Override
    public String toString() {
        return inner + " + " + delayNanos / 1000 + " us per request";
    }
}
