package dev.pfs.chunkserver.store;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.ForwardingVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file on a host file system that can fill up: the volume is a sparse file whose 4 KB
 * pages get space when first written and lose it when zeroed or discarded (a punched hole).
 * While {@link #full} is set, a write that touches a page without space fails with
 * {@link VolumeException.Kind#NO_SPACE}, as ENOSPC does; overwrites of pages with space still
 * succeed.
 */
final class HostFileSystemVolume extends ForwardingVolume {
    private static final int PAGE = 4096;

    private final BitSet allocated = new BitSet();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean full;

    HostFileSystemVolume(BlockVolume inner) {
        super(inner);
    }

    /** Fills the host file system up (or frees it). */
    void full(boolean isFull) {
        this.full = isFull;
    }

    /** @return writes refused for lack of space so far */
    int refusedWrites() {
        return refused.get();
    }

    private synchronized boolean allocate(long offset, long length) {
        int first = (int) (offset / PAGE);
        int end = (int) ((offset + length + PAGE - 1) / PAGE);
        if (full && allocated.nextClearBit(first) < end) {
            return false;
        }
        allocated.set(first, end);
        return true;
    }

    private synchronized void punch(long offset, long length) {
        // Only whole pages lose their space; the file system zeroes the partial ones.
        int first = (int) ((offset + PAGE - 1) / PAGE);
        int end = (int) ((offset + length) / PAGE);
        if (first < end) {
            allocated.clear(first, end);
        }
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        if (!allocate(offset, src.remaining())) {
            refused.incrementAndGet();
            return VolumeException.failed(VolumeException.Kind.NO_SPACE, "injected: host file system full (ENOSPC)");
        }
        return inner.write(offset, src, epoch, fua);
    }

    @Override
    public void writeAndWait(long offset, ByteBuffer src, long epoch, boolean fua) throws VolumeException {
        VolumeException.await(write(offset, src, epoch, fua));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
        punch(offset, length);
        return inner.writeZeroes(offset, length, epoch);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        punch(offset, length);
        return inner.discard(offset, length);
    }
}
