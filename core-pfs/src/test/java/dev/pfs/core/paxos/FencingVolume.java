package dev.pfs.core.paxos;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.ForwardingVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A volume that fences like a ChunkServer: it refuses a write whose epoch is older than the
 * newest epoch it has accepted, with {@link VolumeException.Kind#STALE_EPOCH}.
 */
final class FencingVolume extends ForwardingVolume {
    private final AtomicLong fence;

    /** @param fence the newest accepted epoch, shared with the volume's next incarnation after a restart */
    FencingVolume(BlockVolume inner, AtomicLong fence) {
        super(inner);
        this.fence = fence;
    }

    @Override
    public synchronized CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        VolumeException stale = admit(epoch);
        return stale != null ? CompletableFuture.failedFuture(stale) : inner.write(offset, src, epoch, fua);
    }

    @Override
    public synchronized CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
        VolumeException stale = admit(epoch);
        return stale != null ? CompletableFuture.failedFuture(stale) : inner.writeZeroes(offset, length, epoch);
    }

    /** @return the refusal for a write of an older epoch, else null after raising the fence */
    private VolumeException admit(long epoch) {
        long seen = fence.get();
        if (epoch < seen) {
            return new VolumeException(VolumeException.Kind.STALE_EPOCH, "stale epoch " + epoch + " < " + seen);
        }
        fence.set(epoch);
        return null;
    }
}
