package dev.pfs.core.paxos;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A volume that fences like a ChunkServer: it refuses a write whose epoch is older than the
 * newest epoch it has accepted, with {@link VolumeException.Kind#STALE_EPOCH}.
 */
final class FencingVolume implements BlockVolume {
    private final BlockVolume inner;
    private final AtomicLong fence;

    /** @param fence the newest accepted epoch, shared with the volume's next incarnation after a restart */
    FencingVolume(BlockVolume inner, AtomicLong fence) {
        this.inner = inner;
        this.fence = fence;
    }

    @Override
    public long size() {
        return inner.size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return inner.read(offset, dst);
    }

    @Override
    public synchronized CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        long seen = fence.get();
        if (epoch < seen) {
            return VolumeException.failed(VolumeException.Kind.STALE_EPOCH, "stale epoch " + epoch + " < " + seen);
        }
        fence.set(epoch);
        return inner.write(offset, src, epoch, fua);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return inner.flush();
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return inner.discard(offset, length);
    }

    @Override
    public synchronized CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
        long seen = fence.get();
        if (epoch < seen) {
            return VolumeException.failed(VolumeException.Kind.STALE_EPOCH, "stale epoch " + epoch + " < " + seen);
        }
        fence.set(epoch);
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
}
