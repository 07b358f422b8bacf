package dev.pfs.chunkserver.replication;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A read-only view of a volume that serves reads from a window of {@link #WINDOW} bytes read in
 * one request, for recovery's front-to-back scan of the replication log. The log holds one
 * frame per agent round, a few KB each under a database's commits; read frame by frame (a
 * header read and a frame read, each a synchronous O_DIRECT request) a 1 GB log of 100,000
 * frames took 37-170 s on a loaded disk, read in windows it costs about its size at the disk's
 * sequential rate. A read outside the window moves the window to start there. One thread.
 */
final class ReadAheadVolume implements BlockVolume {
    /** Bytes read at once: more than the largest frame, so a frame takes at most one refill. */
    static final int WINDOW = 8 << 20;
    /** The window starts on this boundary, which satisfies O_DIRECT. */
    private static final int ALIGN = 4096;

    private final BlockVolume volume;
    private ByteBuffer window;
    private long windowAt;
    private int windowLength;

    ReadAheadVolume(BlockVolume volume) {
        this.volume = volume;
    }

    @Override
    public long size() {
        return volume.size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        int n = dst.remaining();
        if (offset < 0 || offset + n > volume.size()) {
            return VolumeException.failed(VolumeException.Kind.OUT_OF_RANGE, "read [" + offset + ", +" + n
                    + ") outside the log's " + volume.size() + " bytes");
        }
        if (window == null || offset < windowAt || offset + n > windowAt + windowLength) {
            try {
                fill(offset, n);
            } catch (VolumeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        int from = (int) (offset - windowAt);
        dst.put(window.duplicate().limit(from + n).position(from));
        return CompletableFuture.completedFuture(null);
    }

    /** Reads the window starting at {@code offset} (aligned down), at least {@code n} bytes past it. */
    private void fill(long offset, int n) throws VolumeException {
        long at = offset / ALIGN * ALIGN;
        long want = Math.max(WINDOW, offset + n - at);
        int length = (int) Math.min(want, volume.size() - at);
        if (window == null || window.capacity() < length) {
            window = Arena.ofAuto().allocate(Math.max(WINDOW, length), ALIGN).asByteBuffer();
        }
        windowLength = 0;
        VolumeException.await(volume.read(at, window.clear().limit(length)));
        windowAt = at;
        windowLength = length;
    }

    private static <T> CompletableFuture<T> readOnly() {
        return VolumeException.failed(VolumeException.Kind.IO, "the replication log's recovery view is read-only");
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        return readOnly();
    }

    @Override
    public CompletableFuture<Void> flush() {
        return readOnly();
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return readOnly();
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
        return readOnly();
    }

    @Override
    public CompletableFuture<Void> resize(long newSize) {
        return readOnly();
    }

    /** The log owns the volume underneath. */
    @Override
    public void close() {
    }
}
