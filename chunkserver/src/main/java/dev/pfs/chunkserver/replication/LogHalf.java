package dev.pfs.chunkserver.replication;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * One half of the replication log's volume, {@code [base, base + size)}, as a volume of its own:
 * the log writes one half front to back while the other holds the previous generation, so a
 * rewrite of the live records never overwrites the only copy ({@link ReplicationLog}).
 */
final class LogHalf implements BlockVolume {
    private final BlockVolume volume;
    private final long base;
    private final long size;

    LogHalf(BlockVolume volume, long base, long size) {
        this.volume = volume;
        this.base = base;
        this.size = size;
    }

    @Override
    public long size() {
        return size;
    }

    private <T> CompletableFuture<T> outside(long offset, long length) {
        return VolumeException.failed(VolumeException.Kind.OUT_OF_RANGE, "replication log half at " + base + ": ["
                + offset + ", +" + length + ") outside its " + size + " bytes");
    }

    private boolean inside(long offset, long length) {
        return offset >= 0 && length >= 0 && offset + length <= size;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return inside(offset, dst.remaining()) ? volume.read(base + offset, dst) : outside(offset, dst.remaining());
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        return inside(offset, src.remaining()) ? volume.write(base + offset, src, epoch, fua)
                : outside(offset, src.remaining());
    }

    @Override
    public void writeAndWait(long offset, ByteBuffer src, long epoch, boolean fua) throws VolumeException {
        if (!inside(offset, src.remaining())) {
            VolumeException.await(outside(offset, src.remaining()));
        }
        volume.writeAndWait(base + offset, src, epoch, fua);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return volume.flush();
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return inside(offset, length) ? volume.discard(base + offset, length) : outside(offset, length);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
        return inside(offset, length) ? volume.writeZeroes(base + offset, length, epoch) : outside(offset, length);
    }

    @Override
    public CompletableFuture<Void> resize(long newSize) {
        return VolumeException.failed(VolumeException.Kind.IO, "a replication log half does not resize");
    }

    /** The whole volume belongs to the log, which closes it. */
    @Override
    public void close() {
    }
}
