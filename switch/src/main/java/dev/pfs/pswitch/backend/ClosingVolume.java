package dev.pfs.pswitch.backend;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.Extent;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A volume that also closes what it runs over (its connection) when it is closed. */
final class ClosingVolume implements BlockVolume {
    private final BlockVolume volume;
    private final AutoCloseable owned;

    ClosingVolume(BlockVolume volume, AutoCloseable owned) {
        this.volume = volume;
        this.owned = owned;
    }

    @Override
    public long size() {
        return volume.size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return volume.read(offset, dst);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        return volume.write(offset, src, epoch, fua);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return volume.flush();
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return volume.discard(offset, length);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
        return volume.writeZeroes(offset, length, epoch);
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return volume.allocation(offset, length);
    }

    @Override
    public CompletableFuture<Void> resize(long newSize) {
        return volume.resize(newSize);
    }

    @Override
    public void close() {
        volume.close();
        try {
            owned.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + owned + ": " + e.getMessage(), e);
        }
    }
}
